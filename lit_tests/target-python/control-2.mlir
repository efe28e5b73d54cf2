// Sequences are Python lists (sequence ops build new lists), optionals are None or
// the value, random ops draw from torch (a per-call generator when seeded).

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:      empty = []
// CHECK-NEXT: seq = [x, y]
// CHECK-NEXT: front = [y, *seq]
// CHECK-NEXT: back = [*front, x]
// CHECK-NEXT: mid = rt.sequence_insert(back, x, p)
// CHECK-NEXT: at = mid[1]
// CHECK-NEXT: at_p = mid[int(p)]
// CHECK-NEXT: erased = mid[:-1]
// CHECK-NEXT: erased_p = rt.sequence_erase(erased, p)
// CHECK-NEXT: length = torch.tensor(len(erased_p))
// CHECK-NEXT: cat = torch.cat(erased_p)
// CHECK-NEXT: stacked = torch.stack(erased_p, dim=1)
// CHECK-NEXT: split = list(torch.split(cat, 2))
// CHECK-NEXT: rows = list(torch.unbind(stacked, dim=1))
// CHECK-NEXT: def map_body(item_in):
// CHECK-NEXT:     doubled = item_in + item_in; del item_in
// CHECK-NEXT:     return (doubled,)
// CHECK-NEXT: mapped = [map_body(item)[0] for item in split]; del split
// CHECK-NEXT: opt = None
// CHECK-NEXT: has = torch.tensor(opt is not None); del opt
// CHECK-NEXT: some = at
// CHECK-NEXT: got = some; del some
// CHECK-NEXT: noise = torch.normal(0.0, 2.0, (2, 3), dtype=torch.float32, generator=torch.Generator().manual_seed(7))
// CHECK-NEXT: coin = torch.bernoulli(at, generator=torch.Generator(at.device).manual_seed(1)).to(torch.int64)
// CHECK-NEXT: uniform = torch.rand(at.shape, dtype=torch.float32, device=at.device) * 4.0 - 2.0

func.func @main(%x: tensor<2xf32>, %y: tensor<2xf32>, %p: tensor<i64>) -> (!onnx.seq<tensor<?xf32>>, tensor<2xf32>, tensor<i64>, tensor<?x?xf32>, !onnx.seq<tensor<?xf32>>, !onnx.seq<tensor<?xf32>>, tensor<i1>, tensor<2xf32>, tensor<2x3xf32>, tensor<2xi64>, tensor<2xf32>, tensor<2xf32>) {
  %empty = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.seq<tensor<?xf32>>
  %seq = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<?xf32>>
  %zero = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %one = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %front = onnx.SequenceInsert(%seq, %y, %zero) : (!onnx.seq<tensor<?xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.seq<tensor<?xf32>>
  %back = onnx.SequenceInsert(%front, %x) : (!onnx.seq<tensor<?xf32>>, tensor<2xf32>) -> !onnx.seq<tensor<?xf32>>
  %mid = onnx.SequenceInsert(%back, %x, %p) : (!onnx.seq<tensor<?xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.seq<tensor<?xf32>>
  %at = onnx.SequenceAt(%mid, %one) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> tensor<2xf32>
  %at_p = onnx.SequenceAt(%mid, %p) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> tensor<2xf32>
  %erased = onnx.SequenceErase(%mid) : (!onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>>
  %erased_p = onnx.SequenceErase(%erased, %p) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> !onnx.seq<tensor<?xf32>>
  %length = onnx.SequenceLength(%erased_p) : (!onnx.seq<tensor<?xf32>>) -> tensor<i64>
  %cat = onnx.ConcatFromSequence(%erased_p) {axis = 0 : i64} : (!onnx.seq<tensor<?xf32>>) -> tensor<?xf32>
  %stacked = onnx.ConcatFromSequence(%erased_p) {axis = 1 : i64, new_axis = 1 : i64} : (!onnx.seq<tensor<?xf32>>) -> tensor<?x?xf32>
  %two = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %split = onnx.SplitToSequence(%cat, %two) : (tensor<?xf32>, tensor<i64>) -> !onnx.seq<tensor<?xf32>>
  %rows = onnx.SplitToSequence(%stacked) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x?xf32>) -> !onnx.seq<tensor<?xf32>>
  %mapped = onnx.SequenceMap(%split) : (!onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>> body {
  ^bb0(%item_in: tensor<?xf32>):
    %doubled = onnx.Add(%item_in, %item_in) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    onnx.Yield %doubled : tensor<?xf32>
  }
  %opt = onnx.Optional() {type = tensor<2xf32>} : () -> !onnx.opt<tensor<2xf32>>
  %has = onnx.OptionalHasElement(%opt) : (!onnx.opt<tensor<2xf32>>) -> tensor<i1>
  %some = onnx.Optional(%at) : (tensor<2xf32>) -> !onnx.opt<tensor<2xf32>>
  %got = onnx.OptionalGetElement(%some) : (!onnx.opt<tensor<2xf32>>) -> tensor<2xf32>
  %noise = onnx.RandomNormal() {shape = array<i64: 2, 3>, scale = 2.0 : f32, seed = 7.0 : f32} : () -> tensor<2x3xf32>
  %coin = onnx.Bernoulli(%at) {dtype = 7 : i64, seed = 1.0 : f32} : (tensor<2xf32>) -> tensor<2xi64>
  %uniform = onnx.RandomUniformLike(%at) {low = -2.0 : f32, high = 2.0 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  func.return %empty, %at_p, %length, %stacked, %rows, %mapped, %has, %got, %noise, %coin, %uniform, %at : !onnx.seq<tensor<?xf32>>, tensor<2xf32>, tensor<i64>, tensor<?x?xf32>, !onnx.seq<tensor<?xf32>>, !onnx.seq<tensor<?xf32>>, tensor<i1>, tensor<2xf32>, tensor<2x3xf32>, tensor<2xi64>, tensor<2xf32>, tensor<2xf32>
}
