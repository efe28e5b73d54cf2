// The GPU launch plan on a graph whose right order is known by hand (H100 defaults: ridge
// point 20 FLOPs per byte; demands in one power-of-two range tie and the bottom level decides).
//
// After %a, five ops are ready. Compute-bound: %c1 (3x3 conv 64->64, 231 MFLOPs) and %c2
// (3x3 conv 64->16, 58 MFLOPs, 55 FLOPs per byte). Memory-bound: %g (global average pool,
// 0.8 MB), %s and %m (sigmoid and max pool, 1.6 MB each). Alternating, least demand
// first: %a (memory), %c2 (the smaller compute op), %g (the smallest memory op), %c1,
// then %s before %m (same demand, but %s leads the longer path %s -> %t -> %u -> %d),
// %t, then %u before %m (same demand, %u moves 256 more bytes so its path is longer),
// %m, and the concat %d.
//
// Streams (Opara): %c2 takes %a's stream 0; %g, %c1, %s and %m find %a's stream handed
// on and open 1, 2, 3 and 4; %t and %u continue on %s's stream 3; %d takes the stream of
// its first operand %c1, 2.

// RUN: ramiel-opt %s -p streams | filecheck %s
// RUN: ramiel-opt %s --streams | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK:         %a = onnx.Relu(%x) {dataflow.stream = 0 : i64}
// CHECK-NEXT:    %c2 = onnx.Conv(%a, %w2) {{.*}}dataflow.stream = 0 : i64}
// CHECK-NEXT:    %g = onnx.GlobalAveragePool(%a) {dataflow.stream = 1 : i64}
// CHECK-NEXT:    %c1 = onnx.Conv(%a, %w1) {{.*}}dataflow.stream = 2 : i64}
// CHECK-NEXT:    %s = onnx.Sigmoid(%a) {dataflow.stream = 3 : i64}
// CHECK-NEXT:    %t = onnx.Tanh(%s) {dataflow.stream = 3 : i64}
// CHECK-NEXT:    %u = onnx.Add(%t, %g) {dataflow.stream = 3 : i64}
// CHECK-NEXT:    %m = onnx.MaxPool(%a) {{.*}}dataflow.stream = 4 : i64}
// CHECK-NEXT:    %d = onnx.Concat(%c1, %c2, %m, %u) {{.*}}dataflow.stream = 2 : i64}
// CHECK-NEXT:    func.return %d

func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x208x56x56xf32> {
  %w1 = onnx.Constant() {value = dense<0.01> : tensor<64x64x3x3xf32>} : () -> tensor<64x64x3x3xf32>
  %w2 = onnx.Constant() {value = dense<0.01> : tensor<16x64x3x3xf32>} : () -> tensor<16x64x3x3xf32>
  %a = onnx.Relu(%x) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %c1 = onnx.Conv(%a, %w1) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %c2 = onnx.Conv(%a, %w2) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<16x64x3x3xf32>) -> tensor<1x16x56x56xf32>
  %m = onnx.MaxPool(%a) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %s = onnx.Sigmoid(%a) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %g = onnx.GlobalAveragePool(%a) : (tensor<1x64x56x56xf32>) -> tensor<1x64x1x1xf32>
  %t = onnx.Tanh(%s) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %u = onnx.Add(%t, %g) : (tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %d = onnx.Concat(%c1, %c2, %m, %u) {axis = 1 : i64} : (tensor<1x64x56x56xf32>, tensor<1x16x56x56xf32>, tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>) -> tensor<1x208x56x56xf32>
  func.return %d : tensor<1x208x56x56xf32>
}
