// Custom syntax of convolution, pooling, normalization and dense ops: INTS
// attributes, optional trailing operands (bias) and results (MaxPool's
// Indices, LayerNormalization's Mean/InvStdDev). The second RUN line goes
// through the generic form and back with the same CHECK lines.

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP

// CHECK-LABEL: func.func @conv
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>, %[[DW:.*]]: tensor<3x1x3x3xf32>)
// CHECK-NEXT:    onnx.Conv(%[[X]], %[[W]], %[[B]]) {kernel_shape = array<i64: 3, 3>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
// CHECK-NEXT:    onnx.Conv(%[[X]], %[[W]]) {auto_pad = "SAME_UPPER", dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT:    onnx.Conv(%[[X]], %[[DW]]) {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
func.func @conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>, %dw: tensor<3x1x3x3xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>, tensor<1x3x4x4xf32>) {
  %0 = onnx.Conv(%x, %w, %b) {kernel_shape = array<i64: 3, 3>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %1 = onnx.Conv(%x, %w) {auto_pad = "SAME_UPPER", dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %2 = onnx.Conv(%x, %dw) {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %0, %1, %2 : tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>, tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_transpose
// CHECK-NEXT:    onnx.ConvTranspose(%{{.*}}, %{{.*}}) {strides = array<i64: 2, 2>, output_padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32>
func.func @conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32> {
  %0 = onnx.ConvTranspose(%x, %w) {strides = array<i64: 2, 2>, output_padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32>
  func.return %0 : tensor<1x2x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @pool
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x8x8xf32>)
// CHECK-NEXT:    %[[Y:.*]], %[[I:.*]] = onnx.MaxPool(%[[X]]) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>)
// CHECK-NEXT:    %[[Z:.*]] = onnx.MaxPool(%[[X]]) {kernel_shape = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
// CHECK-NEXT:    %[[A:.*]] = onnx.AveragePool(%[[X]]) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, count_include_pad = 1 : i64, ceil_mode = 0 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT:    %[[G:.*]] = onnx.GlobalAveragePool(%[[X]]) : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
// CHECK-NEXT:    %[[M:.*]] = onnx.GlobalMaxPool(%[[X]]) : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
// CHECK-NEXT:    func.return %[[Y]], %[[I]], %[[Z]], %[[A]], %[[G]], %[[M]] :
func.func @pool(%x: tensor<1x3x8x8xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>, tensor<1x3x7x7xf32>, tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>) {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>)
  %z = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  %a = onnx.AveragePool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, count_include_pad = 1 : i64, ceil_mode = 0 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %g = onnx.GlobalAveragePool(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
  %m = onnx.GlobalMaxPool(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
  func.return %y, %i, %z, %a, %g, %m : tensor<1x3x4x4xf32>, tensor<1x3x4x4xi64>, tensor<1x3x7x7xf32>, tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @norm
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[S:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[M:.*]]: tensor<3xf32>, %[[V:.*]]: tensor<3xf32>, %[[T:.*]]: tensor<2x5x8xf32>, %[[G:.*]]: tensor<8xf32>)
// CHECK-NEXT:    onnx.BatchNormalization(%[[X]], %[[S]], %[[B]], %[[M]], %[[V]]) {epsilon = 1.000000e-03 : f32} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
// A trailing `none` operand is dropped when printed.
// CHECK-NEXT:    %{{.*}}, %[[MEAN:.*]], %{{.*}} = onnx.LayerNormalization(%[[T]], %[[G]]) {axis = -1 : i64} : (tensor<2x5x8xf32>, tensor<8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
// CHECK-NEXT:    onnx.LayerNormalization(%[[T]], %[[G]], %{{.*}}) {epsilon = 1.250000e-01 : f32} : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
// CHECK-NEXT:    onnx.InstanceNormalization(%[[X]], %[[S]], %[[B]]) {epsilon = 1.000000e-05 : f32} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
// CHECK-NEXT:    onnx.GroupNormalization(%[[X]], %[[S]], %[[B]]) {num_groups = 3 : i64} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
func.func @norm(%x: tensor<1x3x8x8xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>, %t: tensor<2x5x8xf32>, %g: tensor<8xf32>) -> (tensor<1x3x8x8xf32>, tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5x8xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>) {
  %0 = onnx.BatchNormalization(%x, %s, %b, %m, %v) {epsilon = 1.0e-03 : f32} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  %1, %mean, %inv = onnx.LayerNormalization(%t, %g, none) {axis = -1 : i64} : (tensor<2x5x8xf32>, tensor<8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
  %2 = onnx.LayerNormalization(%t, %g, %g) {epsilon = 1.250000e-01 : f32} : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %3 = onnx.InstanceNormalization(%x, %s, %b) {epsilon = 1.0e-05 : f32} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  %4 = onnx.GroupNormalization(%x, %s, %b) {num_groups = 3 : i64} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  func.return %0, %1, %mean, %2, %3, %4 : tensor<1x3x8x8xf32>, tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5x8xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @dense
// CHECK-SAME:    (%[[A:.*]]: tensor<2x8xf32>, %[[W:.*]]: tensor<4x8xf32>, %[[C:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<8x4xf32>)
// CHECK-NEXT:    onnx.Gemm(%[[A]], %[[W]], %[[C]]) {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, transB = 1 : i64} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    onnx.Gemm(%[[A]], %[[M]]) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    onnx.MatMul(%[[A]], %[[M]]) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
func.func @dense(%a: tensor<2x8xf32>, %w: tensor<4x8xf32>, %c: tensor<4xf32>, %m: tensor<8x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = onnx.Gemm(%a, %w, %c) {alpha = 1.0 : f32, beta = 1.0 : f32, transB = 1 : i64} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = onnx.Gemm(%a, %m) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %2 = onnx.MatMul(%a, %m) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  func.return %0, %1, %2 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
