// MergeReshapes: Reshape(Reshape(x, s1), s2) = Reshape(x, s2) when s2 is a
// constant without 0 entries.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[S1:.*]]: tensor<2xi64>)
// CHECK-NEXT:    %[[S2:.*]] = onnx.Constant() {value = dense<[4, -1]> : tensor<2xi64>}
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%[[X]], %[[S2]]) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<4x6xf32>
func.func @reshape_reshape(%x: tensor<2x3x4xf32>, %s1: tensor<2xi64>) -> tensor<4x6xf32> {
  %s2 = onnx.Constant() {value = dense<[4, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  func.return %1 : tensor<4x6xf32>
}

// -----

// A chain of three on a dynamic input, allowzero kept from the outer reshape.
// CHECK-LABEL: func.func @reshape_chain_dynamic
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK-NEXT:    %[[S2:.*]] = onnx.Constant() {value = dense<[-1, 2]> : tensor<2xi64>}
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%[[X]], %[[S2]]) {allowzero = 1 : i64} : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<?x2xf32>
func.func @reshape_chain_dynamic(%x: tensor<?x4xf32>, %s: tensor<3xi64>) -> tensor<?x2xf32> {
  %s2 = onnx.Constant() {value = dense<[-1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%x, %s) : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<?x2x2xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<?x2x2xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  %2 = onnx.Reshape(%1, %s2) {allowzero = 1 : i64} : (tensor<?x2xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  func.return %2 : tensor<?x2xf32>
}

// -----

// Must not fire: the outer shape copies a dimension of the inner result (0, allowzero=0).
// CHECK-LABEL: func.func @reshape_outer_zero
// CHECK:         %[[A:.*]] = onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x12xf32>, tensor<3xi64>) -> tensor<?x3x4xf32>
// CHECK-NEXT:    %[[B:.*]] = onnx.Reshape(%[[A]], %{{.*}}) : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
// CHECK-NEXT:    func.return %[[B]]
func.func @reshape_outer_zero(%x: tensor<?x12xf32>, %s1: tensor<3xi64>) -> tensor<?x4xf32> {
  %s2 = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<?x12xf32>, tensor<3xi64>) -> tensor<?x3x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  func.return %1 : tensor<?x4xf32>
}

// -----

// Must not fire: a 0 entry with allowzero=1 (an empty dimension; left alone).
// CHECK-LABEL: func.func @reshape_outer_zero_allowzero
// CHECK:         %[[A:.*]] = onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
// CHECK-NEXT:    %[[B:.*]] = onnx.Reshape(%[[A]], %{{.*}}) {allowzero = 1 : i64} : (tensor<?x2xf32>, tensor<2xi64>) -> tensor<0x5xf32>
// CHECK-NEXT:    func.return %[[B]]
func.func @reshape_outer_zero_allowzero(%x: tensor<?x4xf32>, %s1: tensor<2xi64>) -> tensor<0x5xf32> {
  %s2 = onnx.Constant() {value = dense<[0, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  %1 = onnx.Reshape(%0, %s2) {allowzero = 1 : i64} : (tensor<?x2xf32>, tensor<2xi64>) -> tensor<0x5xf32>
  func.return %1 : tensor<0x5xf32>
}

// -----

// Must not fire: the outer shape is not a constant.
// CHECK-LABEL: func.func @reshape_outer_unknown
// CHECK-NEXT:    %[[A:.*]] = onnx.Reshape
// CHECK-NEXT:    %[[B:.*]] = onnx.Reshape(%[[A]], %{{.*}})
// CHECK-NEXT:    func.return %[[B]]
func.func @reshape_outer_unknown(%x: tensor<2x3x4xf32>, %s1: tensor<2xi64>, %s2: tensor<2xi64>) -> tensor<4x6xf32> {
  %0 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  func.return %1 : tensor<4x6xf32>
}
