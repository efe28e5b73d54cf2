// The fuse pass's Winograd kernel: a 3x3 convolution at stride 1 (dilation 1, one group,
// channels in multiples of 16, no activation but Relu, after an addend or not) whose
// transformed weight is at most 128 KiB per 2x2 output tile gets kernel = "winograd".
// Its input is channels-last, as oneDNN's. fuse{winograd=false} keeps it on oneDNN.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{winograd=false}' | filecheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @residual
// CHECK-SAME:    (%[[X:.*]]: tensor<1x32x14x14xf32>)
// CHECK:         %[[N:.*]] = dataflow.channels_last %[[X]] : tensor<1x32x14x14xf32>
// CHECK:         %[[A:.*]] = dataflow.conv %[[N]], %{{.*}}, %{{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "winograd"} : (tensor<1x32x14x14xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x14x14xf32>
// CHECK:         dataflow.conv %[[A]], %{{.*}}, %{{.*}} add %[[X]] {{{.*}}activation = "relu", kernel = "winograd"}
// CHECK:         func.return
// OFF-LABEL:   func.func @residual
// OFF-NOT:       kernel = "winograd"
// OFF:           func.return
func.func @residual(%x: tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<32x32x3x3xf32>} : () -> tensor<32x32x3x3xf32>
  %a = onnx.Conv(%x, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x14x14xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x14x14xf32>
  %ar = onnx.Relu(%a) : (tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %b = onnx.Conv(%ar, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x14x14xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x14x14xf32>
  %s = onnx.Add(%b, %x) : (tensor<1x32x14x14xf32>, tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %y = onnx.Relu(%s) : (tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  func.return %y : tensor<1x32x14x14xf32>
}

// -----

// No padding and an odd output (the last tiles are cut): still the kernel.
// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.conv {{.*}}pads = array<i64: 0, 0>{{.*}}activation = "none", kernel = "winograd"} : (tensor<1x16x9x9xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>) -> tensor<1x16x7x7xf32>
func.func @valid(%x: tensor<1x16x9x9xf32>) -> tensor<1x16x7x7xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x16x3x3xf32>} : () -> tensor<16x16x3x3xf32>
  %y = onnx.Conv(%x, %w) : (tensor<1x16x9x9xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x7x7xf32>
  func.return %y : tensor<1x16x7x7xf32>
}

// -----

// Kept on oneDNN: stride 2, 8 input channels, 24 output channels, dilation 2, a 5x5
// window, two groups, a Sigmoid, and 256 -> 256 channels at 7x7 (4 MiB of transformed
// weight for 16 tiles: 256 KiB a tile).
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     kernel = "winograd"
// CHECK:         func.return
func.func @kept(%x: tensor<1x16x8x8xf32>, %e: tensor<1x8x8x8xf32>, %z: tensor<1x256x7x7xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x16x4x4xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x256x7x7xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x16x3x3xf32>} : () -> tensor<16x16x3x3xf32>
  %w8 = onnx.Constant() {value = dense<0.5> : tensor<16x8x3x3xf32>} : () -> tensor<16x8x3x3xf32>
  %w24 = onnx.Constant() {value = dense<0.5> : tensor<24x16x3x3xf32>} : () -> tensor<24x16x3x3xf32>
  %w5 = onnx.Constant() {value = dense<0.5> : tensor<16x16x5x5xf32>} : () -> tensor<16x16x5x5xf32>
  %wg = onnx.Constant() {value = dense<0.5> : tensor<16x8x3x3xf32>} : () -> tensor<16x8x3x3xf32>
  %wz = onnx.Constant() {value = dense<0.5> : tensor<256x256x3x3xf32>} : () -> tensor<256x256x3x3xf32>
  %a = onnx.Conv(%x, %w) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x4x4xf32>
  %b = onnx.Conv(%e, %w8) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x8x8xf32>
  %c = onnx.Conv(%x, %w24) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<24x16x3x3xf32>) -> tensor<1x24x8x8xf32>
  %d = onnx.Conv(%x, %w) {dilations = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x4x4xf32>
  %f = onnx.Conv(%x, %w5) {pads = array<i64: 2, 2, 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x16x5x5xf32>) -> tensor<1x16x8x8xf32>
  %g = onnx.Conv(%x, %wg) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x8x8xf32>
  %h = onnx.Conv(%x, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x8x8xf32>
  %hs = onnx.Sigmoid(%h) : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %k = onnx.Conv(%z, %wz) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x256x7x7xf32>, tensor<256x256x3x3xf32>) -> tensor<1x256x7x7xf32>
  func.return %a, %b, %c, %d, %f, %g, %hs, %k : tensor<1x16x4x4xf32>, tensor<1x16x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x16x4x4xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x256x7x7xf32>
}
