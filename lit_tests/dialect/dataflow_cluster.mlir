// dataflow.cluster: an isolated single-block region with explicit inputs
// (bound to the block arguments) and outputs (dataflow.yield).

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP
// RUN: ramiel-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @one_cluster
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[Y:.*]] = dataflow.cluster(%[[X]]) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^{{.*}}(%[[A:.*]]: tensor<4xf32>):
// CHECK-NEXT:      %[[R:.*]] = onnx.Relu(%[[A]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      dataflow.yield %[[R]] : tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[Y]] : tensor<4xf32>
// GENERIC-LABEL: sym_name = "one_cluster"
// GENERIC:         %{{.*}} = "dataflow.cluster"(%{{.*}}) ({
// GENERIC-NEXT:    ^{{.*}}(%{{.*}}: tensor<4xf32>):
// GENERIC-NEXT:      "onnx.Relu"
// GENERIC-NEXT:      "dataflow.yield"(%{{.*}}) : (tensor<4xf32>) -> ()
// GENERIC-NEXT:    }) : (tensor<4xf32>) -> tensor<4xf32>
func.func @one_cluster(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>
    dataflow.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// Two clusters, one consuming the other's results; several inputs and
// outputs; a weight read inside a cluster; an attribute on the cluster.
// CHECK-LABEL: func.func @chained
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>, %[[Z:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[P:.*]], %[[Q:.*]] = dataflow.cluster(%[[X]], %[[Z]]) {worker = 0 : i64} : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
// CHECK-NEXT:    ^{{.*}}(%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>):
// CHECK-NEXT:      %[[S:.*]] = onnx.Add(%[[A]], %[[B]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      %[[M:.*]] = onnx.Mul(%[[A]], %[[B]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      dataflow.yield %[[S]], %[[M]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[O:.*]] = dataflow.cluster(%[[P]], %[[Q]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^{{.*}}(%[[C:.*]]: tensor<4xf32>, %[[D:.*]]: tensor<4xf32>):
// CHECK-NEXT:      %[[W:.*]] = dataflow.weight "scale" : tensor<4xf32>
// CHECK-NEXT:      %[[T:.*]] = onnx.Sub(%[[C]], %[[D]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      %[[U:.*]] = onnx.Mul(%[[T]], %[[W]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      dataflow.yield %[[U]] : tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[O]] : tensor<4xf32>
func.func @chained(%x: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %p, %q = dataflow.cluster(%x, %z) {worker = 0 : i64} : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>):
    %s = onnx.Add(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %m = onnx.Mul(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    dataflow.yield %s, %m : tensor<4xf32>, tensor<4xf32>
  }
  %o = dataflow.cluster(%p, %q) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%c: tensor<4xf32>, %d: tensor<4xf32>):
    %w = dataflow.weight "scale" : tensor<4xf32>
    %t = onnx.Sub(%c, %d) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %u = onnx.Mul(%t, %w) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    dataflow.yield %u : tensor<4xf32>
  }
  func.return %o : tensor<4xf32>
}

// -----

// A cluster with no inputs (it reads only weights) and an empty yield list.
// CHECK-LABEL: func.func @no_inputs
// CHECK-NEXT:    %[[V:.*]] = dataflow.cluster() : () -> tensor<2xf32> {
// CHECK-NEXT:      %[[W:.*]] = dataflow.weight "w" : tensor<2xf32>
// CHECK-NEXT:      dataflow.yield %[[W]] : tensor<2xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    dataflow.cluster() : () -> () {
// CHECK-NEXT:      dataflow.yield
// CHECK-NEXT:    }
func.func @no_inputs() -> tensor<2xf32> {
  %v = dataflow.cluster() : () -> tensor<2xf32> {
    %w = dataflow.weight "w" : tensor<2xf32>
    dataflow.yield %w : tensor<2xf32>
  }
  dataflow.cluster() : () -> () {
    dataflow.yield
  }
  func.return %v : tensor<2xf32>
}
