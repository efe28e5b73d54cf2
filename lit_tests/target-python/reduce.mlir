// Reductions: constant axes become `dim=` literals; axes computed at run time go
// through `rt.reduce`; max/min over an axis of size 0 give the identity value.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:      s = x.sum(dim=1, keepdim=True)
// CHECK-NEXT: m = x.mean(dim=(0, 2))
// CHECK-NEXT: mx = x.amax()
// CHECK-NEXT: p = x.prod(2, keepdim=True).prod(0, keepdim=True)
// CHECK-NEXT: l2 = torch.linalg.vector_norm(x, dim=2)
// CHECK-NEXT: lse = torch.logsumexp(x, dim=1, keepdim=True)
// CHECK-NEXT: ss = x.square().sum(dim=(0, 1, 2), keepdim=True)
// CHECK-NEXT: si = xi.sum(dim=1, dtype=torch.int32); del xi
// CHECK-NEXT: d = rt.reduce('min', x, ax, keepdims=False); del ax, x
// CHECK-NEXT: em = torch.full((2, 1), -float("inf"), dtype=torch.float32)

func.func @main(%x: tensor<2x3x4xf32>, %xi: tensor<2x3xi32>, %ax: tensor<1xi64>, %empty: tensor<2x0xf32>) -> (tensor<2x1x4xf32>, tensor<3xf32>, tensor<f32>, tensor<1x3x1xf32>, tensor<2x3xf32>, tensor<2x1x4xf32>, tensor<1x1x1xf32>, tensor<2xi32>, tensor<?x?xf32>, tensor<2x1xf32>) {
  %a1 = onnx.Constant() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a02 = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a2 = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %s = onnx.ReduceSum(%x, %a1) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %m = onnx.ReduceMean(%x, %a02) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<3xf32>
  %mx = onnx.ReduceMax(%x) {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  %p = onnx.ReduceProd(%x, %a02) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x3x1xf32>
  %l2 = onnx.ReduceL2(%x, %a2) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  %lse = onnx.ReduceLogSumExp(%x, %a1) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %ss = onnx.ReduceSumSquare(%x) : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %si = onnx.ReduceSum(%xi, %a1) {keepdims = 0 : i64} : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<2xi32>
  %d = onnx.ReduceMin(%x, %ax) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  %em = onnx.ReduceMax(%empty, %a1) : (tensor<2x0xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  func.return %s, %m, %mx, %p, %l2, %lse, %ss, %si, %d, %em : tensor<2x1x4xf32>, tensor<3xf32>, tensor<f32>, tensor<1x3x1xf32>, tensor<2x3xf32>, tensor<2x1x4xf32>, tensor<1x1x1xf32>, tensor<2xi32>, tensor<?x?xf32>, tensor<2x1xf32>
}
