// A chain has no parallelism: one linear cluster, one worker, makespan = T1 = critical
// path, whatever the worker count. Weights are cloned into the cluster that reads them.

// RUN: ramiel-opt %s -p 'cluster{workers=4 edge-cost=30}' | filecheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME:    workers = 1 : i64, linear_clusters = 1 : i64, clones = 0 : i64, t1_us = 6.000000e+02 : f64, critical_path_us = 6.000000e+02 : f64, makespan_us = 6.000000e+02 : f64
// CHECK-NEXT:    %[[Y:.*]] = dataflow.cluster(%x) {worker = 0 : i64, dataflow.cost_us = 6.000000e+02 : f64} : (tensor<1x4xf32>) -> tensor<1x2xf32> {
// CHECK-NEXT:    ^{{.*}}(%[[X:.*]]: tensor<1x4xf32>):
// CHECK-NEXT:      %[[W:.*]] = dataflow.weight "w" : tensor<2x4xf32>
// CHECK-NEXT:      %[[A:.*]] = onnx.Relu(%[[X]])
// CHECK-NEXT:      %[[G:.*]] = onnx.Gemm(%[[A]], %[[W]])
// CHECK-NEXT:      %[[T:.*]] = onnx.Tanh(%[[G]])
// CHECK-NEXT:      dataflow.yield %[[T]]
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[Y]]
// CHECK-NOT:   dataflow.cluster

func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = dataflow.weight "w" : tensor<2x4xf32>
  %a = onnx.Relu(%x) {dataflow.cost_us = 100.0} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %g = onnx.Gemm(%a, %w) {transB = 1 : i64, dataflow.cost_us = 300.0} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %t = onnx.Tanh(%g) {dataflow.cost_us = 200.0} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %t : tensor<1x2xf32>
}
