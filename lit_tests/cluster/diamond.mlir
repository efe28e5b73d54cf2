// A diamond a -> (b, c) -> d, hand-off 30 us. Known by hand: the heaviest path is
// a-b-d (100+500+100), c (400) is the second linear cluster. With two workers c runs on
// worker 1 from 130 to 530 while b runs 100-600 on worker 0, so the makespan is the
// critical path, 700; d reads c from another worker, so it starts a cluster of its own.
// With one worker, or when a hand-off costs more than c saves, everything is one cluster.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' --split-input-file | filecheck %s --check-prefix=TWO
// RUN: ramiel-opt %s -p 'cluster{workers=1 edge-cost=30}' --split-input-file | filecheck %s --check-prefix=ONE
// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=1000}' --split-input-file | filecheck %s --check-prefix=ONE

// TWO-LABEL: func.func @main
// TWO-SAME:    linear_clusters = 2 : i64
// TWO-SAME:    t1_us = 1.100000e+03 : f64, critical_path_us = 7.000000e+02 : f64, makespan_us = 7.000000e+02 : f64
// TWO-NEXT:    %[[A:.*]], %[[B:.*]] = dataflow.cluster(%x) {worker = 0 : i64, dataflow.cost_us = 6.000000e+02 : f64}
// TWO:           onnx.Relu
// TWO-NEXT:      onnx.Sigmoid
// TWO-NEXT:      dataflow.yield
// TWO:         %[[C:.*]] = dataflow.cluster(%[[A]]) {worker = 1 : i64, dataflow.cost_us = 4.000000e+02 : f64}
// TWO:           onnx.Tanh
// TWO-NEXT:      dataflow.yield
// TWO:         %[[D:.*]] = dataflow.cluster(%[[B]], %[[C]]) {worker = 0 : i64, dataflow.cost_us = 1.000000e+02 : f64}
// TWO:           onnx.Add
// TWO-NEXT:      dataflow.yield
// TWO:         func.return %[[D]]

// ONE-LABEL: func.func @main
// ONE-SAME:    workers = 1 : i64
// ONE-SAME:    makespan_us = 1.100000e+03 : f64
// ONE-NEXT:    %[[D:.*]] = dataflow.cluster(%x) {worker = 0 : i64, dataflow.cost_us = 1.100000e+03 : f64}
// ONE-NEXT:    ^{{.*}}(%[[X:.*]]: tensor<3xf32>):
// ONE-NEXT:      %[[A:.*]] = onnx.Relu(%[[X]])
// ONE-NEXT:      %[[B:.*]] = onnx.Sigmoid(%[[A]])
// ONE-NEXT:      %[[C:.*]] = onnx.Tanh(%[[A]])
// ONE-NEXT:      %[[R:.*]] = onnx.Add(%[[B]], %[[C]])
// ONE-NEXT:      dataflow.yield %[[R]]
// ONE-NEXT:    }
// ONE-NEXT:    func.return %[[D]]

func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Relu(%x) {dataflow.cost_us = 100.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%a) {dataflow.cost_us = 500.0} : (tensor<3xf32>) -> tensor<3xf32>
  %c = onnx.Tanh(%a) {dataflow.cost_us = 400.0} : (tensor<3xf32>) -> tensor<3xf32>
  %d = onnx.Add(%b, %c) {dataflow.cost_us = 100.0} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %d : tensor<3xf32>
}
