// RemoveNoOpExpand: Expand(x, s) = x when the result has x's static shape.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @expand_same
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @expand_same(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Expand(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: the expand broadcasts a unit dimension.
// CHECK-LABEL: func.func @expand_broadcasts
// CHECK-NEXT:    %[[Y:.*]] = onnx.Expand(%{{.*}}, %{{.*}}) : (tensor<1x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @expand_broadcasts(%x: tensor<1x3xf32>, %s: tensor<2xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Expand(%x, %s) : (tensor<1x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: dynamic shapes (a ? of 1 may be broadcast).
// CHECK-LABEL: func.func @expand_dynamic
// CHECK-NEXT:    %[[Y:.*]] = onnx.Expand(%{{.*}}, %{{.*}}) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @expand_dynamic(%x: tensor<?x3xf32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = onnx.Expand(%x, %s) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}
