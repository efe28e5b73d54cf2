// The fuse pass's fully connected layers: a float32 onnx.Gemm of at most 8 rows by a
// constant (out, in) weight (transB = 1, alpha and beta 1, no bias or a vector bias)
// becomes a dataflow.linear, reading through the Flatten or Reshape that makes its input
// and taking the Relu that is its sole user. fuse{linear=false} keeps the ONNX ops.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{linear=false}' | filecheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @classifier
// CHECK-SAME:    (%[[X:.*]]: tensor<1x6x1x1xf32>)
// CHECK-NEXT:    %[[W:.*]] = onnx.Constant()
// CHECK-NEXT:    %[[B:.*]] = onnx.Constant()
// CHECK-NEXT:    %[[V:.*]] = onnx.Constant()
// CHECK-NEXT:    %[[Y:.*]] = dataflow.linear %[[X]], %[[W]], %[[B]] {activation = "relu"} : (tensor<1x6x1x1xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %[[Z:.*]] = dataflow.linear %[[Y]], %[[V]] {activation = "none"} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
// CHECK-NEXT:    func.return %[[Z]]
// OFF-LABEL:   func.func @classifier
// OFF-NOT:       dataflow.linear
// OFF-COUNT-2:   onnx.Gemm
func.func @classifier(%x: tensor<1x6x1x1xf32>) -> tensor<1x3xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x6xf32>} : () -> tensor<4x6xf32>
  %b = onnx.Constant() {value = dense<[1.0, -1.0, 2.0, -2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %v = onnx.Constant() {value = dense<0.25> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %f = onnx.Flatten(%x) {axis = 1 : i64} : (tensor<1x6x1x1xf32>) -> tensor<1x6xf32>
  %g = onnx.Gemm(%f, %w, %b) {transB = 1 : i64} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %r = onnx.Relu(%g) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %z = onnx.Gemm(%r, %v) {transB = 1 : i64} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
  func.return %z : tensor<1x3xf32>
}

// -----

// A Reshape is read through too (its shape operand then goes); a Relu that is not the
// Gemm's sole user stays.
// CHECK-LABEL: func.func @reshaped
// CHECK-SAME:    (%[[X:.*]]: tensor<2x2x3xf32>)
// CHECK-NOT:     onnx.Reshape
// CHECK:         %[[Y:.*]] = dataflow.linear %[[X]], %{{.*}}, %{{.*}} {activation = "none"} : (tensor<2x2x3xf32>, tensor<5x6xf32>, tensor<5xf32>) -> tensor<2x5xf32>
// CHECK-NEXT:    %[[R:.*]] = onnx.Relu(%[[Y]])
// CHECK-NEXT:    func.return %[[R]], %[[Y]]
func.func @reshaped(%x: tensor<2x2x3xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %s = onnx.Constant() {value = dense<[2, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = onnx.Constant() {value = dense<0.5> : tensor<5x6xf32>} : () -> tensor<5x6xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<5xf32>} : () -> tensor<5xf32>
  %a = onnx.Reshape(%x, %s) : (tensor<2x2x3xf32>, tensor<2xi64>) -> tensor<2x6xf32>
  %g = onnx.Gemm(%a, %w, %b) {transB = 1 : i64} : (tensor<2x6xf32>, tensor<5x6xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  %r = onnx.Relu(%g) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  func.return %r, %g : tensor<2x5xf32>, tensor<2x5xf32>
}

// -----

// Kept: the weight not transposed, alpha or beta not 1, a (1, out) bias, a weight that
// is not a constant, 9 rows, float64.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     dataflow.linear
// CHECK:         func.return
func.func @kept(%a: tensor<1x6xf32>, %m: tensor<4x6xf32>, %n: tensor<9x6xf32>, %d: tensor<1x6xf64>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<9x4xf32>, tensor<1x4xf64>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x6xf32>} : () -> tensor<4x6xf32>
  %t = onnx.Constant() {value = dense<0.5> : tensor<6x4xf32>} : () -> tensor<6x4xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = onnx.Constant() {value = dense<1.0> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %e = onnx.Constant() {value = dense<0.5> : tensor<4x6xf64>} : () -> tensor<4x6xf64>
  %g0 = onnx.Gemm(%a, %t, %b) : (tensor<1x6xf32>, tensor<6x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %g1 = onnx.Gemm(%a, %w, %b) {transB = 1 : i64, alpha = 2.0 : f32} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %g2 = onnx.Gemm(%a, %w, %b) {transB = 1 : i64, beta = 0.5 : f32} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %g3 = onnx.Gemm(%a, %w, %c) {transB = 1 : i64} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %g4 = onnx.Gemm(%a, %m, %b) {transB = 1 : i64} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %g5 = onnx.Gemm(%n, %w, %b) {transB = 1 : i64} : (tensor<9x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<9x4xf32>
  %g6 = onnx.Gemm(%d, %e) {transB = 1 : i64} : (tensor<1x6xf64>, tensor<4x6xf64>) -> tensor<1x4xf64>
  func.return %g0, %g1, %g2, %g3, %g4, %g5, %g6 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<9x4xf32>, tensor<1x4xf64>
}
