// RemoveInferenceDropout: Dropout(x) = (x, all-true mask) when training_mode is
// absent or a constant false, or the ratio is a constant 0.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// No training_mode: inference.
// CHECK-LABEL: func.func @dropout_default
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @dropout_default(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Dropout(%x, %r) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// training_mode a constant false; the unused mask goes too.
// CHECK-LABEL: func.func @dropout_training_false
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<?x3xf32>
func.func @dropout_training_false(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %t = onnx.Constant() {value = dense<false> : tensor<i1>} : () -> tensor<i1>
  %0, %m = onnx.Dropout(%x, %r, %t) : (tensor<?x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<?x3xf32>, tensor<?x3xi1>)
  func.return %0 : tensor<?x3xf32>
}

// -----

// A used mask becomes an all-true constant of its static type.
// CHECK-LABEL: func.func @dropout_mask
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[M:.*]] = onnx.Constant() {value = dense<true> : tensor<2x3xi1>} : () -> tensor<2x3xi1>
// CHECK-NEXT:    func.return %[[X]], %[[M]] : tensor<2x3xf32>, tensor<2x3xi1>
func.func @dropout_mask(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %0, %m = onnx.Dropout(%x) : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  func.return %0, %m : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// Ratio 0 drops nothing, even in training mode.
// CHECK-LABEL: func.func @dropout_ratio_zero
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[T:.*]]: tensor<i1>)
// CHECK-NEXT:    %[[M:.*]] = onnx.Constant() {value = dense<true> : tensor<2x3xi1>} : () -> tensor<2x3xi1>
// CHECK-NEXT:    func.return %[[X]], %[[M]] : tensor<2x3xf32>, tensor<2x3xi1>
func.func @dropout_ratio_zero(%x: tensor<2x3xf32>, %t: tensor<i1>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %r = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %0, %m = onnx.Dropout(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  func.return %0, %m : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// Must not fire: training mode (a constant true), with a nonzero ratio.
// CHECK-LABEL: func.func @dropout_training
// CHECK:         onnx.Dropout
func.func @dropout_training(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %t = onnx.Constant() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0 = onnx.Dropout(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: training_mode is not a constant.
// CHECK-LABEL: func.func @dropout_training_unknown
// CHECK:         onnx.Dropout
func.func @dropout_training_unknown(%x: tensor<2x3xf32>, %t: tensor<i1>) -> tensor<2x3xf32> {
  %r = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Dropout(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: the mask is used and its shape is dynamic.
// CHECK-LABEL: func.func @dropout_dynamic_mask
// CHECK:         onnx.Dropout
func.func @dropout_dynamic_mask(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xi1>) {
  %0, %m = onnx.Dropout(%x) : (tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xi1>)
  func.return %0, %m : tensor<?x3xf32>, tensor<?x3xi1>
}
