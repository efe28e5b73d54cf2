// The Shape -> Gather/Slice -> Unsqueeze -> Concat -> Reshape chains that exporters
// emit fold completely when the shapes are static (Shape becomes a constant, the
// rest folds as constants), and the Reshape gets its static result type.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @flatten_chain
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[2, -1]> : tensor<2xi64>}
// CHECK-NEXT:    %[[R:.*]] = onnx.Reshape(%[[X]], %[[S]]) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
// CHECK-NEXT:    %[[Y:.*]] = onnx.Relu(%[[R]]) : (tensor<2x12xf32>) -> tensor<2x12xf32>
// CHECK-NOT:     onnx.Shape
// CHECK-NOT:     onnx.Gather
// CHECK-NOT:     onnx.Concat
func.func @flatten_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %shape = onnx.Shape(%x) : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %zero = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %batch1 = onnx.Gather(%shape, %zero) {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %minus1 = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %target = onnx.Concat(%batch1, %minus1) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  %r = onnx.Reshape(%x, %target) : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<*xf32>
  %y = onnx.Relu(%r) : (tensor<*xf32>) -> tensor<*xf32>
  %flat = onnx.Constant() {value = dense<24> : tensor<1xi64>} : () -> tensor<1xi64>
  %out = onnx.Reshape(%y, %flat) : (tensor<*xf32>, tensor<1xi64>) -> tensor<24xf32>
  func.return %out : tensor<24xf32>
}

// -----

// Slice of the shape (the head-splitting Reshape of attention).
// CHECK-LABEL: func.func @slice_chain
// CHECK-NEXT:    %[[S:.*]] = onnx.Constant() {value = dense<[16, 1, 3, 64]> : tensor<4xi64>}
// CHECK-NEXT:    onnx.Reshape(%{{.*}}, %[[S]]) : (tensor<16x1x192xf32>, tensor<4xi64>) -> tensor<16x1x3x64xf32>
func.func @slice_chain(%x: tensor<16x1x192xf32>) -> tensor<16x1x3x64xf32> {
  %shape = onnx.Shape(%x) : (tensor<16x1x192xf32>) -> tensor<3xi64>
  %s0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %s2 = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %head = onnx.Slice(%shape, %s0, %s2) : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  %split = onnx.Constant() {value = dense<[3, 64]> : tensor<2xi64>} : () -> tensor<2xi64>
  %target = onnx.Concat(%head, %split) {axis = 0 : i64} : (tensor<?xi64>, tensor<2xi64>) -> tensor<?xi64>
  %r = onnx.Reshape(%x, %target) : (tensor<16x1x192xf32>, tensor<?xi64>) -> tensor<16x1x3x64xf32>
  func.return %r : tensor<16x1x3x64xf32>
}

// -----

// Must not fire: the batch dim is dynamic, so the chain cannot fold.
// CHECK-LABEL: func.func @dynamic_chain
// CHECK:         onnx.Shape
// CHECK:         onnx.Gather
// CHECK:         onnx.Concat
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x3x4xf32>, tensor<?xi64>) -> tensor<?x12xf32>
func.func @dynamic_chain(%x: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %shape = onnx.Shape(%x) : (tensor<?x3x4xf32>) -> tensor<3xi64>
  %zero = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %batch = onnx.Gather(%shape, %zero) {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %axes = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %batch1 = onnx.Unsqueeze(%batch, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %minus1 = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %target = onnx.Concat(%batch1, %minus1) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  %r = onnx.Reshape(%x, %target) : (tensor<?x3x4xf32>, tensor<?xi64>) -> tensor<?x12xf32>
  func.return %r : tensor<?x12xf32>
}
