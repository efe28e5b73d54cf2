// Reshape(x, c) with a constant shape c and a result typed unranked or with
// dynamic dims gets its static result type (ONNX Reshape: 0 copies x's dim, -1 is
// inferred from the element count).

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @infer
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x4x3xf32>
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
func.func @infer(%x: tensor<2x3x4xf32>) -> (tensor<2x4x3xf32>, tensor<2x12xf32>) {
  %s1 = onnx.Constant() {value = dense<[0, -1, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r1 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  %s2 = onnx.Constant() {value = dense<[0, 12]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r2 = onnx.Reshape(%x, %s2) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %id1 = onnx.Identity(%r1) : (tensor<*xf32>) -> tensor<2x4x3xf32>
  %id2 = onnx.Identity(%r2) : (tensor<?x?xf32>) -> tensor<2x12xf32>
  func.return %id1, %id2 : tensor<2x4x3xf32>, tensor<2x12xf32>
}

// -----

// A dynamic input dim is fine when the shape neither copies nor infers from it.
// CHECK-LABEL: func.func @dynamic_input_explicit_shape
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<4x2xf32>
func.func @dynamic_input_explicit_shape(%x: tensor<?x4xf32>) -> tensor<4x2xf32> {
  %s = onnx.Constant() {value = dense<[4, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = onnx.Reshape(%x, %s) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %id = onnx.Identity(%r) : (tensor<*xf32>) -> tensor<4x2xf32>
  func.return %id : tensor<4x2xf32>
}

// -----

// Must not fire: the shape is not a constant; -1 over a dynamic input dim; 0 copying
// a dynamic dim; allowzero with a 0 in the shape.
// CHECK-LABEL: func.func @must_not_fire
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) {allowzero = 1 : i64} : (tensor<0x3xf32>, tensor<2xi64>) -> tensor<*xf32>
func.func @must_not_fire(%x: tensor<2x3x4xf32>, %shape: tensor<2xi64>, %d: tensor<?x4xf32>, %e: tensor<0x3xf32>) -> (tensor<6x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<3x0xf32>) {
  %r1 = onnx.Reshape(%x, %shape) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %id1 = onnx.Identity(%r1) : (tensor<*xf32>) -> tensor<6x4xf32>
  %flat = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %r2 = onnx.Reshape(%d, %flat) : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  %id2 = onnx.Identity(%r2) : (tensor<?xf32>) -> tensor<8xf32>
  %copy = onnx.Constant() {value = dense<[0, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r3 = onnx.Reshape(%d, %copy) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  %id3 = onnx.Identity(%r3) : (tensor<?x4xf32>) -> tensor<2x4xf32>
  %zero = onnx.Constant() {value = dense<[3, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r4 = onnx.Reshape(%e, %zero) {allowzero = 1 : i64} : (tensor<0x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  %id4 = onnx.Identity(%r4) : (tensor<*xf32>) -> tensor<3x0xf32>
  func.return %id1, %id2, %id3, %id4 : tensor<6x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<3x0xf32>
}

// -----

// Must not fire: the function returns the Reshape (its signature must not change).
// CHECK-LABEL: func.func @returned
// CHECK:         onnx.Reshape(%{{.*}}, %{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
func.func @returned(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = onnx.Reshape(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  func.return %r : tensor<*xf32>
}
