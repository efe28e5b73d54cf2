// MergeSqueezeIntoReshape: Reshape(Squeeze | Unsqueeze | Flatten(x), s) = Reshape(x, s)
// when s is a constant without 0 entries.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @squeeze_reshape
// CHECK-SAME:    (%[[X:.*]]: tensor<1x6x4xf32>)
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[3, 8]> : tensor<2xi64>}
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%[[X]], %[[S]]) : (tensor<1x6x4xf32>, tensor<2xi64>) -> tensor<3x8xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<3x8xf32>
func.func @squeeze_reshape(%x: tensor<1x6x4xf32>) -> tensor<3x8xf32> {
  %s = onnx.Constant() {value = dense<[3, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Squeeze(%x) : (tensor<1x6x4xf32>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<3x8xf32>
  func.return %1 : tensor<3x8xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze_reshape
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4xf32>, %[[A:.*]]: tensor<1xi64>)
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[-1, 2]> : tensor<2xi64>}
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%[[X]], %[[S]]) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<?x2xf32>
func.func @unsqueeze_reshape(%x: tensor<?x4xf32>, %a: tensor<1xi64>) -> tensor<?x2xf32> {
  %s = onnx.Constant() {value = dense<[-1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Unsqueeze(%x, %a) : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<1x?x4xf32>
  %1 = onnx.Reshape(%0, %s) : (tensor<1x?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  func.return %1 : tensor<?x2xf32>
}

// -----

// CHECK-LABEL: func.func @flatten_reshape
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<24> : tensor<1xi64>}
// CHECK-NEXT:    %[[Y:.*]] = onnx.Reshape(%[[X]], %[[S]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<24xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<24xf32>
func.func @flatten_reshape(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %s = onnx.Constant() {value = dense<24> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Flatten(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  %1 = onnx.Reshape(%0, %s) : (tensor<2x12xf32>, tensor<1xi64>) -> tensor<24xf32>
  func.return %1 : tensor<24xf32>
}

// -----

// Must not fire: the reshape copies a dimension of the squeezed tensor (0, allowzero=0).
// CHECK-LABEL: func.func @squeeze_reshape_zero
// CHECK:         %[[A:.*]] = onnx.Squeeze
// CHECK-NEXT:    %[[B:.*]] = onnx.Reshape(%[[A]], %{{.*}})
// CHECK-NEXT:    func.return %[[B]]
func.func @squeeze_reshape_zero(%x: tensor<1x6x4xf32>) -> tensor<6x2x2xf32> {
  %s = onnx.Constant() {value = dense<[0, 2, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Squeeze(%x) : (tensor<1x6x4xf32>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s) : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<6x2x2xf32>
  func.return %1 : tensor<6x2x2xf32>
}

// -----

// Must not fire: the shape is not a constant.
// CHECK-LABEL: func.func @flatten_reshape_unknown
// CHECK-NEXT:    %[[A:.*]] = onnx.Flatten
// CHECK-NEXT:    %[[B:.*]] = onnx.Reshape(%[[A]], %{{.*}})
// CHECK-NEXT:    func.return %[[B]]
func.func @flatten_reshape_unknown(%x: tensor<2x3x4xf32>, %s: tensor<1xi64>) -> tensor<24xf32> {
  %0 = onnx.Flatten(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  %1 = onnx.Reshape(%0, %s) : (tensor<2x12xf32>, tensor<1xi64>) -> tensor<24xf32>
  func.return %1 : tensor<24xf32>
}
