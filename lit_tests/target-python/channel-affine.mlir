// The BatchNormalization kernel as PyTorch code: a dataflow.channel_affine is a call of
// the module-level alias `_affine` (rt.native_op("channel_affine"), Ramiel's kernel
// library) with the input, the scale and shift vectors (buffers made once, at load time)
// and whether a Relu follows.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_affine = rt.native_op("channel_affine"){{$}}
// CHECK-NOT:       _pool
// CHECK-LABEL: def __init__(
// CHECK:           self.register_buffer('s', torch.tensor([2.0, 0.5], dtype=torch.float32))
// CHECK-NEXT:      self.register_buffer('t', torch.tensor([-1.5, 2.0], dtype=torch.float32))
// CHECK-LABEL: def forward(
// CHECK:           y = _affine(x, self.s, self.t, True); del x
// CHECK-NEXT:      z = _affine(y, self.s, self.t, False); del y
// CHECK-NEXT:      return (z,)
func.func @main(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %s = onnx.Constant() {value = dense<[2.0, 0.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %t = onnx.Constant() {value = dense<[-1.5, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = dataflow.channel_affine %x, %s, %t {activation = "relu"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %z = dataflow.channel_affine %y, %s, %t {activation = "none"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %z : tensor<1x2x3x3xf32>
}
