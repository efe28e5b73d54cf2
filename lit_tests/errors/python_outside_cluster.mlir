// Clustered IR whose @main computes an op outside every cluster cannot be printed as
// parallel code: one error naming the op, exit 1.

// RUN: not ramiel-opt %s -t python 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: node 'stray': onnx.Tanh runs outside every dataflow.cluster of a clustered @main{{$}}
// CHECK-NOT: {{.}}

func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %s = onnx.Tanh(%x) : (tensor<3xf32>) -> tensor<3xf32> loc("stray")
  %a = dataflow.cluster(%x) {worker = 0 : i64} : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%y: tensor<3xf32>):
    %r = onnx.Relu(%y) : (tensor<3xf32>) -> tensor<3xf32>
    dataflow.yield %r : tensor<3xf32>
  }
  %b = dataflow.cluster(%s) {worker = 1 : i64} : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%z: tensor<3xf32>):
    %r = onnx.Sigmoid(%z) : (tensor<3xf32>) -> tensor<3xf32>
    dataflow.yield %r : tensor<3xf32>
  }
  %c = onnx.Add(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %c : tensor<3xf32>
}
