// BatchNormalization (inference) after a Conv with constant weights folds into
// the Conv: W' = W * s per output channel, b' = (b - mean) * s + beta, with
// s = gamma / sqrt(var + eps).

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// s = [2, 0.5] (gamma = [2, 1], var = [0.75, 3.75], eps = 0.25),
// b' = ([1, 2] - [1, -2]) * s + [0.5, 1] = [0.5, 3].
// CHECK-LABEL: func.func @conv_bias
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x3x3xf32>)
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00, 4.000000e+00]]], {{\[\[\[}}1.500000e+00, 2.000000e+00]]]]> : tensor<2x1x1x2xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<[5.000000e-01, 3.000000e+00]> : tensor<2xf32>}
// CHECK:         %[[Y:.*]] = onnx.Conv(%[[X]], %[[W]], %[[B]]) {kernel_shape = array<i64: 1, 2>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
// CHECK-NOT:     onnx.BatchNormalization
// CHECK:         func.return %[[Y]]
func.func @conv_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>} : () -> tensor<2x1x1x2xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w, %b) {kernel_shape = array<i64: 1, 2>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<1x2x3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
  func.return %y : tensor<1x2x3x2xf32>
}

// -----

// Without a Conv bias, b' = beta - mean * s.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}1.500000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<[-1.500000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK:         onnx.Conv(%{{.*}}, %[[W]], %[[B]]) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT:     onnx.BatchNormalization
func.func @conv_no_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

// ConvTranspose: W is (C_in, C_out, k...), the output channel is dim 1.
// CHECK-LABEL: func.func @conv_transpose
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}1.500000e+00]]]]> : tensor<1x2x1x1xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<[-1.500000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK:         onnx.ConvTranspose(%{{.*}}, %[[W]], %[[B]]) : (tensor<1x1x3x3xf32>, tensor<1x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT:     onnx.BatchNormalization
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.ConvTranspose(%x, %w) : (tensor<1x1x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

// Must not fire: the weight is not a constant.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK:         onnx.Conv
// CHECK:         onnx.BatchNormalization
func.func @weight_not_constant(%x: tensor<1x1x3x3xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

// Must not fire: a BN parameter (the mean) is not a constant.
// CHECK-LABEL: func.func @mean_not_constant
// CHECK:         onnx.Conv
// CHECK:         onnx.BatchNormalization
func.func @mean_not_constant(%x: tensor<1x1x3x3xf32>, %mean: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

// Must not fire: BN in training mode (it normalizes with the batch statistics).
// CHECK-LABEL: func.func @training_mode
// CHECK:         onnx.Conv
// CHECK:         onnx.BatchNormalization
func.func @training_mode(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) {training_mode = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

// Must not fire: the Conv result has another user.
// CHECK-LABEL: func.func @conv_other_user
// CHECK:         %[[C:.*]] = onnx.Conv
// CHECK:         %[[Y:.*]] = onnx.BatchNormalization(%[[C]],
// CHECK:         func.return %[[Y]], %[[C]]
func.func @conv_other_user(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y, %c : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Must not fire: BN's running mean output is used.
// CHECK-LABEL: func.func @mean_output_used
// CHECK:         onnx.Conv
// CHECK:         onnx.BatchNormalization
func.func @mean_output_used(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<2xf32>) {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y, %rm, %rv = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
  func.return %y, %rm : tensor<1x2x3x3xf32>, tensor<2xf32>
}
