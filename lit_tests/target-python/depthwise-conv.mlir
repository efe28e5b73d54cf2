// The depthwise kernel as PyTorch code: a dataflow.conv with kernel = "depthwise" is a
// call of the module-level alias `_depthwise` (rt.native_op("depthwise_conv2d"), Ramiel's
// kernel library, built for this machine) on the weight laid out taps-major, made once
// in __init__ by rt.depthwise_taps and kept as a plain attribute; then the kernel size,
// strides, pads, dilations and whether it applies Relu. No oneDNN alias is printed when
// no conv runs on oneDNN.

// RUN: ramiel-opt %s --fuse -t python | filecheck %s
// RUN: ramiel-opt %s -p 'fuse{depthwise=false}' -t python | filecheck %s --check-prefix=ONEDNN

// CHECK:           from ramiel import runtime as rt
// CHECK-NOT:       torch.ops.mkldnn
// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_depthwise = rt.native_op("depthwise_conv2d"){{$}}
// CHECK-LABEL: def __init__(
// CHECK:           self.dw_weight_taps = rt.depthwise_taps(weights['dw.weight'])
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK:           x_nhwc = x.contiguous(memory_format=torch.channels_last); del x
// CHECK-NEXT:      y = _depthwise(x_nhwc, self.dw_weight_taps, self.dw_bias, [3, 3], [2, 2], [1, 1], [1, 1], True); del x_nhwc
// CHECK-NEXT:      z = _depthwise(y, self.dw_weight_taps, self.z_bias, [3, 3], [1, 1], [2, 2], [2, 2], False)
// CHECK-NEXT:      return (y, z)
// ONEDNN:          {{^}}_conv = torch.ops.mkldnn._convolution_pointwise{{$}}
// ONEDNN-NOT:      _depthwise
// ONEDNN:          y = _conv(x_nhwc, self.dw_weight_packed, self.dw_bias, [1, 1], [2, 2], [1, 1], 8, 'relu', [], '')
func.func @main(%x: tensor<1x8x8x8xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %w = dataflow.weight "dw.weight" : tensor<8x1x3x3xf32>
  %b = dataflow.weight "dw.bias" : tensor<8xf32>
  %c = onnx.Conv(%x, %w, %b) {group = 8 : i64, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %z = onnx.Conv(%y, %w) {group = 8 : i64, dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x8x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  func.return %y, %z : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}
