// The stem kernel as PyTorch code: a dataflow.conv with kernel = "direct" is a call of
// the module-level alias `_direct` (rt.native_op("direct_conv2d"), Ramiel's kernel
// library) on the NCHW input as it comes and the weight laid out taps-major, made once
// in __init__ by rt.depthwise_taps; then the kernel size, strides, pads, dilations and
// whether it applies Relu.

// RUN: ramiel-opt %s --fuse -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_direct = rt.native_op("direct_conv2d"){{$}}
// CHECK-LABEL: def __init__(
// CHECK:           self.stem_weight_taps = rt.depthwise_taps(weights['stem.weight'])
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK-NOT:       channels_last
// CHECK:           y = _direct(x, self.stem_weight_taps, self.stem_bias, [7, 7], [2, 2], [3, 3], [1, 1], True); del x
// CHECK-NEXT:      return (y,)
func.func @main(%x: tensor<1x3x32x32xf32>) -> tensor<1x16x16x16xf32> {
  %w = dataflow.weight "stem.weight" : tensor<16x3x7x7xf32>
  %b = dataflow.weight "stem.bias" : tensor<16xf32>
  %c = onnx.Conv(%x, %w, %b) {strides = array<i64: 2, 2>, pads = array<i64: 3, 3, 3, 3>} : (tensor<1x3x32x32xf32>, tensor<16x3x7x7xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
  %y = onnx.Relu(%c) : (tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  func.return %y : tensor<1x16x16x16xf32>
}
