// RemoveFullSlice: Slice(x, starts, ends, axes, steps) = x when every step is a
// positive constant (or steps is absent) and the result has x's static shape.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @slice_full
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<1xi64>, %[[E:.*]]: tensor<1xi64>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @slice_full(%x: tensor<2x3xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Slice(%x, %s, %e) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @slice_full_steps
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @slice_full_steps(%x: tensor<2x3xf32>, %s: tensor<2xi64>, %e: tensor<2xi64>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %st = onnx.Constant() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<2x3xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: a negative step reverses the axis, keeping its size.
// CHECK-LABEL: func.func @slice_reverse
// CHECK:         %[[Y:.*]] = onnx.Slice
// CHECK-NEXT:    func.return %[[Y]]
func.func @slice_reverse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<-9223372036854775807> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: the steps are not constants.
// CHECK-LABEL: func.func @slice_unknown_steps
// CHECK-NEXT:    %[[Y:.*]] = onnx.Slice
// CHECK-NEXT:    func.return %[[Y]]
func.func @slice_unknown_steps(%x: tensor<2x3xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: dynamic shapes, or a smaller result.
// CHECK-LABEL: func.func @slice_dynamic_or_partial
// CHECK-NEXT:    onnx.Slice(%{{.*}}) : (tensor<?x3xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
// CHECK-NEXT:    onnx.Slice(%{{.*}}) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3xf32>
func.func @slice_dynamic_or_partial(%x: tensor<?x3xf32>, %y: tensor<2x3xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> (tensor<?x3xf32>, tensor<1x3xf32>) {
  %0 = onnx.Slice(%x, %s, %e) : (tensor<?x3xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  %1 = onnx.Slice(%y, %s, %e) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3xf32>
  func.return %0, %1 : tensor<?x3xf32>, tensor<1x3xf32>
}
