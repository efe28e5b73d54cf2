// An Inception block: four branches from one input, joined by a Concat. Costs (us):
// b1 conv 300; b2 conv 100 -> conv 600; b3 conv 50 -> conv 400; b4 pool 200 -> conv 150;
// concat 20; hand-off 30. Known by hand: linear clustering peels b2+concat (780 with
// hand-offs), then b3 (480), b4 (380), b1 (300): 4 clusters. Merging onto two workers puts
// b3 on worker 1 (makespan 720 vs 1170), b4 on worker 1 (850 vs 1070) and b1 on worker 0
// (1020 vs 1150). Worker 1's branches read only the block input, so worker 0's ops form a
// single cluster that comes after worker 1's in the block. Each cluster gets its own copy
// of the weights it reads.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME:    workers = 2 : i64, linear_clusters = 4 : i64, clones = 0 : i64, t1_us = 1.820000e+03 : f64, critical_path_us = 7.200000e+02 : f64, makespan_us = 1.020000e+03 : f64
// CHECK-NEXT:    %[[B3:.*]], %[[B4:.*]] = dataflow.cluster(%x) {worker = 1 : i64, dataflow.cost_us = 8.000000e+02 : f64}
// CHECK-NEXT:    ^{{.*}}(%[[X1:.*]]: tensor<1x32x8x8xf32>):
// CHECK-NEXT:      %[[W3A:.*]] = dataflow.weight "w3a"
// CHECK-NEXT:      %[[W3B:.*]] = dataflow.weight "w3b"
// CHECK-NEXT:      %[[W4:.*]] = dataflow.weight "w4"
// CHECK-NEXT:      %[[C3A:.*]] = onnx.Conv(%[[X1]], %[[W3A]])
// CHECK-NEXT:      %[[C3B:.*]] = onnx.Conv(%[[C3A]], %[[W3B]])
// CHECK-NEXT:      %[[P4:.*]] = onnx.MaxPool(%[[X1]])
// CHECK-NEXT:      %[[C4:.*]] = onnx.Conv(%[[P4]], %[[W4]])
// CHECK-NEXT:      dataflow.yield %[[C3B]], %[[C4]]
// CHECK:         %[[OUT:.*]] = dataflow.cluster(%x, %[[B3]], %[[B4]]) {worker = 0 : i64, dataflow.cost_us = 1.020000e+03 : f64}
// CHECK-NEXT:    ^{{.*}}(%[[X0:.*]]: tensor<1x32x8x8xf32>, %[[IN3:.*]]: tensor<1x16x8x8xf32>, %[[IN4:.*]]: tensor<1x16x8x8xf32>):
// CHECK-NEXT:      %[[W1:.*]] = dataflow.weight "w1"
// CHECK-NEXT:      %[[W2A:.*]] = dataflow.weight "w2a"
// CHECK-NEXT:      %[[W2B:.*]] = dataflow.weight "w2b"
// CHECK-NEXT:      %[[C1:.*]] = onnx.Conv(%[[X0]], %[[W1]])
// CHECK-NEXT:      %[[C2A:.*]] = onnx.Conv(%[[X0]], %[[W2A]])
// CHECK-NEXT:      %[[C2B:.*]] = onnx.Conv(%[[C2A]], %[[W2B]])
// CHECK-NEXT:      %[[CAT:.*]] = onnx.Concat(%[[C1]], %[[C2B]], %[[IN3]], %[[IN4]])
// CHECK-NEXT:      dataflow.yield %[[CAT]]
// CHECK:         func.return %[[OUT]]

func.func @main(%x: tensor<1x32x8x8xf32>) -> tensor<1x80x8x8xf32> {
  %w1 = dataflow.weight "w1" : tensor<16x32x1x1xf32>
  %w2a = dataflow.weight "w2a" : tensor<16x32x1x1xf32>
  %w2b = dataflow.weight "w2b" : tensor<32x16x3x3xf32>
  %w3a = dataflow.weight "w3a" : tensor<8x32x1x1xf32>
  %w3b = dataflow.weight "w3b" : tensor<16x8x5x5xf32>
  %w4 = dataflow.weight "w4" : tensor<16x32x1x1xf32>
  %c1 = onnx.Conv(%x, %w1) {dataflow.cost_us = 300.0} : (tensor<1x32x8x8xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x8x8xf32>
  %c2a = onnx.Conv(%x, %w2a) {dataflow.cost_us = 100.0} : (tensor<1x32x8x8xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x8x8xf32>
  %c2b = onnx.Conv(%c2a, %w2b) {pads = array<i64: 1, 1, 1, 1>, dataflow.cost_us = 600.0} : (tensor<1x16x8x8xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x8x8xf32>
  %c3a = onnx.Conv(%x, %w3a) {dataflow.cost_us = 50.0} : (tensor<1x32x8x8xf32>, tensor<8x32x1x1xf32>) -> tensor<1x8x8x8xf32>
  %c3b = onnx.Conv(%c3a, %w3b) {pads = array<i64: 2, 2, 2, 2>, dataflow.cost_us = 400.0} : (tensor<1x8x8x8xf32>, tensor<16x8x5x5xf32>) -> tensor<1x16x8x8xf32>
  %p4 = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, dataflow.cost_us = 200.0} : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %c4 = onnx.Conv(%p4, %w4) {dataflow.cost_us = 150.0} : (tensor<1x32x8x8xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x8x8xf32>
  %cat = onnx.Concat(%c1, %c2b, %c3b, %c4) {axis = 1 : i64, dataflow.cost_us = 20.0} : (tensor<1x16x8x8xf32>, tensor<1x32x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x80x8x8xf32>
  func.return %cat : tensor<1x80x8x8xf32>
}
