// The image family as PyTorch code: Resize as F.interpolate where PyTorch samples
// exactly as ONNX does (checked at compile time), else rt.resize with its options;
// pixel shuffles, grid sampling and constant-shape crops as their F calls.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK: up = F.interpolate(x, scale_factor=2.0)
// CHECK-NEXT: lin = F.interpolate(x, size=(16, 16), mode="bilinear")
// CHECK-NEXT: corners = F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=True)
// CHECK-NEXT: aa = rt.resize(x, scales=(1.0, 1.0, 0.5, 0.5), mode="linear", antialias=True)
// CHECK-NEXT: dyn = rt.resize(x, sizes=sizes, mode="cubic", cubic_coeff_a=-0.5, exclude_outside=True)
// CHECK-NEXT: d2s = F.pixel_shuffle(c, 2)
// CHECK-NEXT: s2d = rt.space_to_depth(x, 2)
// CHECK-NEXT: gs = F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=False)
// CHECK-NEXT: crop = F.pad(x, (-2, -2, -2, -2))
func.func @main(%x: tensor<1x4x8x8xf32>, %sizes: tensor<4xi64>, %c: tensor<1x16x8x8xf32>, %grid: tensor<1x5x5x2xf32>) -> (tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x4x4xf32>, tensor<?x?x?x?xf32>, tensor<1x4x16x16xf32>, tensor<1x16x4x4xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>) {
  %s = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %half = onnx.Constant() {value = dense<[1.0, 1.0, 0.5, 0.5]> : tensor<4xf32>} : () -> tensor<4xf32>
  %hw = onnx.Constant() {value = dense<[16, 16]> : tensor<2xi64>} : () -> tensor<2xi64>
  %shape = onnx.Constant() {value = dense<[4, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %up = onnx.Resize(%x, none, %s, none) {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x4x8x8xf32>, tensor<4xf32>) -> tensor<1x4x16x16xf32>
  %lin = onnx.Resize(%x, none, none, %hw) {axes = array<i64: 2, 3>, mode = "linear"} : (tensor<1x4x8x8xf32>, tensor<2xi64>) -> tensor<1x4x16x16xf32>
  %corners = onnx.Resize(%x, none, %s, none) {coordinate_transformation_mode = "align_corners", mode = "cubic"} : (tensor<1x4x8x8xf32>, tensor<4xf32>) -> tensor<1x4x16x16xf32>
  %aa = onnx.Resize(%x, none, %half, none) {antialias = 1 : i64, mode = "linear"} : (tensor<1x4x8x8xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %dyn = onnx.Resize(%x, none, none, %sizes) {mode = "cubic", cubic_coeff_a = -0.5 : f32, exclude_outside = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %d2s = onnx.DepthToSpace(%c) {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x16x8x8xf32>) -> tensor<1x4x16x16xf32>
  %s2d = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x16x4x4xf32>
  %gs = onnx.GridSample(%x, %grid) {mode = "nearest", padding_mode = "border"} : (tensor<1x4x8x8xf32>, tensor<1x5x5x2xf32>) -> tensor<1x4x5x5xf32>
  %crop = onnx.CenterCropPad(%x, %shape) {axes = array<i64: 2, 3>} : (tensor<1x4x8x8xf32>, tensor<2xi64>) -> tensor<1x4x4x4xf32>
  func.return %up, %lin, %corners, %aa, %dyn, %d2s, %s2d, %gs, %crop : tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x4x4xf32>, tensor<?x?x?x?xf32>, tensor<1x4x16x16xf32>, tensor<1x16x4x4xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>
}
