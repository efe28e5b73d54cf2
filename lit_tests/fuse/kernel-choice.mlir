// The fuse pass's kernel choice: a 1x1 convolution with stride 1, no padding, one group
// and at most matmul-max-macs multiply-adds (default 4,000,000) gets kernel = "matmul",
// after its Add and activation are folded in. A depthwise convolution (one group per
// channel, as many outputs as inputs) with no addend and no activation but Relu gets
// kernel = "depthwise" (Ramiel's own kernel), unless fuse{depthwise=false}. Every other
// convolution stays on oneDNN (no kernel property). Ramiel's pointwise kernel, which
// takes 1x1 convolutions first, is off here: fuse/pointwise.mlir tests it.

// RUN: ramiel-opt %s --split-input-file -p 'fuse{pointwise=false}' | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{depthwise=false pointwise=false}' | filecheck %s --check-prefix=ONEDNN
// RUN: ramiel-opt %s --split-input-file -p 'fuse{matmul-max-macs=1024 pointwise=false}' | filecheck %s --check-prefix=LIMIT
// RUN: ramiel-opt %s --split-input-file -p 'fuse{matmul-max-macs=0 pointwise=false}' | filecheck %s --check-prefix=NONE

// 8 -> 16 channels at 4x4: 2,048 multiply-adds.
// CHECK-LABEL: func.func @small_pointwise
// CHECK:         dataflow.conv %{{.*}}, %{{.*}}, %{{.*}} add %{{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "matmul"}
// CHECK-NOT:     onnx.
// LIMIT-LABEL: func.func @small_pointwise
// LIMIT:         dataflow.conv
// LIMIT-NOT:     kernel = "matmul"
// LIMIT:         func.return
// NONE-LABEL:  func.func @small_pointwise
// NONE-NOT:      kernel = "matmul"
func.func @small_pointwise(%x: tensor<1x8x4x4xf32>, %r: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %a = onnx.Add(%c, %r) : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %y = onnx.Relu(%a) : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

// 4 -> 4 channels at 8x8: 1,024 multiply-adds, right at the LIMIT run's bound.
// CHECK-LABEL: func.func @at_the_limit
// CHECK:         kernel = "matmul"
// LIMIT-LABEL: func.func @at_the_limit
// LIMIT:         kernel = "matmul"
func.func @at_the_limit(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  func.return %c : tensor<1x4x8x8xf32>
}

// -----

// 64 -> 64 channels at 56x56 (ResNet-50's first bottleneck): 12.8M multiply-adds.
// CHECK-LABEL: func.func @large_pointwise
// CHECK:         dataflow.conv
// CHECK-NOT:     kernel = "matmul"
// CHECK:         func.return
func.func @large_pointwise(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<64x64x1x1xf32>} : () -> tensor<64x64x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x64x56x56xf32>, tensor<64x64x1x1xf32>) -> tensor<1x64x56x56xf32>
  func.return %c : tensor<1x64x56x56xf32>
}

// -----

// Small, but not a plain 1x1 convolution: 3x3, stride 2, grouped.
// CHECK-LABEL: func.func @not_pointwise
// CHECK-COUNT-3: dataflow.conv
// CHECK-NOT:     kernel = "matmul"
// CHECK:         func.return
func.func @not_pointwise(%x: tensor<1x4x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x2x2xf32>, tensor<1x4x4x4xf32>) {
  %w3 = onnx.Constant() {value = dense<0.5> : tensor<4x4x3x3xf32>} : () -> tensor<4x4x3x3xf32>
  %a = onnx.Conv(%x, %w3) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32>
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %b = onnx.Conv(%x, %w1) {strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %wg = onnx.Constant() {value = dense<0.5> : tensor<4x2x1x1xf32>} : () -> tensor<4x2x1x1xf32>
  %c = onnx.Conv(%x, %wg) {group = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  func.return %a, %b, %c : tensor<1x4x4x4xf32>, tensor<1x4x2x2xf32>, tensor<1x4x4x4xf32>
}

// -----

// A kernel already chosen is kept when a Relu folds into it, whatever the bound.
// NONE-LABEL: func.func @chosen_kernel_kept
// NONE:         dataflow.conv {{.*}}activation = "relu", kernel = "matmul"}
// NONE-NOT:     onnx.Relu
func.func @chosen_kernel_kept(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %c = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "matmul"} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// -----

// Depthwise: strided and dilated, with and without a folded Relu.
// CHECK-LABEL: func.func @depthwise
// CHECK:         dataflow.conv {{.*}}strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64, activation = "relu", kernel = "depthwise"}
// CHECK:         dataflow.conv {{.*}}strides = array<i64: 1, 1>, pads = array<i64: 2, 2>, dilations = array<i64: 2, 2>, group = 8 : i64, activation = "none", kernel = "depthwise"}
// CHECK-NOT:     onnx.Relu
// ONEDNN-LABEL: func.func @depthwise
// ONEDNN-NOT:     kernel =
// ONEDNN:         func.return
func.func @depthwise(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<8x1x3x3xf32>} : () -> tensor<8x1x3x3xf32>
  %c = onnx.Conv(%x, %w) {group = 8 : i64, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  %r = onnx.Relu(%c) : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %d = onnx.Conv(%r, %w) {group = 8 : i64, dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x8x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  func.return %d : tensor<1x8x4x4xf32>
}

// -----

// Not for the depthwise kernel: a residual Add, a Sigmoid, two outputs per group.
// CHECK-LABEL: func.func @not_depthwise
// CHECK:         dataflow.conv {{.*}} add {{.*}}group = 4 : i64, activation = "none"} :
// CHECK:         dataflow.conv {{.*}}group = 4 : i64, activation = "sigmoid"} :
// CHECK:         dataflow.conv {{.*}}group = 4 : i64, activation = "none"} : {{.*}} -> tensor<1x8x4x4xf32>
func.func @not_depthwise(%x: tensor<1x4x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x8x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %a = onnx.Conv(%x, %w) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  %s = onnx.Add(%a, %x) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %b = onnx.Conv(%x, %w) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  %g = onnx.Sigmoid(%b) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %w2 = onnx.Constant() {value = dense<0.5> : tensor<8x1x3x3xf32>} : () -> tensor<8x1x3x3xf32>
  %m = onnx.Conv(%x, %w2) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32>
  func.return %s, %g, %m : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x8x4x4xf32>
}
