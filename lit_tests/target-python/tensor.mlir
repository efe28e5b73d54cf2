// Tensor ops: constant shapes, axes, starts/ends and pads become literals (and the
// constants disappear); values computed at run time go through `rt.` helpers.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:      r = x.reshape(2, 12)
// CHECK-NEXT: t = x.permute(0, 2, 1)
// CHECK-NEXT: f = x.reshape(6, 4)
// CHECK-NEXT: u = x.unsqueeze(0).unsqueeze(4)
// CHECK-NEXT: q = u.squeeze((0, 4)); del u
// CHECK-NEXT: c = torch.cat((x, q), dim=1); del q
// CHECK-NEXT: a, b = torch.split(c, [2, 4], dim=1); del c
// CHECK-NEXT: s = x[:, 1:, ::2]
// CHECK-NEXT: n = x[:, ::2].flip(1)
// CHECK-NEXT: g = x[:, -1]
// CHECK-NEXT: sh = torch.tensor([3, 4], dtype=torch.int64)
// CHECK-NEXT: p = F.pad(x, (1, 2), value=1.5)
// CHECK-NEXT: pe = rt.pad(x, [0, 1, 0, 0, 1, 0], 'edge')
// CHECK-NEXT: e = g.expand(5, 2, 4); del g
// CHECK-NEXT: d = rt.slice_axes(x, st, en); del en, st
// CHECK-NEXT: k, i = rt.topk(x, 2, axis=2)
// CHECK-NEXT: cs = rt.cumsum(x, 2, exclusive=True)
// CHECK-NEXT: ge = rt.gather_elements(x, 1, idx); del idx
// CHECK-NEXT: am = torch.argmax(x, dim=1, keepdim=True); del x

func.func @main(%x: tensor<2x3x4xf32>, %st: tensor<1xi64>, %en: tensor<1xi64>, %idx: tensor<2x1x4xi64>) -> (tensor<2x12xf32>, tensor<2x4x3xf32>, tensor<6x4xf32>, tensor<2x2x4xf32>, tensor<2x4x4xf32>, tensor<2x2x2xf32>, tensor<2x2x4xf32>, tensor<2xi64>, tensor<2x3x7xf32>, tensor<2x4x5xf32>, tensor<5x2x4xf32>, tensor<?x?x?xf32>, tensor<2x3x2xf32>, tensor<2x3x2xi64>, tensor<2x3x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xi64>) {
  %shape = onnx.Constant() {value = dense<[2, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = onnx.Reshape(%x, %shape) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  %t = onnx.Transpose(%x) {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
  %f = onnx.Flatten(%x) {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %uax = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %u = onnx.Unsqueeze(%x, %uax) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x2x3x4x1xf32>
  %q = onnx.Squeeze(%u, %uax) : (tensor<1x2x3x4x1xf32>, tensor<2xi64>) -> tensor<2x3x4xf32>
  %c = onnx.Concat(%x, %q) {axis = -2 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  %sizes = onnx.Constant() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a, %b = onnx.Split(%c, %sizes) {axis = 1 : i64} : (tensor<2x6x4xf32>, tensor<2xi64>) -> (tensor<2x2x4xf32>, tensor<2x4x4xf32>)
  %starts = onnx.Constant() {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ends = onnx.Constant() {value = dense<[9223372036854775807, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %axes = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %steps = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s = onnx.Slice(%x, %starts, %ends, %axes, %steps) : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x2x2xf32>
  %nst = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %nen = onnx.Constant() {value = dense<-9223372036854775808> : tensor<1xi64>} : () -> tensor<1xi64>
  %nax = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %nsp = onnx.Constant() {value = dense<-2> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.Slice(%x, %nst, %nen, %nax, %nsp) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x2x4xf32>
  %gi = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %g = onnx.Gather(%x, %gi) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x4xf32>
  %sh = onnx.Shape(%x) {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  %pads = onnx.Constant() {value = dense<[0, 0, 1, 0, 0, 2]> : tensor<6xi64>} : () -> tensor<6xi64>
  %pv = onnx.Constant() {value = dense<1.5> : tensor<f32>} : () -> tensor<f32>
  %p = onnx.Pad(%x, %pads, %pv) : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<2x3x7xf32>
  %epads = onnx.Constant() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %eax = onnx.Constant() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %pe = onnx.Pad(%x, %epads, none, %eax) {mode = "edge"} : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<1xi64>) -> tensor<2x4x5xf32>
  %eshape = onnx.Constant() {value = dense<[5, 1, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %e = onnx.Expand(%g, %eshape) : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<5x2x4xf32>
  %d = onnx.Slice(%x, %st, %en) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?xf32>
  %kk = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %k, %i = onnx.TopK(%x, %kk) : (tensor<2x3x4xf32>, tensor<1xi64>) -> (tensor<2x3x2xf32>, tensor<2x3x2xi64>)
  %cax = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %cs = onnx.CumSum(%x, %cax) {exclusive = 1 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3x4xf32>
  %ge = onnx.GatherElements(%x, %idx) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1x4xi64>) -> tensor<2x1x4xf32>
  %am = onnx.ArgMax(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  func.return %r, %t, %f, %a, %b, %s, %n, %sh, %p, %pe, %e, %d, %k, %i, %cs, %ge, %am : tensor<2x12xf32>, tensor<2x4x3xf32>, tensor<6x4xf32>, tensor<2x2x4xf32>, tensor<2x4x4xf32>, tensor<2x2x2xf32>, tensor<2x2x4xf32>, tensor<2xi64>, tensor<2x3x7xf32>, tensor<2x4x5xf32>, tensor<5x2x4xf32>, tensor<?x?x?xf32>, tensor<2x3x2xf32>, tensor<2x3x2xi64>, tensor<2x3x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xi64>
}
