// MergeTransposes: Transpose(Transpose(x, p), q) = Transpose(x, c), c[i] = p[q[i]];
// x when c is the identity.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @transpose_transpose
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[Y:.*]] = onnx.Transpose(%[[X]]) {perm = array<i64: 2, 1, 0>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<4x3x2xf32>
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = onnx.Transpose(%x) {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = onnx.Transpose(%0) {perm = array<i64: 1, 0, 2>} : (tensor<3x4x2xf32>) -> tensor<4x3x2xf32>
  func.return %1 : tensor<4x3x2xf32>
}

// -----

// Inverse perms cancel (dynamic shapes are fine).
// CHECK-LABEL: func.func @transpose_inverse
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3x4xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<?x3x4xf32>
func.func @transpose_inverse(%x: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %0 = onnx.Transpose(%x) {perm = array<i64: 1, 2, 0>} : (tensor<?x3x4xf32>) -> tensor<3x4x?xf32>
  %1 = onnx.Transpose(%0) {perm = array<i64: 2, 0, 1>} : (tensor<3x4x?xf32>) -> tensor<?x3x4xf32>
  func.return %1 : tensor<?x3x4xf32>
}

// -----

// Default perms (reversed axes) twice cancel.
// CHECK-LABEL: func.func @transpose_default_twice
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @transpose_default_twice(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Transpose(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = onnx.Transpose(%0) : (tensor<3x2xf32>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}

// -----

// The inner transpose has another use: it stays for it.
// CHECK-LABEL: func.func @transpose_shared
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[A:.*]] = onnx.Transpose(%[[X]]) {perm = array<i64: 1, 2, 0>}
// CHECK-NEXT:    %[[B:.*]] = onnx.Transpose(%[[X]]) {perm = array<i64: 2, 1, 0>}
// CHECK-NEXT:    func.return %[[A]], %[[B]]
func.func @transpose_shared(%x: tensor<2x3x4xf32>) -> (tensor<3x4x2xf32>, tensor<4x3x2xf32>) {
  %0 = onnx.Transpose(%x) {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = onnx.Transpose(%0) {perm = array<i64: 1, 0, 2>} : (tensor<3x4x2xf32>) -> tensor<4x3x2xf32>
  func.return %0, %1 : tensor<3x4x2xf32>, tensor<4x3x2xf32>
}

// -----

// Must not fire: the inner op is not a Transpose.
// CHECK-LABEL: func.func @transpose_single
// CHECK-NEXT:    onnx.Relu
// CHECK-NEXT:    %[[Y:.*]] = onnx.Transpose(%{{.*}}) {perm = array<i64: 1, 0>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @transpose_single(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Transpose(%0) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %1 : tensor<3x2xf32>
}
