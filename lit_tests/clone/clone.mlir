// `cluster` clones a cheap producer (cost below the 30 us hand-off) into another worker
// when that worker has its operands without a new wait. Here r = Relu(x) (5 us) feeds
// both branches; x is a graph input, so worker 1 computes r itself instead of waiting
// for worker 0's. The copy is marked `dataflow.cloned`, and worker 1's cluster no longer
// reads anything from worker 0, so it comes first.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' --split-input-file | filecheck %s
// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30 clone=false},clone{edge-cost=30}' --split-input-file | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME:    clones = 1 : i64
// CHECK-NEXT:    %[[C:.*]] = dataflow.cluster(%x) {worker = 1 : i64
// CHECK:           %[[R1:.*]] = onnx.Relu(%{{.*}}) {dataflow.cost_us = 5.000000e+00 : f64, dataflow.cloned}
// CHECK-NEXT:      onnx.Tanh(%[[R1]])
// CHECK:         dataflow.cluster(%x, %[[C]]) {worker = 0 : i64
// CHECK:           %[[R0:.*]] = onnx.Relu(%{{.*}}) {dataflow.cost_us = 5.000000e+00 : f64}
// CHECK-NEXT:      onnx.Sigmoid(%[[R0]])

func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %r = onnx.Relu(%x) {dataflow.cost_us = 5.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%r) {dataflow.cost_us = 500.0} : (tensor<3xf32>) -> tensor<3xf32>
  %c = onnx.Tanh(%r) {dataflow.cost_us = 400.0} : (tensor<3xf32>) -> tensor<3xf32>
  %d = onnx.Add(%b, %c) {dataflow.cost_us = 10.0} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %d : tensor<3xf32>
}
