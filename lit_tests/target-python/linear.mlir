// The fully connected kernel as PyTorch code: a dataflow.linear is a call of the
// module-level alias `_linear` (rt.native_op("linear"), Ramiel's kernel library) with
// the input, the weight in column blocks (made once, at load time, by rt.linear_blocks),
// the bias or None, the output features and whether a Relu follows.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_linear = rt.native_op("linear"){{$}}
// CHECK-LABEL: def __init__(
// CHECK:           self.w_blocks = rt.linear_blocks(self.w)
// CHECK-LABEL: def forward(
// CHECK:           y = _linear(x, self.w_blocks, self.b, 4, True); del x
// CHECK-NEXT:      z = _linear(y, self.w_blocks, None, 4, False); del y
// CHECK-NEXT:      return (z,)
func.func @main(%x: tensor<1x4x1x1xf32>) -> tensor<1x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %b = onnx.Constant() {value = dense<[1.0, -1.0, 2.0, -2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = dataflow.linear %x, %w, %b {activation = "relu"} : (tensor<1x4x1x1xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %z = dataflow.linear %y, %w {activation = "none"} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  func.return %z : tensor<1x4xf32>
}
