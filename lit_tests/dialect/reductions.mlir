// Custom syntax of reductions (axes as an optional operand since opset 18),
// arg reductions, softmax-like ops, TopK and CumSum.

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP

// CHECK-LABEL: func.func @reduce
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[AX:.*]]: tensor<1xi64>)
// CHECK-NEXT:    onnx.ReduceMean(%[[X]], %[[AX]]) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
// CHECK-NEXT:    onnx.ReduceSum(%[[X]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK-NEXT:    onnx.ReduceMax(%[[X]]) {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
// CHECK-NEXT:    onnx.ReduceMin(%[[X]], %[[AX]]) {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK-NEXT:    onnx.ReduceProd(%[[X]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK-NEXT:    onnx.ReduceL2(%[[X]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK-NEXT:    onnx.ReduceLogSumExp(%[[X]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK-NEXT:    onnx.ReduceSumSquare(%[[X]]) : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
func.func @reduce(%x: tensor<2x3x4xf32>, %ax: tensor<1xi64>) -> (tensor<2x4xf32>, tensor<2x1x4xf32>, tensor<f32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<1x1x1xf32>) {
  %0 = onnx.ReduceMean(%x, %ax) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
  %1 = onnx.ReduceSum(%x, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %2 = onnx.ReduceMax(%x) {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  %3 = onnx.ReduceMin(%x, %ax) {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %4 = onnx.ReduceProd(%x, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %5 = onnx.ReduceL2(%x, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %6 = onnx.ReduceLogSumExp(%x, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  %7 = onnx.ReduceSumSquare(%x) : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  func.return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x4xf32>, tensor<2x1x4xf32>, tensor<f32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<1x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @arg_reduce
// CHECK-NEXT:    onnx.ArgMax(%{{.*}}) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
// CHECK-NEXT:    onnx.ArgMin(%{{.*}}) {select_last_index = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<1x3x4xi64>
func.func @arg_reduce(%x: tensor<2x3x4xf32>) -> (tensor<2x4xi64>, tensor<1x3x4xi64>) {
  %0 = onnx.ArgMax(%x) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
  %1 = onnx.ArgMin(%x) {select_last_index = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<1x3x4xi64>
  func.return %0, %1 : tensor<2x4xi64>, tensor<1x3x4xi64>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    onnx.Softmax(%[[X]]) : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    onnx.Softmax(%[[X]]) {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    onnx.LogSoftmax(%[[X]]) {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    onnx.Hardmax(%[[X]]) {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @softmax(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = onnx.Softmax(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Softmax(%x) {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = onnx.LogSoftmax(%x) {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = onnx.Hardmax(%x) {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// TopK has two results of different element types (T and I).
// CHECK-LABEL: func.func @topk_cumsum
// CHECK-SAME:    (%[[X:.*]]: tensor<2x5xf32>, %[[K:.*]]: tensor<1xi64>, %[[AX:.*]]: tensor<i32>)
// CHECK-NEXT:    %[[V:.*]], %[[I:.*]] = onnx.TopK(%[[X]], %[[K]]) {largest = 0 : i64, sorted = 1 : i64} : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
// CHECK-NEXT:    %[[C:.*]] = onnx.CumSum(%[[X]], %[[AX]]) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x5xf32>, tensor<i32>) -> tensor<2x5xf32>
// CHECK-NEXT:    func.return %[[V]], %[[I]], %[[C]] :
func.func @topk_cumsum(%x: tensor<2x5xf32>, %k: tensor<1xi64>, %ax: tensor<i32>) -> (tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x5xf32>) {
  %v, %i = onnx.TopK(%x, %k) {largest = 0 : i64, sorted = 1 : i64} : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  %c = onnx.CumSum(%x, %ax) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x5xf32>, tensor<i32>) -> tensor<2x5xf32>
  func.return %v, %i, %c : tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x5xf32>
}
