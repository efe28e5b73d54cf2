// Fork-join: a source, four equal two-op branches, a join; two workers, hand-off 30 us.
// Known by hand: linear clustering peels s-b1-j (the first of four equal heaviest paths)
// and then each of the three other branches (4 clusters). List scheduling puts b2 on worker 1, b3 on
// worker 0 (makespan 900 vs 960) and b4 on worker 1 (960 vs 1300). Worker 0's ops
// s, b1, b3 form one cluster; the join reads worker 1's cluster, which reads worker 0's
// first one, so the join starts a new cluster: s,b1,b3 | b2,b4 | j. Makespan: s 0-50,
// b1 50-450, b3 450-850 on worker 0; b2 80-480, b4 480-880 on worker 1; j 910-960.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME:    dataflow.schedule = {workers = 2 : i64, linear_clusters = 4 : i64, clones = 0 : i64, t1_us = 1.700000e+03 : f64, critical_path_us = 5.000000e+02 : f64, makespan_us = 9.600000e+02 : f64, edge_us = 3.000000e+01 : f64, cost_model = "analytic"}
// CHECK:         %[[S:.*]], %[[B1:.*]], %[[B3:.*]] = dataflow.cluster(%x) {worker = 0 : i64, dataflow.cost_us = 8.500000e+02 : f64}
// CHECK-NEXT:    ^{{.*}}(%[[X:.*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[S_IN:.*]] = onnx.Relu(%[[X]])
// CHECK-NEXT:      %[[B1A:.*]] = onnx.Sigmoid(%[[S_IN]])
// CHECK-NEXT:      %[[B1B:.*]] = onnx.Tanh(%[[B1A]])
// CHECK-NEXT:      %[[B3A:.*]] = onnx.Sigmoid(%[[S_IN]])
// CHECK-NEXT:      %[[B3B:.*]] = onnx.Exp(%[[B3A]])
// CHECK-NEXT:      dataflow.yield %[[S_IN]], %[[B1B]], %[[B3B]]
// CHECK:         %[[B2:.*]], %[[B4:.*]] = dataflow.cluster(%[[S]]) {worker = 1 : i64, dataflow.cost_us = 8.000000e+02 : f64}
// CHECK-COUNT-4:   onnx.
// CHECK-NEXT:      dataflow.yield
// CHECK:         %[[J:.*]] = dataflow.cluster(%[[B1]], %[[B2]], %[[B3]], %[[B4]]) {worker = 0 : i64, dataflow.cost_us = 5.000000e+01 : f64}
// CHECK:           onnx.Sum
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
