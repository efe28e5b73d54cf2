// A Mul or Add by a constant that varies only along the channel axis (dim 1) folds
// into the Conv or inference BatchNormalization before it: for a Conv, W' = W * k per
// output channel and b' = b * k + t; for a BN, gamma' = gamma * k and beta' = beta * k + t.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// Conv -> Mul(k) -> Add(t), the constants shaped [C, 1, 1], the Add's constant first.
// CHECK-LABEL: func.func @conv_mul_add
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x3x3xf32>)
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}1.500000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<[5.000000e+00, -5.000000e-01]> : tensor<2xf32>}
// CHECK:         %[[Y:.*]] = onnx.Conv(%[[X]], %[[W]], %[[B]]) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT:     onnx.Mul
// CHECK-NOT:     onnx.Add
// CHECK:         func.return %[[Y]]
func.func @conv_mul_add(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %b = onnx.Constant() {value = dense<[2.0, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %k = onnx.Constant() {value = dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %t = onnx.Constant() {value = dense<[[[1.0]], [[0.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %m = onnx.Mul(%c, %k) : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %a = onnx.Add(%t, %m) : (tensor<2x1x1xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %a : tensor<1x2x3x3xf32>
}

// -----

// A scalar is the same for every channel; a ConvTranspose's output channel is dim 1 of W.
// CHECK-LABEL: func.func @conv_transpose_scalar
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}3.000000e+00]], {{\[\[}}9.000000e+00]]]]> : tensor<1x2x1x1xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<2xf32>}
// CHECK:         onnx.ConvTranspose(%{{.*}}, %[[W]], %[[B]])
// CHECK-NOT:     onnx.Mul
func.func @conv_transpose_scalar(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %k = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.ConvTranspose(%x, %w) : (tensor<1x1x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %m = onnx.Mul(%k, %c) : (tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %m : tensor<1x2x3x3xf32>
}

// -----

// BatchNormalization -> Mul(k) -> Add(t): gamma' = [2, 1] * [2, 0.5] = [4, 0.5],
// beta' = [0.5, 1] * [2, 0.5] + 3 = [4, 3.5]; mean and var stay.
// CHECK-LABEL: func.func @batch_norm_mul_add
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x3x3xf32>)
// CHECK-DAG:     %[[MEAN:.*]] = onnx.Constant() {value = dense<[1.000000e+00, -2.000000e+00]> : tensor<2xf32>}
// CHECK-DAG:     %[[VAR:.*]] = onnx.Constant() {value = dense<[7.500000e-01, 3.750000e+00]> : tensor<2xf32>}
// CHECK-DAG:     %[[G:.*]] = onnx.Constant() {value = dense<[4.000000e+00, 5.000000e-01]> : tensor<2xf32>}
// CHECK-DAG:     %[[BETA:.*]] = onnx.Constant() {value = dense<[4.000000e+00, 3.500000e+00]> : tensor<2xf32>}
// CHECK:         %[[Y:.*]] = onnx.BatchNormalization(%[[X]], %[[G]], %[[BETA]], %[[MEAN]], %[[VAR]]) {epsilon = 2.500000e-01 : f32}
// CHECK-NOT:     onnx.Mul
// CHECK-NOT:     onnx.Add
// CHECK:         func.return %[[Y]]
func.func @batch_norm_mul_add(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %k = onnx.Constant() {value = dense<[[[[2.0]], [[0.5]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %t = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %y = onnx.BatchNormalization(%x, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %m = onnx.Mul(%y, %k) : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %a = onnx.Add(%m, %t) : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  func.return %a : tensor<1x2x3x3xf32>
}

// -----

// Must not fire: a [C]-shaped constant broadcasts along the last axis, not the channels.
// CHECK-LABEL: func.func @last_axis_constant
// CHECK:         onnx.Conv
// CHECK:         onnx.Mul
func.func @last_axis_constant(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %k = onnx.Constant() {value = dense<[2.0, 0.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = onnx.Mul(%c, %k) : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %m : tensor<1x2x2x2xf32>
}

// -----

// Must not fire: the constant also varies along a spatial axis.
// CHECK-LABEL: func.func @spatial_constant
// CHECK:         onnx.Conv
// CHECK:         onnx.Add
func.func @spatial_constant(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %t = onnx.Constant() {value = dense<[[[1.0], [2.0]], [[3.0], [4.0]]]> : tensor<2x2x1xf32>} : () -> tensor<2x2x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %a = onnx.Add(%c, %t) : (tensor<1x2x2x2xf32>, tensor<2x2x1xf32>) -> tensor<1x2x2x2xf32>
  func.return %a : tensor<1x2x2x2xf32>
}

// -----

// Must not fire: the Conv result has another user.
// CHECK-LABEL: func.func @conv_other_user
// CHECK:         %[[C:.*]] = onnx.Conv
// CHECK:         %[[M:.*]] = onnx.Mul(%[[C]],
// CHECK:         func.return %[[M]], %[[C]]
func.func @conv_other_user(%x: tensor<1x1x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %k = onnx.Constant() {value = dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = onnx.Mul(%c, %k) : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  func.return %m, %c : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Must not fire: broadcasting grows the result (a [1, 2, 1, 1] Conv output times a
// [1, 2, 2, 2] constant is not a per-channel map of the Conv output).
// CHECK-LABEL: func.func @result_grows
// CHECK:         onnx.Conv
// CHECK:         onnx.Mul
func.func @result_grows(%x: tensor<1x1x1x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %k = onnx.Constant() {value = dense<2.0> : tensor<1x2x2x2xf32>} : () -> tensor<1x2x2x2xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x1x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x1x1xf32>
  %m = onnx.Mul(%c, %k) : (tensor<1x2x1x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %m : tensor<1x2x2x2xf32>
}

// -----

// Must not fire: the weight is not a constant.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK:         onnx.Conv
// CHECK:         onnx.Mul
func.func @weight_not_constant(%x: tensor<1x1x2x2xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> {
  %k = onnx.Constant() {value = dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = onnx.Mul(%c, %k) : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  func.return %m : tensor<1x2x2x2xf32>
}

// -----

// Must not fire: BN in training mode normalizes with the batch statistics.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK:         onnx.BatchNormalization
// CHECK:         onnx.Mul
func.func @batch_norm_training(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %k = onnx.Constant() {value = dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %y = onnx.BatchNormalization(%x, %g, %beta, %mean, %var) {training_mode = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %m = onnx.Mul(%y, %k) : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  func.return %m : tensor<1x2x3x3xf32>
}
