// The Winograd kernel as PyTorch code: a dataflow.conv with kernel = "winograd" is a call
// of the module-level alias `_winograd` (rt.native_op("winograd_conv2d"), Ramiel's kernel
// library) on the channels-last input and the weight transformed for F(2x2, 3x3), made
// once in __init__ by rt.winograd_weights; then the pads, the addend (or None) and
// whether it applies Relu.

// RUN: ramiel-opt %s --fuse -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_winograd = rt.native_op("winograd_conv2d"){{$}}
// CHECK-LABEL: def __init__(
// CHECK-DAG:       self.a_weight_winograd = rt.winograd_weights(weights['a.weight'])
// CHECK-DAG:       self.b_weight_winograd = rt.winograd_weights(weights['b.weight'])
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK:           x_nhwc = x.contiguous(memory_format=torch.channels_last)
// CHECK-NEXT:      a = _winograd(x_nhwc, self.a_weight_winograd, self.a_bias, [1, 1], None, True); del x_nhwc
// CHECK-NEXT:      y = _winograd(a, self.b_weight_winograd, self.b_bias, [1, 1], x, True); del a, x
// CHECK-NEXT:      return (y,)
func.func @main(%x: tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32> {
  %wa = dataflow.weight "a.weight" : tensor<32x32x3x3xf32>
  %ba = dataflow.weight "a.bias" : tensor<32xf32>
  %wb = dataflow.weight "b.weight" : tensor<32x32x3x3xf32>
  %bb = dataflow.weight "b.bias" : tensor<32xf32>
  %c = onnx.Conv(%x, %wa, %ba) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x14x14xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x14x14xf32>
  %a = onnx.Relu(%c) : (tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %d = onnx.Conv(%a, %wb, %bb) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x14x14xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x14x14xf32>
  %s = onnx.Add(%d, %x) : (tensor<1x32x14x14xf32>, tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %y = onnx.Relu(%s) : (tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  func.return %y : tensor<1x32x14x14xf32>
}
