// RemoveIdentityTranspose: Transpose(x, perm=(0, 1, ..., n-1)) = x.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3x4xf32>
func.func @transpose_identity(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = onnx.Transpose(%x) {perm = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  func.return %0 : tensor<2x3x4xf32>
}

// -----

// Dynamic shapes are fine: the perm alone decides.
// CHECK-LABEL: func.func @transpose_identity_dynamic
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<?x?xf32>
func.func @transpose_identity_dynamic(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = onnx.Transpose(%x) {perm = array<i64: 0, 1>} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  func.return %0 : tensor<?x?xf32>
}

// -----

// The default perm (reversed axes) of a rank-1 tensor.
// CHECK-LABEL: func.func @transpose_default_rank1
// CHECK-SAME:    (%[[X:.*]]: tensor<5xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<5xf32>
func.func @transpose_default_rank1(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = onnx.Transpose(%x) : (tensor<5xf32>) -> tensor<5xf32>
  func.return %0 : tensor<5xf32>
}

// -----

// Must not fire: a non-identity perm, even one that keeps the shape.
// CHECK-LABEL: func.func @transpose_swap
// CHECK-NEXT:    %[[Y:.*]] = onnx.Transpose(%{{.*}}) {perm = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @transpose_swap(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = onnx.Transpose(%x) {perm = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  func.return %0 : tensor<3x3xf32>
}

// -----

// Must not fire: the default perm reverses a rank-2 tensor.
// CHECK-LABEL: func.func @transpose_default_rank2
// CHECK-NEXT:    %[[Y:.*]] = onnx.Transpose(%{{.*}}) : (tensor<3x3xf32>) -> tensor<3x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @transpose_default_rank2(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = onnx.Transpose(%x) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  func.return %0 : tensor<3x3xf32>
}
