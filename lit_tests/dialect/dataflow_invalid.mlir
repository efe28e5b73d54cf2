// Verifier errors of the `dataflow` dialect, one per chunk, each located at
// the op at fault.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @argument_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op block argument types (tensor<4xi64>) do not match its input types (tensor<4xf32>)
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xi64>):
    %r = onnx.Cast(%a) {to = 1 : i64} : (tensor<4xi64>) -> tensor<4xf32>
    dataflow.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

func.func @argument_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op block argument types (tensor<4xf32>, tensor<4xf32>) do not match its input types (tensor<4xf32>)
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>):
    dataflow.yield %a : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

func.func @yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op yields (tensor<4xf32>, tensor<4xf32>) but its result types are (tensor<4xf32>)
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    dataflow.yield %a, %a : tensor<4xf32>, tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

func.func @no_yield(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op must end with 'dataflow.yield'
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// A cluster is isolated from above: it must take outer values as inputs.
func.func @isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op Operation using value defined out of its IsolatedFromAbove parent
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
    dataflow.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

func.func @two_blocks(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.cluster' op Region 'body' at position 0 expected a single block, but got 2 blocks
  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    dataflow.yield %a : tensor<4xf32>
  ^bb1:
    dataflow.yield %a : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

func.func @yield_outside_cluster(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.yield' expects parent op 'dataflow.cluster'
  dataflow.yield %x : tensor<4xf32>
}

// -----

func.func @weight_key() -> tensor<2xf32> {
  // CHECK: dataflow_invalid.mlir:[[# @LINE + 1]]:3: error: 'dataflow.weight' op 3 : i64 should be of base attribute string
  %w = "dataflow.weight"() <{key = 3 : i64}> : () -> tensor<2xf32>
  func.return %w : tensor<2xf32>
}
