// Results typed unranked (or with dynamic dims) get the static shape their operands
// imply: elementwise ops keep it, binary ops broadcast, Transpose permutes,
// Unsqueeze/Squeeze with constant axes, Gather with static indices, Flatten.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// The attention head split of a TorchScript export, after its Reshape is typed.
// CHECK-LABEL: func.func @head_split
// CHECK:         onnx.Unsqueeze(%{{.*}}, %{{.*}}) : (tensor<16x1x3x64xf32>, tensor<1xi64>) -> tensor<1x16x1x3x64xf32>
// CHECK:         onnx.Transpose(%{{.*}}) {perm = array<i64: 3, 1, 2, 0, 4>} : (tensor<1x16x1x3x64xf32>) -> tensor<3x16x1x1x64xf32>
// CHECK:         onnx.Squeeze(%{{.*}}, %{{.*}}) : (tensor<3x16x1x1x64xf32>, tensor<1xi64>) -> tensor<3x16x1x64xf32>
// CHECK:         onnx.Gather(%{{.*}}, %{{.*}}) {axis = 0 : i64} : (tensor<3x16x1x64xf32>, tensor<i64>) -> tensor<16x1x64xf32>
// CHECK:         onnx.Relu(%{{.*}}) : (tensor<16x1x64xf32>) -> tensor<16x1x64xf32>
// CHECK:         onnx.Add(%{{.*}}, %{{.*}}) : (tensor<16x1x64xf32>, tensor<64xf32>) -> tensor<16x1x64xf32>
// CHECK:         onnx.Flatten(%{{.*}}) {axis = 1 : i64} : (tensor<16x1x64xf32>) -> tensor<16x64xf32>
func.func @head_split(%x: tensor<16x1x3x64xf32>, %b: tensor<64xf32>) -> tensor<16x64xf32> {
  %a0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %a3 = onnx.Constant() {value = dense<3> : tensor<1xi64>} : () -> tensor<1xi64>
  %i0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %u = onnx.Unsqueeze(%x, %a0) : (tensor<16x1x3x64xf32>, tensor<1xi64>) -> tensor<*xf32>
  %t = onnx.Transpose(%u) {perm = array<i64: 3, 1, 2, 0, 4>} : (tensor<*xf32>) -> tensor<*xf32>
  %s = onnx.Squeeze(%t, %a3) : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %g = onnx.Gather(%s, %i0) {axis = 0 : i64} : (tensor<*xf32>, tensor<i64>) -> tensor<*xf32>
  %r = onnx.Relu(%g) : (tensor<*xf32>) -> tensor<*xf32>
  %add = onnx.Add(%r, %b) : (tensor<*xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %f = onnx.Flatten(%add) {axis = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<*xf32>
  %out = onnx.Identity(%f) : (tensor<*xf32>) -> tensor<16x64xf32>
  func.return %out : tensor<16x64xf32>
}

// -----

// Must not fire: a dynamic operand dim, non-constant axes, a returned value.
// CHECK-LABEL: func.func @must_not_fire
// CHECK:         onnx.Relu(%{{.*}}) : (tensor<?x4xf32>) -> tensor<*xf32>
// CHECK:         onnx.Unsqueeze(%{{.*}}, %{{.*}}) : (tensor<2x4xf32>, tensor<1xi64>) -> tensor<*xf32>
// CHECK:         onnx.Neg(%{{.*}}) : (tensor<2x4xf32>) -> tensor<*xf32>
func.func @must_not_fire(%d: tensor<?x4xf32>, %x: tensor<2x4xf32>, %axes: tensor<1xi64>) -> (tensor<2x4xf32>, tensor<1x2x4xf32>, tensor<*xf32>) {
  %r = onnx.Relu(%d) : (tensor<?x4xf32>) -> tensor<*xf32>
  %r1 = onnx.Identity(%r) : (tensor<*xf32>) -> tensor<2x4xf32>
  %u = onnx.Unsqueeze(%x, %axes) : (tensor<2x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %u1 = onnx.Identity(%u) : (tensor<*xf32>) -> tensor<1x2x4xf32>
  %n = onnx.Neg(%x) : (tensor<2x4xf32>) -> tensor<*xf32>
  func.return %r1, %u1, %n : tensor<2x4xf32>, tensor<1x2x4xf32>, tensor<*xf32>
}
