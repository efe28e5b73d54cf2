// RemoveNoOpUnsqueeze: Unsqueeze(x, axes) = x when the result has x's static shape.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @unsqueeze_empty_axes
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @unsqueeze_empty_axes(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<> : tensor<0xi64>} : () -> tensor<0xi64>
  %0 = onnx.Unsqueeze(%x, %a) : (tensor<2x3xf32>, tensor<0xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: a dimension is inserted.
// CHECK-LABEL: func.func @unsqueeze_inserts
// CHECK-NEXT:    %[[A:.*]] = onnx.Constant
// CHECK-NEXT:    %[[Y:.*]] = onnx.Unsqueeze(%{{.*}}, %[[A]]) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<1x2x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @unsqueeze_inserts(%x: tensor<2x3xf32>) -> tensor<1x2x3xf32> {
  %a = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Unsqueeze(%x, %a) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<1x2x3xf32>
  func.return %0 : tensor<1x2x3xf32>
}

// -----

// Must not fire: dynamic shapes.
// CHECK-LABEL: func.func @unsqueeze_dynamic
// CHECK-NEXT:    %[[Y:.*]] = onnx.Unsqueeze(%{{.*}}, %{{.*}}) : (tensor<?x3xf32>, tensor<0xi64>) -> tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @unsqueeze_dynamic(%x: tensor<?x3xf32>, %a: tensor<0xi64>) -> tensor<?x3xf32> {
  %0 = onnx.Unsqueeze(%x, %a) : (tensor<?x3xf32>, tensor<0xi64>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}
