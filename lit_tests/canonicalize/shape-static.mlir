// Shape(x) and Size(x) of a statically shaped x become constants; Shape honors
// start/end (negative from the back, clamped to [0, rank]).

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @shape
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[2, 3, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
// CHECK-NEXT:    func.return %[[S]]
func.func @shape(%x: tensor<2x3x4xf32>) -> tensor<3xi64> {
  %s = onnx.Shape(%x) : (tensor<2x3x4xf32>) -> tensor<3xi64>
  func.return %s : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @shape_start_end
// CHECK-DAG:     onnx.Constant() {value = dense<[3, 4]> : tensor<2xi64>}
// CHECK-DAG:     onnx.Constant() {value = dense<2> : tensor<1xi64>}
// CHECK-DAG:     onnx.Constant() {value = dense<[2, 3, 4]> : tensor<3xi64>}
// CHECK-DAG:     onnx.Constant() {value = dense<> : tensor<0xi64>}
// CHECK-NOT:     onnx.Shape
func.func @shape_start_end(%x: tensor<2x3x4xf32>) -> (tensor<2xi64>, tensor<1xi64>, tensor<3xi64>, tensor<0xi64>) {
  %a = onnx.Shape(%x) {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  %b = onnx.Shape(%x) {start = -3 : i64, end = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<1xi64>
  %c = onnx.Shape(%x) {start = -10 : i64, end = 10 : i64} : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %d = onnx.Shape(%x) {start = 2 : i64, end = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<0xi64>
  func.return %a, %b, %c, %d : tensor<2xi64>, tensor<1xi64>, tensor<3xi64>, tensor<0xi64>
}

// -----

// CHECK-LABEL: func.func @size
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<24> : tensor<i64>} : () -> tensor<i64>
// CHECK-NEXT:    func.return %[[S]]
func.func @size(%x: tensor<2x3x4xf32>) -> tensor<i64> {
  %s = onnx.Size(%x) : (tensor<2x3x4xf32>) -> tensor<i64>
  func.return %s : tensor<i64>
}

// -----

// Must not fire: a dynamic dim, an unranked input.
// CHECK-LABEL: func.func @dynamic
// CHECK:         onnx.Shape(%{{.*}}) : (tensor<?x3xf32>) -> tensor<2xi64>
// CHECK:         onnx.Size(%{{.*}}) : (tensor<?x3xf32>) -> tensor<i64>
// CHECK:         onnx.Shape(%{{.*}}) : (tensor<*xf32>) -> tensor<?xi64>
func.func @dynamic(%x: tensor<?x3xf32>, %u: tensor<*xf32>) -> (tensor<2xi64>, tensor<i64>, tensor<?xi64>) {
  %s = onnx.Shape(%x) : (tensor<?x3xf32>) -> tensor<2xi64>
  %n = onnx.Size(%x) : (tensor<?x3xf32>) -> tensor<i64>
  %t = onnx.Shape(%u) : (tensor<*xf32>) -> tensor<?xi64>
  func.return %s, %n, %t : tensor<2xi64>, tensor<i64>, tensor<?xi64>
}

// -----

// Must not fire: the result is typed less precisely than the constant and the
// function returns it (its signature must not change).
// CHECK-LABEL: func.func @returned_dynamic_type
// CHECK:         onnx.Shape(%{{.*}}) : (tensor<2x3xf32>) -> tensor<?xi64>
func.func @returned_dynamic_type(%x: tensor<2x3xf32>) -> tensor<?xi64> {
  %s = onnx.Shape(%x) : (tensor<2x3xf32>) -> tensor<?xi64>
  func.return %s : tensor<?xi64>
}
