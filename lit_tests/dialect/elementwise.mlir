// Custom syntax of elementwise and math ops: binary ops with broadcasting,
// unary ops, FLOAT/INT/STRING attributes, variadic operands, bool results and
// dynamic or unranked shapes. Both RUN lines share the CHECK lines: the second
// goes through the generic form and back.

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP

// CHECK-LABEL: func.func @binary
// CHECK-SAME:    (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK-NEXT:    %[[ADD:.*]] = onnx.Add(%[[A]], %[[B]]) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[SUB:.*]] = onnx.Sub(%[[ADD]], %[[A]]) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[MUL:.*]] = onnx.Mul(%[[SUB]], %[[B]]) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[DIV:.*]] = onnx.Div(%[[MUL]], %[[A]]) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[POW:.*]] = onnx.Pow(%[[DIV]], %[[B]]) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[MOD:.*]] = onnx.Mod(%[[POW]], %[[A]]) {fmod = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[MOD]] : tensor<2x3xf32>
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Sub(%0, %a) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = onnx.Mul(%1, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = onnx.Div(%2, %a) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = onnx.Pow(%3, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = onnx.Mod(%4, %a) {fmod = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %5 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R0:.*]] = onnx.Relu(%[[X]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R1:.*]] = onnx.Sigmoid(%[[R0]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R2:.*]] = onnx.Tanh(%[[R1]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R3:.*]] = onnx.Exp(%[[R2]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R4:.*]] = onnx.Log(%[[R3]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R5:.*]] = onnx.Sqrt(%[[R4]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R6:.*]] = onnx.Neg(%[[R5]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R7:.*]] = onnx.Erf(%[[R6]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    func.return %[[R7]] : tensor<4xf32>
func.func @unary(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Sigmoid(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.Tanh(%1) : (tensor<4xf32>) -> tensor<4xf32>
  %3 = onnx.Exp(%2) : (tensor<4xf32>) -> tensor<4xf32>
  %4 = onnx.Log(%3) : (tensor<4xf32>) -> tensor<4xf32>
  %5 = onnx.Sqrt(%4) : (tensor<4xf32>) -> tensor<4xf32>
  %6 = onnx.Neg(%5) : (tensor<4xf32>) -> tensor<4xf32>
  %7 = onnx.Erf(%6) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %7 : tensor<4xf32>
}

// -----

// FLOAT attributes print in MLIR's canonical float form; an op whose optional
// operands are all absent (Clip with no min/max) prints an empty operand list tail.
// CHECK-LABEL: func.func @activations
// CHECK-NEXT:    %[[L:.*]] = onnx.LeakyRelu(%{{.*}}) {alpha = 1.000000e-01 : f32} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[G:.*]] = onnx.Gelu(%[[L]]) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[H:.*]] = onnx.HardSigmoid(%[[G]]) {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[C:.*]] = onnx.Clip(%[[H]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    func.return %[[C]] : tensor<4xf32>
func.func @activations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.LeakyRelu(%x) {alpha = 0.1 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Gelu(%0) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.HardSigmoid(%1) {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = onnx.Clip(%2) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %3 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @clip_bounds
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<f32>)
// CHECK-NEXT:    onnx.Clip(%[[X]], %[[LO]], %[[HI]]) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:    onnx.Clip(%[[X]], none, %[[HI]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:    onnx.Clip(%[[X]], %[[LO]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
func.func @clip_bounds(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = onnx.Clip(%x, %lo, %hi) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %1 = onnx.Clip(%x, none, %hi) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  // A trailing `none` is dropped when printed.
  %2 = onnx.Clip(%x, %lo, none) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  func.return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @variadic
// CHECK-SAME:    (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[C:.*]]: tensor<1xf32>)
// CHECK-NEXT:    %[[MAX:.*]] = onnx.Max(%[[A]], %[[B]], %[[C]]) : (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[SUM:.*]] = onnx.Sum(%[[MAX]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[MIN:.*]] = onnx.Min(%[[SUM]], %[[A]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
func.func @variadic(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<1xf32>) -> tensor<4xf32> {
  %0 = onnx.Max(%a, %b, %c) : (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %1 = onnx.Sum(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.Min(%1, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %2 : tensor<4xf32>
}

// -----

// ONNX bool is i1; Cast's `to` is the ONNX data type number (7: int64).
// CHECK-LABEL: func.func @logic
// CHECK-SAME:    (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[LT:.*]] = onnx.Less(%[[A]], %[[B]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// CHECK-NEXT:    %[[EQ:.*]] = onnx.Equal(%[[A]], %[[B]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// CHECK-NEXT:    %[[OR:.*]] = onnx.Or(%[[LT]], %[[EQ]]) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
// CHECK-NEXT:    %[[NOT:.*]] = onnx.Not(%[[OR]]) : (tensor<4xi1>) -> tensor<4xi1>
// CHECK-NEXT:    %[[SEL:.*]] = onnx.Where(%[[NOT]], %[[A]], %[[B]]) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[I:.*]] = onnx.Cast(%[[SEL]]) {to = 7 : i64} : (tensor<4xf32>) -> tensor<4xi64>
// CHECK-NEXT:    func.return %[[I]] : tensor<4xi64>
func.func @logic(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xi64> {
  %lt = onnx.Less(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %eq = onnx.Equal(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %or = onnx.Or(%lt, %eq) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %not = onnx.Not(%or) : (tensor<4xi1>) -> tensor<4xi1>
  %sel = onnx.Where(%not, %a, %b) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %i = onnx.Cast(%sel) {to = 7 : i64} : (tensor<4xf32>) -> tensor<4xi64>
  func.return %i : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @dynamic
// CHECK-NEXT:    onnx.Add(%{{.*}}, %{{.*}}) : (tensor<?x3xf16>, tensor<*xf16>) -> tensor<*xf16>
func.func @dynamic(%x: tensor<?x3xf16>, %y: tensor<*xf16>) -> tensor<*xf16> {
  %0 = onnx.Add(%x, %y) : (tensor<?x3xf16>, tensor<*xf16>) -> tensor<*xf16>
  func.return %0 : tensor<*xf16>
}

// -----

// Discardable attributes (with a dialect prefix) print after the ONNX ones.
// CHECK-LABEL: func.func @discardable
// CHECK-NEXT:    onnx.Relu(%{{.*}}) {ramiel.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
func.func @discardable(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Relu(%x) {ramiel.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}
