// RemoveNoOpReshape: Reshape(x, s) = x when x and the result have the same static shape.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @reshape_same
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @reshape_same(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Reshape(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// A constant shape with -1 and 0 entries; allowzero does not matter.
// CHECK-LABEL: func.func @reshape_same_constant
// CHECK-SAME:    (%[[X:.*]]: tensor<4x1x5xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<4x1x5xf32>
func.func @reshape_same_constant(%x: tensor<4x1x5xf32>) -> tensor<4x1x5xf32> {
  %s = onnx.Constant() {value = dense<[0, 1, -1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Reshape(%x, %s) {allowzero = 0 : i64} : (tensor<4x1x5xf32>, tensor<3xi64>) -> tensor<4x1x5xf32>
  func.return %0 : tensor<4x1x5xf32>
}

// -----

// Must not fire: the shapes are dynamic.
// CHECK-LABEL: func.func @reshape_dynamic
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @reshape_dynamic(%x: tensor<?x3xf32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = onnx.Reshape(%x, %s) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}

// -----

// Must not fire: the shape changes (same element count).
// CHECK-LABEL: func.func @reshape_changes_shape
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @reshape_changes_shape(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<3x2xf32> {
  %0 = onnx.Reshape(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  func.return %0 : tensor<3x2xf32>
}
