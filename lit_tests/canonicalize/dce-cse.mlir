// DCE removes unused pure ops; CSE merges identical ops on identical operands.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @dead
// CHECK-NEXT:    %[[R:.*]] = onnx.Relu(%x)
// CHECK-NEXT:    func.return %[[R]]
func.func @dead(%x: tensor<3xf32>) -> tensor<3xf32> {
  %unused = onnx.Sigmoid(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %also = onnx.Exp(%unused) : (tensor<3xf32>) -> tensor<3xf32>
  %r = onnx.Relu(%x) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %r : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @same
// CHECK-NEXT:    %[[A:.*]] = onnx.Relu(%x)
// CHECK-NEXT:    %[[M:.*]] = onnx.Mul(%[[A]], %[[A]])
// CHECK-NEXT:    func.return %[[M]]
func.func @same(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Relu(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Relu(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %m = onnx.Mul(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %m : tensor<3xf32>
}

// -----

// Not merged: ops with different attributes.
// CHECK-LABEL: func.func @different
// CHECK:         onnx.LeakyRelu(%x) {alpha = 1.000000e-01 : f32}
// CHECK:         onnx.LeakyRelu(%x) {alpha = 2.000000e-01 : f32}
func.func @different(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.LeakyRelu(%x) {alpha = 0.1 : f32} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.LeakyRelu(%x) {alpha = 0.2 : f32} : (tensor<3xf32>) -> tensor<3xf32>
  %m = onnx.Mul(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %m : tensor<3xf32>
}

// -----

// Not removed: a random op, even unused, is not pure.
// CHECK-LABEL: func.func @effects
// CHECK:         onnx.RandomNormal
func.func @effects(%x: tensor<3xf32>) -> tensor<3xf32> {
  %n = onnx.RandomNormal() {shape = array<i64: 3>} : () -> tensor<3xf32>
  func.return %x : tensor<3xf32>
}
