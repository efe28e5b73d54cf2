// RemoveNoOpSqueeze: Squeeze(x, axes) = x when the result has x's static shape.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// No axes and no unit dimension.
// CHECK-LABEL: func.func @squeeze_nothing
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @squeeze_nothing(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Squeeze(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Empty axes.
// CHECK-LABEL: func.func @squeeze_empty_axes
// CHECK-SAME:    (%[[X:.*]]: tensor<2x1xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x1xf32>
func.func @squeeze_empty_axes(%x: tensor<2x1xf32>) -> tensor<2x1xf32> {
  %a = onnx.Constant() {value = dense<> : tensor<0xi64>} : () -> tensor<0xi64>
  %0 = onnx.Squeeze(%x, %a) : (tensor<2x1xf32>, tensor<0xi64>) -> tensor<2x1xf32>
  func.return %0 : tensor<2x1xf32>
}

// -----

// Must not fire: a unit dimension is removed.
// CHECK-LABEL: func.func @squeeze_unit
// CHECK-NEXT:    %[[Y:.*]] = onnx.Squeeze(%{{.*}}) : (tensor<1x3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @squeeze_unit(%x: tensor<1x3xf32>) -> tensor<3xf32> {
  %0 = onnx.Squeeze(%x) : (tensor<1x3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// Must not fire: dynamic shapes (a ? may be 1).
// CHECK-LABEL: func.func @squeeze_dynamic
// CHECK-NEXT:    %[[Y:.*]] = onnx.Squeeze(%{{.*}}) : (tensor<?x3xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @squeeze_dynamic(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = onnx.Squeeze(%x) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}
