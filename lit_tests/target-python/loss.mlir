// The loss family as PyTorch code: F.cross_entropy and F.nll_loss with only the
// non-default keywords, int32 labels widened, and rt.softmax_cross_entropy_loss when
// the log_prob output is used.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK: sce = F.cross_entropy(x, labels)
// CHECK-NEXT: sce_w = F.cross_entropy(x, labels32.long(), weight=w, ignore_index=1, reduction='sum')
// CHECK-NEXT: sce_none, log_prob = rt.softmax_cross_entropy_loss(x, labels, reduction='none')
// CHECK-NEXT: nll = F.nll_loss(x, labels, ignore_index=-1)
func.func @main(%x: tensor<3x5xf32>, %labels: tensor<3xi64>, %labels32: tensor<3xi32>, %w: tensor<5xf32>) -> (tensor<f32>, tensor<f32>, tensor<3xf32>, tensor<3x5xf32>, tensor<f32>) {
  %sce = onnx.SoftmaxCrossEntropyLoss(%x, %labels) : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<f32>
  %sce_w = onnx.SoftmaxCrossEntropyLoss(%x, %labels32, %w) {ignore_index = 1 : i64, reduction = "sum"} : (tensor<3x5xf32>, tensor<3xi32>, tensor<5xf32>) -> tensor<f32>
  %sce_none, %log_prob = onnx.SoftmaxCrossEntropyLoss(%x, %labels) {reduction = "none"} : (tensor<3x5xf32>, tensor<3xi64>) -> (tensor<3xf32>, tensor<3x5xf32>)
  %nll = onnx.NegativeLogLikelihoodLoss(%x, %labels) {ignore_index = -1 : i64} : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<f32>
  func.return %sce, %sce_w, %sce_none, %log_prob, %nll : tensor<f32>, tensor<f32>, tensor<3xf32>, tensor<3x5xf32>, tensor<f32>
}
