// The fuse pass's stem kernel: a convolution with one group, at most 4 input channels,
// output channels in multiples of 16, no addend and no activation but Relu gets
// kernel = "direct" (Ramiel's kernel, which reads the NCHW image as it comes and writes
// channels-last). Its input needs no dataflow.channels_last, and the conv after it none
// either. fuse{direct=false} keeps it on oneDNN, after a conversion.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{direct=false}' | filecheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @stem
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x16x16xf32>)
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[S:.*]] = dataflow.conv %[[X]], %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "direct"} : (tensor<1x3x16x16xf32>, tensor<32x3x3x3xf32>, tensor<32xf32>) -> tensor<1x32x8x8xf32>
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[S]],
// CHECK-NOT:     kernel = "direct"
// CHECK:         func.return
// OFF-LABEL:   func.func @stem
// OFF:           %[[N:.*]] = dataflow.channels_last
// OFF-NEXT:      dataflow.conv %[[N]], {{.*}} activation = "relu"} :
// OFF-NOT:       kernel = "direct"
func.func @stem(%x: tensor<1x3x16x16xf32>) -> tensor<1x32x8x8xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<32x3x3x3xf32>} : () -> tensor<32x3x3x3xf32>
  %v = onnx.Constant() {value = dense<0.25> : tensor<32x32x3x3xf32>} : () -> tensor<32x32x3x3xf32>
  %c = onnx.Conv(%x, %w) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x16x16xf32>, tensor<32x3x3x3xf32>) -> tensor<1x32x8x8xf32>
  %r = onnx.Relu(%c) : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %y = onnx.Conv(%r, %v) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x8x8xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x8x8xf32>
  func.return %y : tensor<1x32x8x8xf32>
}

// -----

// Kept on oneDNN: 5 input channels, 24 output channels, a Sigmoid, a residual Add, two
// groups.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     kernel = "direct"
// CHECK:         func.return
func.func @kept(%x: tensor<1x5x8x8xf32>, %s: tensor<1x4x8x8xf32>, %r: tensor<1x16x8x8xf32>) -> (tensor<1x16x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) {
  %w5 = onnx.Constant() {value = dense<0.5> : tensor<16x5x3x3xf32>} : () -> tensor<16x5x3x3xf32>
  %w24 = onnx.Constant() {value = dense<0.5> : tensor<24x4x3x3xf32>} : () -> tensor<24x4x3x3xf32>
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x4x3x3xf32>} : () -> tensor<16x4x3x3xf32>
  %g = onnx.Constant() {value = dense<0.5> : tensor<16x2x3x3xf32>} : () -> tensor<16x2x3x3xf32>
  %a = onnx.Conv(%x, %w5) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x5x8x8xf32>, tensor<16x5x3x3xf32>) -> tensor<1x16x8x8xf32>
  %b = onnx.Conv(%s, %w24) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<24x4x3x3xf32>) -> tensor<1x24x8x8xf32>
  %c = onnx.Conv(%s, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x8x8xf32>
  %cs = onnx.Sigmoid(%c) : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %d = onnx.Conv(%s, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x8x8xf32>
  %da = onnx.Add(%d, %r) : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %e = onnx.Conv(%s, %g) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<16x2x3x3xf32>) -> tensor<1x16x8x8xf32>
  func.return %a, %b, %cs, %da, %e : tensor<1x16x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>
}
