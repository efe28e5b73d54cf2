// Custom syntax of the ops with subgraphs: If, Loop and Scan. Each ONNX graph
// attribute is a region printed after the type, introduced by the attribute's
// name; regions end in `onnx.Yield`. Regions come in schema order, which for
// If is `else_branch` then `then_branch` (ONNX lists attributes sorted).

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP
// RUN: ramiel-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// Branches read values of the enclosing region (ONNX subgraphs see outer names).
// CHECK-LABEL: func.func @if_else
// CHECK-SAME:    (%[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<2xf32>)
// CHECK-NEXT:    %[[R:.*]] = onnx.If(%[[C]]) : (tensor<i1>) -> tensor<2xf32> else_branch {
// CHECK-NEXT:      %[[N:.*]] = onnx.Neg(%[[X]]) : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:      onnx.Yield %[[N]] : tensor<2xf32>
// CHECK-NEXT:    } then_branch {
// CHECK-NEXT:      onnx.Yield %[[X]] : tensor<2xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]] : tensor<2xf32>
// GENERIC-LABEL: sym_name = "if_else"
// GENERIC:         "onnx.If"(%{{.*}}) ({
// GENERIC-NEXT:      "onnx.Neg"
// GENERIC-NEXT:      "onnx.Yield"(%{{.*}}) : (tensor<2xf32>) -> ()
// GENERIC-NEXT:    }, {
// GENERIC-NEXT:      "onnx.Yield"(%{{.*}}) : (tensor<2xf32>) -> ()
// GENERIC-NEXT:    }) : (tensor<i1>) -> tensor<2xf32>
func.func @if_else(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<2xf32> {
  %r = onnx.If(%c) : (tensor<i1>) -> tensor<2xf32> else_branch {
    %n = onnx.Neg(%x) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  } then_branch {
    onnx.Yield %x : tensor<2xf32>
  }
  func.return %r : tensor<2xf32>
}

// -----

// An If with several results of different types, and nested control flow.
// CHECK-LABEL: func.func @if_nested
// CHECK-SAME:    (%[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<2xf32>, %[[I:.*]]: tensor<3xi64>)
// CHECK-NEXT:    %[[A:.*]], %[[B:.*]] = onnx.If(%[[C]]) : (tensor<i1>) -> (tensor<2xf32>, tensor<3xi64>) else_branch {
// CHECK-NEXT:      onnx.Yield %[[X]], %[[I]] : tensor<2xf32>, tensor<3xi64>
// CHECK-NEXT:    } then_branch {
// CHECK-NEXT:      %[[INNER:.*]] = onnx.If(%[[C]]) : (tensor<i1>) -> tensor<2xf32> else_branch {
// CHECK-NEXT:        onnx.Yield %[[X]] : tensor<2xf32>
// CHECK-NEXT:      } then_branch {
// CHECK-NEXT:        onnx.Yield %[[X]] : tensor<2xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      onnx.Yield %[[INNER]], %[[I]] : tensor<2xf32>, tensor<3xi64>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[A]], %[[B]] : tensor<2xf32>, tensor<3xi64>
func.func @if_nested(%c: tensor<i1>, %x: tensor<2xf32>, %i: tensor<3xi64>) -> (tensor<2xf32>, tensor<3xi64>) {
  %a, %b = onnx.If(%c) : (tensor<i1>) -> (tensor<2xf32>, tensor<3xi64>) else_branch {
    onnx.Yield %x, %i : tensor<2xf32>, tensor<3xi64>
  } then_branch {
    %inner = onnx.If(%c) : (tensor<i1>) -> tensor<2xf32> else_branch {
      onnx.Yield %x : tensor<2xf32>
    } then_branch {
      onnx.Yield %x : tensor<2xf32>
    }
    onnx.Yield %inner, %i : tensor<2xf32>, tensor<3xi64>
  }
  func.return %a, %b : tensor<2xf32>, tensor<3xi64>
}

// -----

// Loop: optional M and cond, variadic loop-carried values; the body takes the
// iteration number, the condition and the carried values, and yields the new
// condition, the carried values and the scan outputs.
// CHECK-LABEL: func.func @loop
// CHECK-SAME:    (%[[M:.*]]: tensor<i64>, %[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<2xf32>)
// CHECK-NEXT:    %{{.*}}, %{{.*}} = onnx.Loop(%[[M]], %[[C]], %[[X]]) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) body {
// CHECK-NEXT:    ^{{.*}}(%{{.*}}: tensor<i64>, %[[COND:.*]]: tensor<i1>, %[[ACC:.*]]: tensor<2xf32>):
// CHECK-NEXT:      %[[N:.*]] = onnx.Add(%[[ACC]], %[[X]]) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:      onnx.Yield %[[COND]], %[[N]], %[[N]] : tensor<i1>, tensor<2xf32>, tensor<2xf32>
// CHECK-NEXT:    }
// A Loop without `cond`: the absent optional operand in the middle is `none`.
// CHECK-NEXT:    onnx.Loop(%[[M]], none, %[[X]]) : (tensor<i64>, tensor<2xf32>) -> tensor<2xf32> body {
// A Loop without `M` starts with `none`.
// CHECK:         onnx.Loop(none, %[[C]], %[[X]]) : (tensor<i1>, tensor<2xf32>) -> tensor<2xf32> body {
// GENERIC-LABEL: sym_name = "loop"
// GENERIC:         "onnx.Loop"(%{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1>}> ({
// GENERIC:         "onnx.Loop"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}> ({
// GENERIC:         "onnx.Loop"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 0, 1, 1>}> ({
func.func @loop(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %r, %s = onnx.Loop(%m, %c, %x) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) body {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %acc: tensor<2xf32>):
    %n = onnx.Add(%acc, %x) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %cond, %n, %n : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  %t = onnx.Loop(%m, none, %x) : (tensor<i64>, tensor<2xf32>) -> tensor<2xf32> body {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %acc: tensor<2xf32>):
    onnx.Yield %cond, %acc : tensor<i1>, tensor<2xf32>
  }
  %u = onnx.Loop(none, %c, %x) : (tensor<i1>, tensor<2xf32>) -> tensor<2xf32> body {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %acc: tensor<2xf32>):
    onnx.Yield %cond, %acc : tensor<i1>, tensor<2xf32>
  }
  func.return %r, %s, %t, %u : tensor<2xf32>, tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Scan: one state and one scan input; INT and INTS attributes beside the region.
// CHECK-LABEL: func.func @scan
// CHECK-SAME:    (%[[INIT:.*]]: tensor<2xf32>, %[[XS:.*]]: tensor<3x2xf32>)
// CHECK-NEXT:    %[[F:.*]], %[[YS:.*]] = onnx.Scan(%[[INIT]], %[[XS]]) {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) body {
// CHECK-NEXT:    ^{{.*}}(%[[ACC:.*]]: tensor<2xf32>, %[[E:.*]]: tensor<2xf32>):
// CHECK-NEXT:      %[[N:.*]] = onnx.Add(%[[ACC]], %[[E]]) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:      onnx.Yield %[[N]], %[[N]] : tensor<2xf32>, tensor<2xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[F]], %[[YS]] : tensor<2xf32>, tensor<3x2xf32>
func.func @scan(%init: tensor<2xf32>, %xs: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %f, %ys = onnx.Scan(%init, %xs) {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) body {
  ^bb0(%acc: tensor<2xf32>, %e: tensor<2xf32>):
    %n = onnx.Add(%acc, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  func.return %f, %ys : tensor<2xf32>, tensor<3x2xf32>
}
