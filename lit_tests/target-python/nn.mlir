// The nn family as PyTorch code: static auto_pad/pads resolved into F.conv2d and
// F.max_pool2d arguments (asymmetric pads through F.pad), Gemm as F.linear or
// torch.addmm, normalizations as their F calls, softmax along an axis.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK: conv = F.conv2d(x, w, b, padding=1)
// CHECK-NEXT: same = F.conv2d(F.pad(x, (0, 1, 0, 1)), w, stride=2)
// CHECK-NEXT: dw = F.conv2d(x, dw_w, stride=2, padding=1, groups=3)
// CHECK-NEXT: up = F.conv_transpose2d(up_in, up_w, stride=2)
// CHECK-NEXT: pool, idx = rt.max_pool_indices(x, (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), 0)
// CHECK-NEXT: pool2 = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
// CHECK-NEXT: avg = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
// CHECK-NEXT: gap = x.mean((2, 3), keepdim=True)
// CHECK-NEXT: bn = F.batch_norm(x, mean, var, scale, b3)
// CHECK-NEXT: flat = F.linear(f, fc_w, fc_b)
// CHECK-NEXT: gemm = torch.addmm(fc_b2, f, fc_w2, beta=0.5)
// CHECK-NEXT: ln = F.layer_norm(f, (8,), ln_w, ln_b, eps=1e-06)
// CHECK-NEXT: mm = f @ mm_w
// CHECK-NEXT: prob = torch.softmax(gemm, dim=-1)
func.func @main(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>, %dw_w: tensor<3x1x3x3xf32>, %up_in: tensor<1x4x4x4xf32>, %up_w: tensor<4x2x2x2xf32>, %scale: tensor<3xf32>, %b3: tensor<3xf32>, %mean: tensor<3xf32>, %var: tensor<3xf32>, %f: tensor<2x8xf32>, %fc_w: tensor<5x8xf32>, %fc_b: tensor<5xf32>, %fc_w2: tensor<8x5xf32>, %fc_b2: tensor<2x5xf32>, %ln_w: tensor<8xf32>, %ln_b: tensor<8xf32>, %mm_w: tensor<8x4xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x2x8x8xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>, tensor<1x3x8x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x8xf32>, tensor<2x4xf32>) {
  %conv = onnx.Conv(%x, %w, %b) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %same = onnx.Conv(%x, %w) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  %dw = onnx.Conv(%x, %dw_w) {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
  %up = onnx.ConvTranspose(%up_in, %up_w) {strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32>
  %pool, %idx = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>)
  %pool2 = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %avg = onnx.AveragePool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %gap = onnx.GlobalAveragePool(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
  %bn = onnx.BatchNormalization(%x, %scale, %b3, %mean, %var) : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  %flat = onnx.Gemm(%f, %fc_w, %fc_b) {transB = 1 : i64} : (tensor<2x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  %gemm = onnx.Gemm(%f, %fc_w2, %fc_b2) {beta = 0.5 : f32} : (tensor<2x8xf32>, tensor<8x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  %ln = onnx.LayerNormalization(%f, %ln_w, %ln_b) {epsilon = 1.0e-06 : f32} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %mm = onnx.MatMul(%f, %mm_w) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %prob = onnx.Softmax(%gemm) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  func.return %conv, %same, %dw, %up, %pool, %idx, %pool2, %avg, %gap, %bn, %flat, %prob, %ln, %mm : tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x2x8x8xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>, tensor<1x3x8x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x8xf32>, tensor<2x4xf32>
}
