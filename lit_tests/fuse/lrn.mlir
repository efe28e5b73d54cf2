// The fuse pass's LRN: a float32 4-D onnx.LRN with beta 0.5, 0.75 or 1 becomes a
// dataflow.lrn (Ramiel's kernel) keeping size, alpha, beta and bias; its result is
// channels-last, so a conv reading it needs no dataflow.channels_last. Another beta
// keeps the ONNX op (PyTorch's vectorized pow is faster than the kernel's std::pow).
// fuse{lrn=false} keeps them all.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{lrn=false}' | filecheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @lrn
// CHECK-SAME:    (%[[X:.*]]: tensor<1x8x5x5xf32>)
// CHECK-NEXT:    %[[L:.*]] = dataflow.lrn %[[X]] {size = 5 : i64, alpha = 1.000000e-04 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32} : tensor<1x8x5x5xf32>
// CHECK-NEXT:    %[[H:.*]] = dataflow.lrn %[[L]] {size = 4 : i64, alpha = 2.000000e-04 : f32, beta = 5.000000e-01 : f32, bias = 2.000000e+00 : f32} : tensor<1x8x5x5xf32>
// CHECK-NEXT:    %[[K:.*]] = onnx.LRN(%[[H]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[H]],
// OFF-LABEL:   func.func @lrn
// OFF-NOT:       dataflow.lrn
// OFF-COUNT-3:   onnx.LRN
func.func @lrn(%x: tensor<1x8x5x5xf32>) -> (tensor<1x8x5x5xf32>, tensor<1x8x5x5xf32>) {
  %l = onnx.LRN(%x) {size = 5 : i64} : (tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  %h = onnx.LRN(%l) {size = 4 : i64, alpha = 2.0e-4 : f32, beta = 0.5 : f32, bias = 2.0 : f32} : (tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  %k = onnx.LRN(%h) {size = 3 : i64, beta = 0.6 : f32} : (tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  %w = onnx.Constant() {value = dense<0.5> : tensor<8x8x1x1xf32>} : () -> tensor<8x8x1x1xf32>
  %c = onnx.Conv(%h, %w) : (tensor<1x8x5x5xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x5x5xf32>
  func.return %k, %c : tensor<1x8x5x5xf32>, tensor<1x8x5x5xf32>
}

// -----

// Kept: 3-D, float64.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     dataflow.lrn
// CHECK:         func.return
func.func @kept(%x: tensor<1x8x5xf32>, %d: tensor<1x8x5x5xf64>) -> (tensor<1x8x5xf32>, tensor<1x8x5x5xf64>) {
  %a = onnx.LRN(%x) {size = 3 : i64} : (tensor<1x8x5xf32>) -> tensor<1x8x5xf32>
  %b = onnx.LRN(%d) {size = 3 : i64} : (tensor<1x8x5x5xf64>) -> tensor<1x8x5x5xf64>
  func.return %a, %b : tensor<1x8x5xf32>, tensor<1x8x5x5xf64>
}
