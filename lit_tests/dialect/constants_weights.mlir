// onnx.Constant with each kind of value attribute, and dataflow.weight, which
// names a tensor kept outside the IR; the module's `dataflow.weights`
// attribute names the file holding them and is kept when printing.

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP
// RUN: ramiel-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @constants
// CHECK-NEXT:    %[[C0:.*]] = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
// CHECK-NEXT:    %[[C1:.*]] = onnx.Constant() {value = dense<5.000000e-01> : tensor<f32>} : () -> tensor<f32>
// CHECK-NEXT:    %[[C2:.*]] = onnx.Constant() {value = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
// CHECK-NEXT:    %[[C3:.*]] = onnx.Constant() {value = dense<[true, false, true]> : tensor<3xi1>} : () -> tensor<3xi1>
// Hex data is printed element by element.
// CHECK-NEXT:    %[[C4:.*]] = onnx.Constant() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>} : () -> tensor<4xf32>
// CHECK-NEXT:    %[[C5:.*]] = onnx.Constant() {value = dense<0> : tensor<2x3xui8>} : () -> tensor<2x3xui8>
// CHECK-NEXT:    func.return %[[C0]], %[[C1]], %[[C2]], %[[C3]], %[[C4]], %[[C5]] :
// GENERIC-LABEL: sym_name = "constants"
// GENERIC:         "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
func.func @constants() -> (tensor<2xi64>, tensor<f32>, tensor<2x2xf32>, tensor<3xi1>, tensor<4xf32>, tensor<2x3xui8>) {
  %0 = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %1 = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %2 = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %3 = onnx.Constant() {value = dense<[true, false, true]> : tensor<3xi1>} : () -> tensor<3xi1>
  %4 = onnx.Constant() {value = dense<"0x0000803F000000400000404000008040"> : tensor<4xf32>} : () -> tensor<4xf32>
  %5 = onnx.Constant() {value = dense<0> : tensor<2x3xui8>} : () -> tensor<2x3xui8>
  func.return %0, %1, %2, %3, %4, %5 : tensor<2xi64>, tensor<f32>, tensor<2x2xf32>, tensor<3xi1>, tensor<4xf32>, tensor<2x3xui8>
}

// -----

// The scalar and list forms of Constant (value_float, value_ints, ...).
// CHECK-LABEL: func.func @constant_forms
// CHECK-NEXT:    onnx.Constant() {value_float = 2.500000e+00 : f32} : () -> tensor<f32>
// CHECK-NEXT:    onnx.Constant() {value_floats = array<f32: 1.000000e+00, -2.000000e+00>} : () -> tensor<2xf32>
// CHECK-NEXT:    onnx.Constant() {value_int = 7 : i64} : () -> tensor<i64>
// CHECK-NEXT:    onnx.Constant() {value_ints = array<i64: 3, 4>} : () -> tensor<2xi64>
// CHECK-NEXT:    onnx.Constant() {value_string = "hi"} : () -> tensor<!onnx.string>
// CHECK-NEXT:    onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
func.func @constant_forms() -> (tensor<f32>, tensor<2xf32>, tensor<i64>, tensor<2xi64>, tensor<!onnx.string>, tensor<2x!onnx.string>) {
  %0 = onnx.Constant() {value_float = 2.5 : f32} : () -> tensor<f32>
  %1 = onnx.Constant() {value_floats = array<f32: 1.0, -2.0>} : () -> tensor<2xf32>
  %2 = onnx.Constant() {value_int = 7 : i64} : () -> tensor<i64>
  %3 = onnx.Constant() {value_ints = array<i64: 3, 4>} : () -> tensor<2xi64>
  %4 = onnx.Constant() {value_string = "hi"} : () -> tensor<!onnx.string>
  %5 = onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
  func.return %0, %1, %2, %3, %4, %5 : tensor<f32>, tensor<2xf32>, tensor<i64>, tensor<2xi64>, tensor<!onnx.string>, tensor<2x!onnx.string>
}

// -----

// Weight keys are arbitrary strings (ONNX initializer names); any element type.
// CHECK-LABEL: func.func @weights
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NEXT:    %[[W:.*]] = dataflow.weight "fc.weight" : tensor<4x8xf32>
// CHECK-NEXT:    %[[B:.*]] = dataflow.weight "fc/bias:0" : tensor<8xbf16>
// CHECK-NEXT:    %[[Y:.*]] = onnx.MatMul(%[[X]], %[[W]]) : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    func.return %[[Y]], %[[B]] : tensor<2x8xf32>, tensor<8xbf16>
// GENERIC-LABEL: sym_name = "weights"
// GENERIC:         "dataflow.weight"() <{key = "fc.weight"}> : () -> tensor<4x8xf32>
// GENERIC:         "dataflow.weight"() <{key = "fc/bias:0"}> : () -> tensor<8xbf16>
func.func @weights(%x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<8xbf16>) {
  %w = dataflow.weight "fc.weight" : tensor<4x8xf32>
  %b = dataflow.weight "fc/bias:0" : tensor<8xbf16>
  %y = onnx.MatMul(%x, %w) : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  func.return %y, %b : tensor<2x8xf32>, tensor<8xbf16>
}

// -----

// The weights file is only opened when the tensors are needed (not to print).
// CHECK:       builtin.module attributes {dataflow.weights = "model.weights.safetensors"} {
// CHECK-LABEL: func.func @weights_file
// CHECK-NEXT:    dataflow.weight "fc.weight" : tensor<4x8xf32>
// GENERIC:     }) {dataflow.weights = "model.weights.safetensors"} : () -> ()
module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @weights_file(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
    %w = dataflow.weight "fc.weight" : tensor<4x8xf32>
    %y = onnx.MatMul(%x, %w) : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
    func.return %y : tensor<2x8xf32>
  }
}

// -----

// A module without weight ops drops a stale `dataflow.weights` attribute.
// CHECK:       builtin.module {
// CHECK-LABEL: func.func @no_weights
module attributes {dataflow.weights = "stale.weights.safetensors"} {
  func.func @no_weights() {
    func.return
  }
}
