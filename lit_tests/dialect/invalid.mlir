// Verifier and custom-syntax errors of `onnx` ops. With --verify-diagnostics,
// ramiel-opt prints `file:line:col: error: message` for each failing chunk
// and exits 0; each CHECK names the line of the op at fault.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @type_variable(%x: tensor<4xf32>, %y: tensor<4xi64>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Add' op operand 'B' has type tensor(int64), but type variable T is already bound to tensor(float)
  %r = onnx.Add(%x, %y) : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @result_type_variable(%x: tensor<4xf32>) -> tensor<4xf16> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Relu' op result 'Y' has type tensor(float16), but type variable T is already bound to tensor(float)
  %r = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf16>
  func.return %r : tensor<4xf16>
}

// -----

func.func @type_constraint(%x: tensor<4xi32>) -> tensor<4xi32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Sqrt' op operand 'X' has type tensor(int32), which type constraint T does not allow
  %r = onnx.Sqrt(%x) : (tensor<4xi32>) -> tensor<4xi32>
  func.return %r : tensor<4xi32>
}

// -----

func.func @fixed_type(%x: tensor<4xf32>, %s: tensor<2xi32>) -> tensor<2x2xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Reshape' op operand 'shape' must be tensor(int64), got tensor(int32)
  %r = onnx.Reshape(%x, %s) : (tensor<4xf32>, tensor<2xi32>) -> tensor<2x2xf32>
  func.return %r : tensor<2x2xf32>
}

// -----

func.func @if_condition(%c: tensor<4xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.If' op operand 'cond' has type tensor(float), which type constraint B does not allow
  %r = onnx.If(%c) : (tensor<4xf32>) -> tensor<4xf32> else_branch {
    onnx.Yield %x : tensor<4xf32>
  } then_branch {
    onnx.Yield %x : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// -----

func.func @unknown_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Relu' op has unknown attribute 'bogus' (known attributes: none)
  %r = onnx.Relu(%x) {bogus = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

// The message lists the attributes the op does know.
func.func @unknown_attribute_known_list(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.LeakyRelu' op has unknown attribute 'beta' (known attributes: alpha)
  %r = onnx.LeakyRelu(%x) {beta = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @int_attribute(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Conv' op attribute 'group' must be an INT (an i64 integer), got 1.000000e+00 : f32
  %r = onnx.Conv(%x, %w) {group = 1.0 : f32} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  func.return %r : tensor<1x1x2x2xf32>
}

// -----

func.func @ints_attribute(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Conv' op attribute 'kernel_shape' must be INTS (array<i64: ...>), got array<i32: 3, 3>
  %r = onnx.Conv(%x, %w) {kernel_shape = array<i32: 3, 3>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  func.return %r : tensor<1x1x2x2xf32>
}

// -----

// INTS are a dense array, not a list of integers.
func.func @ints_as_list(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Transpose' op attribute 'perm' must be INTS (array<i64: ...>), got [1 : i64, 0 : i64]
  %r = onnx.Transpose(%x) {perm = [1, 0]} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %r : tensor<3x2xf32>
}

// -----

func.func @float_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.LeakyRelu' op attribute 'alpha' must be a FLOAT (an f32 float), got 1 : i64
  %r = onnx.LeakyRelu(%x) {alpha = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @float64_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.LeakyRelu' op attribute 'alpha' must be a FLOAT (an f32 float), got 1.000000e-01 : f64
  %r = onnx.LeakyRelu(%x) {alpha = 0.1 : f64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @string_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Gelu' op attribute 'approximate' must be a STRING, got 3 : i64
  %r = onnx.Gelu(%x) {approximate = 3 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @tensor_attribute() -> tensor<2xi64> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Constant' op attribute 'value' must be a TENSOR (dense<...>), got array<i64: 1, 2>
  %r = onnx.Constant() {value = array<i64: 1, 2>} : () -> tensor<2xi64>
  func.return %r : tensor<2xi64>
}

// -----

func.func @required_attribute(%x: tensor<4xf32>) -> tensor<8xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Concat' op requires attribute 'axis'
  %r = onnx.Concat(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xf32>
  func.return %r : tensor<8xf32>
}

// -----

func.func @empty_variadic() -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Concat' op expects at least 1 values for variadic operand 'inputs', got 0
  %r = onnx.Concat() {axis = 0 : i64} : () -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @yield_outside_subgraph(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Yield' expects parent op to be one of 'onnx.If', 'onnx.Loop', 'onnx.Scan', 'onnx.SequenceMap'
  onnx.Yield %x : tensor<4xf32>
}

// -----

func.func @branch_without_yield(%c: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.If(%c) : (tensor<i1>) -> tensor<4xf32> else_branch {
    onnx.Yield %x : tensor<4xf32>
  } then_branch {
    // CHECK: invalid.mlir:[[# @LINE + 1]]:5: error: 'onnx.Relu' op Operation onnx.Relu terminates block in single-block region but is not a terminator
    %y = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// -----

// In the generic form, operandSegmentSizes must fit the op's optional operands.
func.func @segment_sizes(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:3: error: 'onnx.Clip' op expected 0 or 1 values for max, but got 2
  %r = "onnx.Clip"(%x, %x, %x) <{operandSegmentSizes = array<i32: 1, 0, 2>}> : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

// Errors in the custom syntax point at the operand list.

func.func @operand_type_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:17: error: onnx.Relu has 1 operands but 2 operand types
  %r = onnx.Relu(%x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @too_many_operands(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:17: error: onnx.Relu takes at most 1 operands, got 2
  %r = onnx.Relu(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @none_for_required() -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:17: error: onnx.Relu requires operand 'X'
  %r = onnx.Relu(none) : () -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @none_for_variadic(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:19: error: onnx.Concat cannot leave a value of variadic operand 'inputs' absent
  %r = onnx.Concat(%x, none) {axis = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

func.func @result_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:21: error: onnx.Relu cannot have 2 results
  %r, %s = onnx.Relu(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  func.return %r : tensor<4xf32>
}

// -----

func.func @region_keyword(%c: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:52: error: Expected 'else_branch'
  %r = onnx.If(%c) : (tensor<i1>) -> tensor<4xf32> body {
    onnx.Yield %x : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// -----

func.func @unknown_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: invalid.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: Operation onnx.Bogus is not registered
  %r = onnx.Bogus(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
