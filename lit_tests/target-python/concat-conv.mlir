// dataflow.concat_conv as PyTorch code: a call of the module-level alias
// `_pointwise_concat` (rt.native_op("pointwise_concat_conv2d"), Ramiel's kernel library)
// with the list of the parts, the weight as an (in, out) matrix made once in __init__
// by rt.conv1x1_matrix, the bias, whether the parts are ReLU'd and whether a Relu
// follows.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_pointwise_concat = rt.native_op("pointwise_concat_conv2d"){{$}}
// CHECK-LABEL: def __init__(
// CHECK:           self.w_matrix = rt.conv1x1_matrix(self.w)
// CHECK-LABEL: def forward(
// CHECK:           y = _pointwise_concat([a, b, a], self.w_matrix, self.bias, True, False); del a
// CHECK-NEXT:      z = _pointwise_concat([b], self.v_matrix, self.bias, False, True); del b
// CHECK-NEXT:      return (y, z)
func.func @main(%a: tensor<1x16x4x4xf32>, %b: tensor<1x32x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x64x1x1xf32>} : () -> tensor<16x64x1x1xf32>
  %v = onnx.Constant() {value = dense<0.25> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %bias = onnx.Constant() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = dataflow.concat_conv(%a, %b, %a), %w, %bias {input_activation = "relu", activation = "none"} : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>, tensor<16x64x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %z = dataflow.concat_conv(%b), %v, %bias {input_activation = "none", activation = "relu"} : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y, %z : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>
}
