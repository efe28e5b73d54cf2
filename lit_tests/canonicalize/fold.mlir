// Constant folding: an op whose operands are all constants becomes its value, computed
// by the op's own PyTorch lowering. Small results are inline constants.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s
// RUN: ramiel-opt %s -p 'canonicalize{fold-limit=4}' --split-input-file | filecheck %s --check-prefix=LIMIT

// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    %[[C:.*]] = onnx.Constant() {value = dense<[0.000000e+00, 4.000000e+00, 6.000000e+00]> : tensor<3xf32>} : () -> tensor<3xf32>
// CHECK-NEXT:    func.return %[[C]] : tensor<3xf32>
func.func @chain() -> tensor<3xf32> {
  %a = onnx.Constant() {value = dense<[-1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %r = onnx.Relu(%a) : (tensor<3xf32>) -> tensor<3xf32>
  %s = onnx.Add(%r, %r) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// -----

// Integer semantics come from the lowering: ONNX Div on integers truncates toward zero.
// CHECK-LABEL: func.func @int_div
// CHECK-NEXT:    onnx.Constant() {value = dense<[-3, 3]> : tensor<2xi64>}
func.func @int_div() -> tensor<2xi64> {
  %a = onnx.Constant() {value = dense<[-7, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = onnx.Constant() {value = dense<2> : tensor<2xi64>} : () -> tensor<2xi64>
  %d = onnx.Div(%a, %b) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  func.return %d : tensor<2xi64>
}

// -----

// Not folded: an operand that is not a constant.
// CHECK-LABEL: func.func @not_constant
// CHECK:         onnx.Add(%x, %{{.*}})
func.func @not_constant(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Constant() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %s = onnx.Add(%x, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// -----

// Not folded: random ops are not pure, even on constant operands.
// CHECK-LABEL: func.func @random
// CHECK:         onnx.RandomUniformLike
func.func @random() -> tensor<3xf32> {
  %a = onnx.Constant() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %r = onnx.RandomUniformLike(%a) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %r : tensor<3xf32>
}

// -----

// The size limit: a fold that would create a tensor larger than the limit and larger
// than its operands is left for load time. With the default limit it folds.
// CHECK-LABEL: func.func @grows
// CHECK-NOT:     onnx.ConstantOfShape
// LIMIT-LABEL: func.func @grows
// LIMIT:         onnx.ConstantOfShape
func.func @grows() -> tensor<2x4xf32> {
  %shape = onnx.Constant() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %f = onnx.ConstantOfShape(%shape) {value = dense<1.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x4xf32>
  func.return %f : tensor<2x4xf32>
}
