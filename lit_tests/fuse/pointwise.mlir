// The fuse pass's pointwise kernel: a 1x1 convolution (stride 1, no padding, one group)
// with at least 16 output channels and no activation but Relu (after a folded Add
// or not) gets kernel = "pointwise" (Ramiel's own kernel) when it is small enough for
// the matrix-product kernel, has at least 28x28 output pixels or has at most 128 output
// channels. Other 1x1 convolutions keep the matrix product or oneDNN;
// fuse{pointwise=false} turns the kernel off.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{pointwise=false}' | filecheck %s --check-prefix=OFF

// Small (2,048 multiply-adds), with a residual Add and a Relu folded in.
// CHECK-LABEL: func.func @small_with_add
// CHECK:         dataflow.conv %{{.*}}, %{{.*}}, %{{.*}} add %{{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", kernel = "pointwise"}
// CHECK-NOT:     onnx.
// OFF-LABEL:   func.func @small_with_add
// OFF:           kernel = "matmul"
func.func @small_with_add(%x: tensor<1x8x4x4xf32>, %r: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %b = onnx.Constant() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %a = onnx.Add(%c, %r) : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %y = onnx.Relu(%a) : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

// Large (12.8M multiply-adds) with 56x56 pixels: the pointwise kernel, not oneDNN.
// CHECK-LABEL: func.func @large_many_pixels
// CHECK:         kernel = "pointwise"
// OFF-LABEL:   func.func @large_many_pixels
// OFF-NOT:       kernel =
// OFF:           func.return
func.func @large_many_pixels(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<64x64x1x1xf32>} : () -> tensor<64x64x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x64x56x56xf32>, tensor<64x64x1x1xf32>) -> tensor<1x64x56x56xf32>
  func.return %c : tensor<1x64x56x56xf32>
}

// -----

// Large (6.3M multiply-adds) with 16x16 pixels but 64 output channels: the pointwise
// kernel (NASNet's cell-input convolutions).
// CHECK-LABEL: func.func @large_narrow
// CHECK:         kernel = "pointwise"
// OFF-LABEL:   func.func @large_narrow
// OFF-NOT:       kernel =
// OFF:           func.return
func.func @large_narrow(%x: tensor<1x384x16x16xf32>) -> tensor<1x64x16x16xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<64x384x1x1xf32>} : () -> tensor<64x384x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x384x16x16xf32>, tensor<64x384x1x1xf32>) -> tensor<1x64x16x16xf32>
  func.return %c : tensor<1x64x16x16xf32>
}

// -----

// Kept off the kernel: large with 7x7 pixels and 512 output channels (oneDNN), 8 output
// channels (less than one vector: the matrix product), a Sigmoid (the matrix product), a
// stride of 2 (oneDNN).
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     kernel = "pointwise"
// CHECK:         func.return
func.func @kept(%x: tensor<1x512x7x7xf32>, %s: tensor<1x8x4x4xf32>) -> (tensor<1x512x7x7xf32>, tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x16x2x2xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<512x512x1x1xf32>} : () -> tensor<512x512x1x1xf32>
  %a = onnx.Conv(%x, %w) : (tensor<1x512x7x7xf32>, tensor<512x512x1x1xf32>) -> tensor<1x512x7x7xf32>
  %w8 = onnx.Constant() {value = dense<0.5> : tensor<8x8x1x1xf32>} : () -> tensor<8x8x1x1xf32>
  %b = onnx.Conv(%s, %w8) : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %w16 = onnx.Constant() {value = dense<0.5> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %c = onnx.Conv(%s, %w16) : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x4x4xf32>
  %d = onnx.Sigmoid(%c) : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %e = onnx.Conv(%s, %w16) {strides = array<i64: 2, 2>} : (tensor<1x8x4x4xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x2x2xf32>
  func.return %a, %b, %d, %e : tensor<1x512x7x7xf32>, tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x16x2x2xf32>
}

// -----

// 24 output channels: the kernel, on a weight matrix padded to 32 columns (the printer
// makes it with rt.conv1x1_matrix(w, 16)).
// CHECK-LABEL: func.func @odd_channels
// CHECK:         dataflow.conv {{.*}}kernel = "pointwise"} : ({{.*}}, tensor<24x8x1x1xf32>, tensor<24xf32>) -> tensor<1x24x4x4xf32>
// OFF-LABEL:   func.func @odd_channels
// OFF-NOT:       kernel = "pointwise"
func.func @odd_channels(%s: tensor<1x8x4x4xf32>) -> tensor<1x24x4x4xf32> {
  %w24 = onnx.Constant() {value = dense<0.5> : tensor<24x8x1x1xf32>} : () -> tensor<24x8x1x1xf32>
  %b = onnx.Conv(%s, %w24) : (tensor<1x8x4x4xf32>, tensor<24x8x1x1xf32>) -> tensor<1x24x4x4xf32>
  func.return %b : tensor<1x24x4x4xf32>
}
