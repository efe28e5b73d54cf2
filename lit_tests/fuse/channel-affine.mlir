// The fuse pass's BatchNormalization kernel: an inference onnx.BatchNormalization of a
// 4-D float32 tensor with constant parameters becomes a dataflow.channel_affine with
// scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, and the Relu that is
// its sole user folds in. It keeps its input's layout: after a conv it is channels-last,
// so the conv after it needs no dataflow.channels_last. fuse{affine=false} keeps the
// ONNX ops.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{affine=false}' | filecheck %s --check-prefix=OFF

// s = [2, 1] / sqrt([0.75, 3.75] + 0.25) = [2, 0.5]; t = [0.5, 1] - [1, -2] * s = [-1.5, 2].
// CHECK-LABEL: func.func @batch_norm_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x3x3xf32>)
// CHECK-DAG:     %[[S:.*]] = onnx.Constant() {value = dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>}
// CHECK-DAG:     %[[T:.*]] = onnx.Constant() {value = dense<[-1.500000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK:         %[[Y:.*]] = dataflow.channel_affine %[[X]], %[[S]], %[[T]] {activation = "relu"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT:     onnx.Relu
// CHECK-NEXT:    func.return %[[Y]]
// OFF-LABEL:   func.func @batch_norm_relu
// OFF-NOT:       dataflow.channel_affine
// OFF:           onnx.BatchNormalization
// OFF:           onnx.Relu
func.func @batch_norm_relu(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = onnx.BatchNormalization(%x, %g, %beta, %mean, %var) {epsilon = 0.25 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %r = onnx.Relu(%y) : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %r : tensor<1x2x3x3xf32>
}

// -----

// A Relu that is not the sole user stays: the kernel computes the BN alone, and both
// users read its result. After a concat of conv outputs the value is channels-last.
// CHECK-LABEL: func.func @shared_result
// CHECK:         %[[C:.*]] = onnx.Concat
// CHECK:         %[[Y:.*]] = dataflow.channel_affine %[[C]], %{{.*}}, %{{.*}} {activation = "none"}
// CHECK:         %[[R:.*]] = onnx.Relu(%[[Y]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[R]],
// CHECK:         func.return %{{.*}}, %[[Y]]
func.func @shared_result(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w0 = onnx.Constant() {value = dense<0.5> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %a = onnx.Conv(%x, %w0) : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32>
  %b = onnx.Conv(%x, %w0) : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32>
  %c = onnx.Concat(%a, %b) {axis = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = onnx.BatchNormalization(%c, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %r = onnx.Relu(%y) : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %z = onnx.Conv(%r, %w1) : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  func.return %z, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Kept: parameters that are not constants, training mode, a 3-D input, float64.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     dataflow.channel_affine
// CHECK:         func.return
func.func @kept(%x: tensor<1x2x3x3xf32>, %mean: tensor<2xf32>, %s: tensor<1x2x3xf32>, %d: tensor<1x2x3x3xf64>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3xf32>, tensor<1x2x3x3xf64>) {
  %g = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf32>} : () -> tensor<2xf32>
  %a = onnx.BatchNormalization(%x, %g, %beta, %mean, %var) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %b = onnx.BatchNormalization(%x, %g, %beta, %m, %var) {training_mode = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %c = onnx.BatchNormalization(%s, %g, %beta, %m, %var) : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3xf32>
  %g64 = onnx.Constant() {value = dense<[2.0, 1.0]> : tensor<2xf64>} : () -> tensor<2xf64>
  %b64 = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf64>} : () -> tensor<2xf64>
  %m64 = onnx.Constant() {value = dense<[1.0, -2.0]> : tensor<2xf64>} : () -> tensor<2xf64>
  %v64 = onnx.Constant() {value = dense<[0.75, 3.75]> : tensor<2xf64>} : () -> tensor<2xf64>
  %e = onnx.BatchNormalization(%d, %g64, %b64, %m64, %v64) : (tensor<1x2x3x3xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>) -> tensor<1x2x3x3xf64>
  func.return %a, %b, %c, %e : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3xf32>, tensor<1x2x3x3xf64>
}
