// NormalizeConstantValue: Constant{value_float | value_floats | value_int |
// value_ints = v} = Constant{value = dense<v>} of the result type.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @constant_forms
// CHECK-NEXT:    %[[A:.*]] = onnx.Constant() {value = dense<2.500000e+00> : tensor<f32>} : () -> tensor<f32>
// CHECK-NEXT:    %[[B:.*]] = onnx.Constant() {value = dense<[1.000000e+00, -2.000000e+00]> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK-NEXT:    %[[C:.*]] = onnx.Constant() {value = dense<7> : tensor<i64>} : () -> tensor<i64>
// CHECK-NEXT:    %[[D:.*]] = onnx.Constant() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
// CHECK-NEXT:    %[[E:.*]] = onnx.Constant() {value = dense<> : tensor<0xi64>} : () -> tensor<0xi64>
// CHECK-NEXT:    func.return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]] :
func.func @constant_forms() -> (tensor<f32>, tensor<2xf32>, tensor<i64>, tensor<2xi64>, tensor<0xi64>) {
  %0 = onnx.Constant() {value_float = 2.5 : f32} : () -> tensor<f32>
  %1 = onnx.Constant() {value_floats = array<f32: 1.0, -2.0>} : () -> tensor<2xf32>
  %2 = onnx.Constant() {value_int = 7 : i64} : () -> tensor<i64>
  %3 = onnx.Constant() {value_ints = array<i64: 3, 4>} : () -> tensor<2xi64>
  %4 = onnx.Constant() {value_ints = array<i64>} : () -> tensor<0xi64>
  func.return %0, %1, %2, %3, %4 : tensor<f32>, tensor<2xf32>, tensor<i64>, tensor<2xi64>, tensor<0xi64>
}

// -----

// A normalized constant is then seen by the other patterns (here a shape).
// CHECK-LABEL: func.func @constant_feeds_reshape
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[S1:.*]]: tensor<2xi64>)
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[4, 6]> : tensor<2xi64>}
// CHECK-NEXT:    onnx.Reshape(%[[X]], %[[S]])
func.func @constant_feeds_reshape(%x: tensor<2x3x4xf32>, %s1: tensor<2xi64>) -> tensor<4x6xf32> {
  %s2 = onnx.Constant() {value_ints = array<i64: 4, 6>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  func.return %1 : tensor<4x6xf32>
}

// -----

// Must not fire: `value` is already the normal form; strings have no dense form.
// CHECK-LABEL: func.func @constant_normal
// CHECK-NEXT:    onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>}
// CHECK-NEXT:    onnx.Constant() {value_string = "hi"} : () -> tensor<!onnx.string>
// CHECK-NEXT:    onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
func.func @constant_normal() -> (tensor<2xi64>, tensor<!onnx.string>, tensor<2x!onnx.string>) {
  %0 = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %1 = onnx.Constant() {value_string = "hi"} : () -> tensor<!onnx.string>
  %2 = onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
  func.return %0, %1, %2 : tensor<2xi64>, tensor<!onnx.string>, tensor<2x!onnx.string>
}
