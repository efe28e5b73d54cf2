// RemoveZeroPad: Pad(x, pads=0) = x, in every mode.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @pad_zero
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<f32>)
// CHECK-NEXT:    func.return %[[X]], %[[X]] : tensor<2x3xf32>, tensor<2x3xf32>
func.func @pad_zero(%x: tensor<2x3xf32>, %v: tensor<f32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %p = onnx.Constant() {value = dense<0> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = onnx.Pad(%x, %p, %v) {mode = "constant"} : (tensor<2x3xf32>, tensor<4xi64>, tensor<f32>) -> tensor<2x3xf32>
  %1 = onnx.Pad(%x, %p) {mode = "reflect"} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3xf32>
  func.return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Must not fire: a nonzero pad, even one that keeps the shape (pad one side, crop the other).
// CHECK-LABEL: func.func @pad_shift
// CHECK:         %[[Y:.*]] = onnx.Pad
// CHECK-NEXT:    func.return %[[Y]]
func.func @pad_shift(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %p = onnx.Constant() {value = dense<[0, 1, 0, -1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = onnx.Pad(%x, %p) : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// Must not fire: the pads are not constants.
// CHECK-LABEL: func.func @pad_unknown
// CHECK-NEXT:    %[[Y:.*]] = onnx.Pad
// CHECK-NEXT:    func.return %[[Y]]
func.func @pad_unknown(%x: tensor<?x3xf32>, %p: tensor<4xi64>) -> tensor<?x3xf32> {
  %0 = onnx.Pad(%x, %p) : (tensor<?x3xf32>, tensor<4xi64>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}
