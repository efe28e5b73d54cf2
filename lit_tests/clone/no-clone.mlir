// Where cloning must not fire.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' --split-input-file | filecheck %s
// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30 clone=false},clone{edge-cost=30}' --split-input-file | filecheck %s
// RUN: ramiel-opt %s --clone --split-input-file | filecheck %s --check-prefix=PLAIN

// The shared producer costs more than a hand-off: worker 1 waits for it.
// CHECK-LABEL: func.func @expensive
// CHECK-SAME:    clones = 0 : i64
// CHECK-COUNT-1: onnx.Relu
// CHECK-NOT:     onnx.Relu
// CHECK-NOT:     dataflow.cloned
func.func @expensive(%x: tensor<3xf32>) -> tensor<3xf32> {
  %r = onnx.Relu(%x) {dataflow.cost_us = 100.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%r) {dataflow.cost_us = 500.0} : (tensor<3xf32>) -> tensor<3xf32>
  %c = onnx.Tanh(%r) {dataflow.cost_us = 400.0} : (tensor<3xf32>) -> tensor<3xf32>
  %d = onnx.Add(%b, %c) {dataflow.cost_us = 10.0} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %d : tensor<3xf32>
}

// -----

// The producer is cheap but reads a value worker 1 does not otherwise receive: cloning
// would trade one wait for another.
// CHECK-LABEL: func.func @new_wait
// CHECK-SAME:    clones = 0 : i64
// CHECK-COUNT-1: onnx.Relu
// CHECK-NOT:     onnx.Relu
// CHECK-NOT:     dataflow.cloned
func.func @new_wait(%x: tensor<3xf32>) -> tensor<3xf32> {
  %e = onnx.Exp(%x) {dataflow.cost_us = 300.0} : (tensor<3xf32>) -> tensor<3xf32>
  %r = onnx.Relu(%e) {dataflow.cost_us = 5.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%r) {dataflow.cost_us = 500.0} : (tensor<3xf32>) -> tensor<3xf32>
  %c = onnx.Tanh(%r) {dataflow.cost_us = 400.0} : (tensor<3xf32>) -> tensor<3xf32>
  %d = onnx.Add(%b, %c) {dataflow.cost_us = 10.0} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %d : tensor<3xf32>
}

// -----

// Without clusters there is nothing to clone into: `clone` alone leaves the IR as it is.
// CHECK-LABEL: func.func @unclustered
// PLAIN-LABEL: func.func @unclustered
// PLAIN-NEXT:    onnx.Relu
// PLAIN-NEXT:    onnx.Sigmoid
// PLAIN-NEXT:    func.return
func.func @unclustered(%x: tensor<3xf32>) -> tensor<3xf32> {
  %r = onnx.Relu(%x) {dataflow.cost_us = 5.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%r) {dataflow.cost_us = 500.0} : (tensor<3xf32>) -> tensor<3xf32>
  func.return %b : tensor<3xf32>
}
