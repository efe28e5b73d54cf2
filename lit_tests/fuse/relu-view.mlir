// The fuse pass reads views of a Relu in place: a 1x1 convolution on the pointwise kernel
// (no addend) whose input is a chain of views of a Relu's output (a 1x1 pool that only
// subsamples, an onnx.Slice of the rows and columns with positive steps) becomes a
// dataflow.concat_conv of one input: the same views of the Relu's input, ReLU'd as the
// kernel reads them (input_activation = "relu"). The Relu goes when nothing else reads it.
// A Slice of the channels stops the chain. fuse{pointwise=false} keeps the Relu.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{pointwise=false}' | filecheck %s --check-prefix=OFF

// NASNet's factorized reduction of a cell's output (a Concat): both paths read
// subsampled views of it (the second shifted by a pixel), and the Relu of the whole 8x8
// tensor is gone. The views of
// a channels-last tensor are channels-last: no conversion before the kernel.
// CHECK-LABEL: func.func @factorized_reduction
// CHECK-NOT:     onnx.Relu
// CHECK:         %[[XL:.*]] = onnx.Concat
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[P1:.*]] = dataflow.pool %[[XL]] {mode = "average", kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x32x8x8xf32> -> tensor<1x32x4x4xf32>
// CHECK-NEXT:    %[[Y1:.*]] = dataflow.concat_conv(%[[P1]]), %{{.*}}, %{{.*}} {input_activation = "relu", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
// CHECK:         %[[S:.*]] = onnx.Slice(%[[XL]], %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x32x8x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x32x7x7xf32>
// CHECK-NEXT:    %[[P2:.*]] = dataflow.pool %[[S]] {{.*}} : tensor<1x32x7x7xf32> -> tensor<1x32x4x4xf32>
// CHECK-NEXT:    %[[Y2:.*]] = dataflow.concat_conv(%[[P2]]), %{{.*}}, %{{.*}} {input_activation = "relu", activation = "none"}
// CHECK-NOT:     onnx.Relu
// CHECK-NOT:     dataflow.channels_last
// CHECK:         func.return %[[Y1]], %[[Y2]]
// OFF-LABEL:   func.func @factorized_reduction
// OFF:           onnx.Relu
// OFF-NOT:       dataflow.concat_conv
// OFF:           func.return
func.func @factorized_reduction(%in: tensor<1x32x8x8xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) {
  %w0 = onnx.Constant() {value = dense<0.125> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %a = onnx.Conv(%in, %w0) : (tensor<1x32x8x8xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x8x8xf32>
  %x = onnx.Concat(%a, %a) {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x32x8x8xf32>
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %w2 = onnx.Constant() {value = dense<0.25> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %starts = onnx.Constant() {value = dense<1> : tensor<2xi64>} : () -> tensor<2xi64>
  %ends = onnx.Constant() {value = dense<8> : tensor<2xi64>} : () -> tensor<2xi64>
  %axes = onnx.Constant() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = onnx.Relu(%x) : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %p1 = onnx.AveragePool(%r) {kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x32x8x8xf32>) -> tensor<1x32x4x4xf32>
  %y1 = onnx.Conv(%p1, %w1) : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x4x4xf32>
  %s = onnx.Slice(%r, %starts, %ends, %axes) : (tensor<1x32x8x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x32x7x7xf32>
  %p2 = onnx.AveragePool(%s) {kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x32x7x7xf32>) -> tensor<1x32x4x4xf32>
  %y2 = onnx.Conv(%p2, %w2) : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x4x4xf32>
  func.return %y1, %y2 : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>
}

// -----

// Kept: a Slice of the channels is not a view the kernel reads in place, and a 3x3
// average pool is not a subsampling: the Relu stays, each conv reads its input as is.
// CHECK-LABEL: func.func @not_views
// CHECK:         onnx.Relu
// CHECK-NOT:     input_activation = "relu"
// CHECK:         func.return
func.func @not_views(%x: tensor<1x32x8x8xf32>) -> (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) {
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<16x16x1x1xf32>} : () -> tensor<16x16x1x1xf32>
  %w2 = onnx.Constant() {value = dense<0.25> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %starts = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %ends = onnx.Constant() {value = dense<16> : tensor<1xi64>} : () -> tensor<1xi64>
  %axes = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %r = onnx.Relu(%x) : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %s = onnx.Slice(%r, %starts, %ends, %axes) : (tensor<1x32x8x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x16x8x8xf32>
  %y1 = onnx.Conv(%s, %w1) : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %p = onnx.AveragePool(%r) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %y2 = onnx.Conv(%p, %w2) : (tensor<1x32x8x8xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x8x8xf32>
  func.return %y1, %y2 : tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>
}
