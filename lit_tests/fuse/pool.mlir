// The fuse pass's pooling: a 2-D onnx.MaxPool (without indices) or onnx.AveragePool on
// float32 with static shapes and symmetric or VALID pads becomes a dataflow.pool
// (Ramiel's kernel), keeping kernel, strides, pads, dilations and count_include_pad;
// the result type fixes the output size, so ceil_mode needs no attribute. Its result is
// channels-last: a conv reading it needs no dataflow.channels_last. An Add that is the
// pool's sole user, of a tensor of its type, becomes its addend. fuse{pool=false}
// keeps the ONNX ops.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{pool=false}' | filecheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @pools
// CHECK-SAME:    (%[[X:.*]]: tensor<1x8x9x9xf32>)
// CHECK-NEXT:    %[[M:.*]] = dataflow.pool %[[X]] {mode = "max", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x8x9x9xf32> -> tensor<1x8x5x5xf32>
// CHECK-NEXT:    %[[A:.*]] = dataflow.pool %[[M]] {mode = "average", kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, count_include_pad} : tensor<1x8x5x5xf32> -> tensor<1x8x5x5xf32>
// CHECK-NEXT:    %[[C:.*]] = dataflow.pool %[[A]] {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x5x5xf32> -> tensor<1x8x3x3xf32>
// CHECK-NEXT:    %[[V:.*]] = dataflow.pool %[[C]] {mode = "average", kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x3x3xf32> -> tensor<1x8x2x2xf32>
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[V]],
// OFF-LABEL:   func.func @pools
// OFF-NOT:       dataflow.pool
// OFF:           func.return
func.func @pools(%x: tensor<1x8x9x9xf32>) -> tensor<1x8x2x2xf32> {
  %m = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x9x9xf32>) -> tensor<1x8x5x5xf32>
  %a = onnx.AveragePool(%m) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64} : (tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  %c = onnx.MaxPool(%a) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x8x5x5xf32>) -> tensor<1x8x3x3xf32>
  %v = onnx.AveragePool(%c) {kernel_shape = array<i64: 2, 2>, auto_pad = "VALID"} : (tensor<1x8x3x3xf32>) -> tensor<1x8x2x2xf32>
  %w = onnx.Constant() {value = dense<0.5> : tensor<8x8x1x1xf32>} : () -> tensor<8x8x1x1xf32>
  %y = onnx.Conv(%v, %w) : (tensor<1x8x2x2xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32>
  func.return %y : tensor<1x8x2x2xf32>
}

// -----

// Kept: indices wanted, asymmetric pads for an average that counts them, SAME_UPPER,
// 1-D, float64, a dynamic size.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     dataflow.pool
// CHECK:         func.return
func.func @kept(%x: tensor<1x4x6x6xf32>, %s: tensor<1x4x6xf32>, %d: tensor<1x4x6x6xf64>, %u: tensor<1x4x?x6xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xi64>, tensor<1x4x5x5xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3x3xf64>, tensor<1x4x?x3xf32>) {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x6x6xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xi64>)
  %a = onnx.AveragePool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 1, 1>, count_include_pad = 1 : i64} : (tensor<1x4x6x6xf32>) -> tensor<1x4x5x5xf32>
  %b = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, auto_pad = "SAME_UPPER"} : (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  %c = onnx.MaxPool(%s) {kernel_shape = array<i64: 2>, strides = array<i64: 2>} : (tensor<1x4x6xf32>) -> tensor<1x4x3xf32>
  %e = onnx.MaxPool(%d) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x6x6xf64>) -> tensor<1x4x3x3xf64>
  %f = onnx.MaxPool(%u) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x?x6xf32>) -> tensor<1x4x?x3xf32>
  func.return %y, %i, %a, %b, %c, %e, %f : tensor<1x4x3x3xf32>, tensor<1x4x3x3xi64>, tensor<1x4x5x5xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3x3xf64>, tensor<1x4x?x3xf32>
}

// -----

// An Add of a pooling (its sole user) and another tensor of its type becomes the pool's
// addend, in either operand order; a pooling with a second user keeps its Add.
// CHECK-LABEL: func.func @add_folded
// CHECK-SAME:    (%[[X:.*]]: tensor<1x16x8x8xf32>, %[[Y:.*]]: tensor<1x16x8x8xf32>)
// CHECK-NEXT:    %[[M:.*]] = dataflow.pool %[[X]] {mode = "max", {{.*}}} : tensor<1x16x8x8xf32> -> tensor<1x16x8x8xf32>
// CHECK-NEXT:    %[[S:.*]] = dataflow.pool %[[X]] add %[[M]] {mode = "average", {{.*}}} : tensor<1x16x8x8xf32> -> tensor<1x16x8x8xf32>
// CHECK-NEXT:    %[[T:.*]] = dataflow.pool %[[S]] add %[[Y]] {mode = "average", {{.*}}} : tensor<1x16x8x8xf32> -> tensor<1x16x8x8xf32>
// CHECK-NEXT:    %[[K:.*]] = dataflow.pool %[[T]] {mode = "max", {{.*}}}
// CHECK-NEXT:    %[[U:.*]] = onnx.Add(%[[K]], %[[Y]])
// CHECK-NEXT:    func.return %[[U]], %[[K]]
// OFF-LABEL:   func.func @add_folded
// OFF-COUNT-3:   onnx.Add
func.func @add_folded(%x: tensor<1x16x8x8xf32>, %y: tensor<1x16x8x8xf32>) -> (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) {
  %a = onnx.AveragePool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 0 : i64} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %m = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %s = onnx.Add(%a, %m) : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %b = onnx.AveragePool(%s) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 0 : i64} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %t = onnx.Add(%y, %b) : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %k = onnx.MaxPool(%t) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %u = onnx.Add(%k, %y) : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  func.return %u, %k : tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>
}

// -----

// A GlobalAveragePool of a channels-last tensor (a conv's result) becomes a dataflow.pool
// whose one window is the whole image; one of a tensor in NCHW order (a function
// argument) stays, as the kernel would first copy it to channels-last.
// CHECK-LABEL: func.func @global_average
// CHECK:         %[[C:.*]] = dataflow.conv
// CHECK-NEXT:    %[[G:.*]] = dataflow.pool %[[C]] {mode = "average", kernel_shape = array<i64: 5, 7>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x5x7xf32> -> tensor<1x8x1x1xf32>
// CHECK-NEXT:    %[[K:.*]] = onnx.GlobalAveragePool(%{{.*}}) : (tensor<1x8x5x7xf32>) -> tensor<1x8x1x1xf32>
// CHECK-NEXT:    func.return %[[G]], %[[K]]
// OFF-LABEL:   func.func @global_average
// OFF-NOT:       dataflow.pool
// OFF-COUNT-2:   onnx.GlobalAveragePool
func.func @global_average(%x: tensor<1x8x5x7xf32>) -> (tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<8x8x3x3xf32>} : () -> tensor<8x8x3x3xf32>
  %c = onnx.Conv(%x, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x5x7xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x5x7xf32>
  %g = onnx.GlobalAveragePool(%c) : (tensor<1x8x5x7xf32>) -> tensor<1x8x1x1xf32>
  %k = onnx.GlobalAveragePool(%x) : (tensor<1x8x5x7xf32>) -> tensor<1x8x1x1xf32>
  func.return %g, %k : tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>
}

// -----

// Asymmetric pads: the pool keeps the top and left ones, and its result type says where
// the windows end (GoogLeNet's last AveragePool, 7x7 with pads 0, 0, 1, 1).
// CHECK-LABEL: func.func @asymmetric
// CHECK-NEXT:    dataflow.pool %{{.*}} {mode = "average", kernel_shape = array<i64: 7, 7>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x7x7xf32> -> tensor<1x8x2x2xf32>
// CHECK-NEXT:    dataflow.pool %{{.*}} {mode = "max", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x7x7xf32> -> tensor<1x8x3x4xf32>
func.func @asymmetric(%x: tensor<1x8x7x7xf32>) -> (tensor<1x8x2x2xf32>, tensor<1x8x3x4xf32>) {
  %a = onnx.AveragePool(%x) {kernel_shape = array<i64: 7, 7>, pads = array<i64: 0, 0, 1, 1>} : (tensor<1x8x7x7xf32>) -> tensor<1x8x2x2xf32>
  %m = onnx.MaxPool(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 2>} : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x4xf32>
  func.return %a, %m : tensor<1x8x2x2xf32>, tensor<1x8x3x4xf32>
}
