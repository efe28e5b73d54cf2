// The pointwise kernel as PyTorch code: a dataflow.conv with kernel = "pointwise" is a
// call of the module-level alias `_pointwise` (rt.native_op("pointwise_conv2d"), Ramiel's
// kernel library) with the input, the weight as an (in, out) matrix made once in
// __init__ by rt.conv1x1_matrix, the bias, the addend (or None) and whether a Relu
// follows.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_pointwise = rt.native_op("pointwise_conv2d"){{$}}
// CHECK-NOT:       _conv =
// CHECK-LABEL: def __init__(
// CHECK:           self.w_matrix = rt.conv1x1_matrix(self.w)
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK:           y = _pointwise(x, self.w_matrix, self.b, r, True); del r
// CHECK-NEXT:      z = _pointwise(x, self.w_matrix, self.b, None, False); del x
// CHECK-NEXT:      return (y, z)
func.func @main(%x: tensor<1x8x4x4xf32>, %r: tensor<1x16x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = dataflow.conv %x, %w, %b add %r {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "pointwise"} : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %z = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "pointwise"} : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y, %z : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>
}
