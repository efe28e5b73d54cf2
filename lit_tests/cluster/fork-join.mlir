// Fork-join: a source, four equal two-op branches, a join; two workers, hand-off 30 us.
// Known by hand: linear clustering peels s-b1-j (the first of four equal heaviest paths)
// and then each of the three other branches (4 clusters). List scheduling puts b2 on
// worker 1, b3 on worker 0 (makespan 900 vs 960) and b4 on worker 1 (960 vs 1300): the
// join waits for b4 (880 + 30). Local search then moves single ops: with the join beside
// b1 and b3, and s beside b2 and b4, the join starts as soon as b3 ends (880):
//   worker 0: s 0-50, b2 50-450, b4 450-850
//   worker 1: b1 80-480, b3 480-880, j 880-930 (b4 arrives at 880)
// so the makespan is 930. Each worker's ops form one cluster.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME:    dataflow.schedule = {workers = 2 : i64, linear_clusters = 4 : i64, clones = 0 : i64, t1_us = 1.700000e+03 : f64, critical_path_us = 5.000000e+02 : f64, makespan_us = 9.300000e+02 : f64, edge_us = 3.000000e+01 : f64, cost_model = "analytic"}
// CHECK-NEXT:    %[[S:.*]], %[[B2:.*]], %[[B4:.*]] = dataflow.cluster(%x) {worker = 0 : i64, dataflow.cost_us = 8.500000e+02 : f64}
// CHECK-NEXT:    ^{{.*}}(%[[X:.*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[S_IN:.*]] = onnx.Relu(%[[X]])
// CHECK-NEXT:      %[[B2A:.*]] = onnx.Tanh(%[[S_IN]])
// CHECK-NEXT:      %[[B2B:.*]] = onnx.Sigmoid(%[[B2A]])
// CHECK-NEXT:      %[[B4A:.*]] = onnx.Exp(%[[S_IN]])
// CHECK-NEXT:      %[[B4B:.*]] = onnx.Tanh(%[[B4A]])
// CHECK-NEXT:      dataflow.yield %[[S_IN]], %[[B2B]], %[[B4B]]
// CHECK:         %[[J:.*]] = dataflow.cluster(%[[S]], %[[B2]], %[[B4]]) {worker = 1 : i64, dataflow.cost_us = 8.500000e+02 : f64}
// CHECK-NEXT:    ^{{.*}}(%[[S1:.*]]: tensor<8xf32>, %[[B2_IN:.*]]: tensor<8xf32>, %[[B4_IN:.*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[B1A:.*]] = onnx.Sigmoid(%[[S1]])
// CHECK-NEXT:      %[[B1B:.*]] = onnx.Tanh(%[[B1A]])
// CHECK-NEXT:      %[[B3A:.*]] = onnx.Sigmoid(%[[S1]])
// CHECK-NEXT:      %[[B3B:.*]] = onnx.Exp(%[[B3A]])
// CHECK-NEXT:      %[[SUM:.*]] = onnx.Sum(%[[B1B]], %[[B2_IN]], %[[B3B]], %[[B4_IN]])
// CHECK-NEXT:      dataflow.yield %[[SUM]]
// CHECK:         func.return %[[J]]

func.func @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = onnx.Relu(%x) {dataflow.cost_us = 50.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b1a = onnx.Sigmoid(%s) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b1b = onnx.Tanh(%b1a) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b2a = onnx.Tanh(%s) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b2b = onnx.Sigmoid(%b2a) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b3a = onnx.Sigmoid(%s) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b3b = onnx.Exp(%b3a) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b4a = onnx.Exp(%s) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %b4b = onnx.Tanh(%b4a) {dataflow.cost_us = 200.0} : (tensor<8xf32>) -> tensor<8xf32>
  %j = onnx.Sum(%b1b, %b2b, %b3b, %b4b) {dataflow.cost_us = 50.0} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  func.return %j : tensor<8xf32>
}
