// The matrix-product kernel as PyTorch code: a dataflow.conv with kernel = "matmul" is
// one torch.addmm of the channels-last pixels (N*H*W rows, one column per input channel)
// by the weight as an (in, out) matrix, made once in __init__ by rt.conv1x1_matrix and
// kept as a plain attribute; the product is viewed back as NCHW with channels-last
// strides, then the addend and the activation are applied in place on it.

// RUN: ramiel-opt %s -p 'fuse{pointwise=false}' -t python | filecheck %s

// CHECK-LABEL: WEIGHTS = {
// CHECK-NEXT:      'conv_bias': 'conv.bias',
// CHECK-NEXT:      'c2_bias': 'c2_bias',
// CHECK-NEXT:  }
// CHECK-LABEL: def __init__(
// CHECK:           self.conv_weight_matrix = rt.conv1x1_matrix(weights['conv.weight'])
// CHECK-NOT:       rt.pack_conv_weight
// CHECK-LABEL: def forward(
// CHECK:           x_nhwc = x.contiguous(memory_format=torch.channels_last); del x
// CHECK-NEXT:      y = torch.addmm(self.conv_bias, x_nhwc.permute(0, 2, 3, 1).reshape(16, 8), self.conv_weight_matrix).view(1, 4, 4, 16).permute(0, 3, 1, 2).add_(r).relu_(); del r
// CHECK-NEXT:      z = F.leaky_relu(torch.addmm(self.c2_bias, x_nhwc.permute(0, 2, 3, 1).reshape(16, 8), self.conv_weight_matrix).view(1, 4, 4, 16).permute(0, 3, 1, 2), 0.25, inplace=True); del x_nhwc
// CHECK-NEXT:      return (y, z)
func.func @main(%x: tensor<1x8x4x4xf32>, %r: tensor<1x16x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) {
  %w = dataflow.weight "conv.weight" : tensor<16x8x1x1xf32>
  %b = dataflow.weight "conv.bias" : tensor<16xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %a = onnx.Add(%c, %r) : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %y = onnx.Relu(%a) : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %c2 = onnx.Conv(%x, %w) : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x4x4xf32>
  %z = onnx.LeakyRelu(%c2) {alpha = 0.25 : f32} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  func.return %y, %z : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>
}
