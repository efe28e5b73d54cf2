// The pointwise kernel as PyTorch code: a dataflow.conv with kernel = "pointwise" is a
// call of the module-level alias `_pointwise` (rt.native_op("pointwise_conv2d"), Ramiel's
// kernel library) with the input, the weight as an (in, out) matrix made once in
// __init__ by rt.conv1x1_matrix (its columns padded to a multiple of 16 when the output
// channels are not one: rt.conv1x1_matrix(w, 16)), the bias, the addend (or None) and
// whether a Relu follows.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_pointwise = rt.native_op("pointwise_conv2d"){{$}}
// CHECK-NOT:       _conv =
// CHECK-LABEL: def __init__(
// CHECK:           self.w_matrix = rt.conv1x1_matrix(self.w)
// CHECK-NEXT:      self.v_matrix = rt.conv1x1_matrix(self.v, 16)
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK:           y = _pointwise(x, self.w_matrix, self.b, r, True); del r
// CHECK-NEXT:      z = _pointwise(x, self.w_matrix, self.b, None, False)
// CHECK-NEXT:      u = _pointwise(x, self.v_matrix, self.c, None, False); del x
// CHECK-NEXT:      return (y, z, u)
func.func @main(%x: tensor<1x8x4x4xf32>, %r: tensor<1x16x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x24x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = dataflow.conv %x, %w, %b add %r {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "pointwise"} : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %z = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "pointwise"} : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %v = onnx.Constant() {value = dense<0.25> : tensor<24x8x1x1xf32>} : () -> tensor<24x8x1x1xf32>
  %c = onnx.Constant() {value = dense<2.0> : tensor<24xf32>} : () -> tensor<24xf32>
  %u = dataflow.conv %x, %v, %c {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "pointwise"} : (tensor<1x8x4x4xf32>, tensor<24x8x1x1xf32>, tensor<24xf32>) -> tensor<1x24x4x4xf32>
  func.return %y, %z, %u : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x24x4x4xf32>
}
