// BatchNormalization (inference) over the columns of a Gemm with a constant B
// folds into the Gemm: the columns of B' scale by s = gamma / sqrt(var + eps),
// C' = (beta_gemm * C - mean) * s + beta, and the new Gemm has beta = 1.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// transB = 1: B is (N, K), its rows scale. s = [2, 0.5],
// C' = (2 * [1, 2] - [1, -2]) * s + [0.5, 1] = [2.5, 4].
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK-SAME:    (%[[A:.*]]: tensor<3x2xf32>)
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<{{\[\[}}2.000000e+00, 4.000000e+00], [1.500000e+00, 2.000000e+00]]> : tensor<2x2xf32>}
// CHECK-DAG:     %[[C:.*]] = onnx.Constant() {value = dense<[2.500000e+00, 4.000000e+00]> : tensor<2xf32>}
// CHECK:         %[[Y:.*]] = onnx.Gemm(%[[A]], %[[B]], %[[C]]) {alpha = 5.000000e-01 : f32, beta = 1.000000e+00 : f32, transB = 1 : i64} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK-NOT:     onnx.BatchNormalization
// CHECK:         func.return %[[Y]]
func.func @gemm_trans_b(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %c = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, transB = 1 : i64} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// transB = 0: B is (K, N), its columns scale; no C: C' = beta - mean * s.
// CHECK-LABEL: func.func @gemm_no_c
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<{{\[\[}}2.000000e+00, 1.000000e+00], [6.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>}
// CHECK-DAG:     %[[C:.*]] = onnx.Constant() {value = dense<[-1.500000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK:         onnx.Gemm(%{{.*}}, %[[B]], %[[C]]) {beta = 1.000000e+00 : f32} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK-NOT:     onnx.BatchNormalization
func.func @gemm_no_c(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// Must not fire: B is not a constant.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK:         onnx.Gemm
// CHECK:         onnx.BatchNormalization
func.func @weight_not_constant(%a: tensor<3x2xf32>, %w: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// Must not fire: C is not a constant.
// CHECK-LABEL: func.func @bias_not_constant
// CHECK:         onnx.Gemm
// CHECK:         onnx.BatchNormalization
func.func @bias_not_constant(%a: tensor<3x2xf32>, %c: tensor<2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w, %c) : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// Must not fire: training mode.
// CHECK-LABEL: func.func @training_mode
// CHECK:         onnx.Gemm
// CHECK:         onnx.BatchNormalization
func.func @training_mode(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) {training_mode = 1 : i64} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// Must not fire: the Gemm result has another user.
// CHECK-LABEL: func.func @gemm_other_user
// CHECK:         %[[M:.*]] = onnx.Gemm
// CHECK:         %[[Y:.*]] = onnx.BatchNormalization(%[[M]],
// CHECK:         onnx.Relu(%[[M]])
func.func @gemm_other_user(%a: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Gemm(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = onnx.BatchNormalization(%m, %g, %beta, %mean, %var) : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %r = onnx.Relu(%m) : (tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %y, %r : tensor<3x2xf32>, tensor<3x2xf32>
}
