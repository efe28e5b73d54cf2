// Custom syntax of the shape and data movement ops. Several have optional
// operands in the middle of the operand list (Slice, Pad, Resize): absent ones
// print as `none`, and the generic form carries `operandSegmentSizes`.

// RUN: ramiel-opt %s --split-input-file | filecheck %s
// RUN: RAMIEL_ROUNDTRIP
// RUN: ramiel-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @reshape_transpose
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[S:.*]]: tensor<2xi64>)
// CHECK-NEXT:    onnx.Reshape(%[[X]], %[[S]]) {allowzero = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
// CHECK-NEXT:    onnx.Transpose(%[[X]]) {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    onnx.Flatten(%[[X]]) {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    onnx.Shape(%[[X]]) {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
// CHECK-NEXT:    onnx.Tile(%[[X]], %[[S]]) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x9x4xf32>
func.func @reshape_transpose(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> (tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<6x4xf32>, tensor<2xi64>, tensor<4x9x4xf32>) {
  %0 = onnx.Reshape(%x, %s) {allowzero = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Transpose(%x) {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %2 = onnx.Flatten(%x) {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %3 = onnx.Shape(%x) {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  %4 = onnx.Tile(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x9x4xf32>
  func.return %0, %1, %2, %3, %4 : tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<6x4xf32>, tensor<2xi64>, tensor<4x9x4xf32>
}

// -----

// Variadic operands (Concat) and variadic results (Split), with and without
// the optional `split` operand.
// CHECK-LABEL: func.func @concat_split
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[SP:.*]]: tensor<2xi64>)
// CHECK-NEXT:    %[[C:.*]] = onnx.Concat(%[[X]], %[[X]], %[[X]]) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x9x4xf32>
// CHECK-NEXT:    %[[A:.*]], %[[B:.*]], %[[D:.*]] = onnx.Split(%[[C]]) {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x9x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[E:.*]], %[[F:.*]] = onnx.Split(%[[X]], %[[SP]]) {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
// CHECK-NEXT:    func.return %[[A]], %[[D]], %[[F]] :
// GENERIC-LABEL: sym_name = "concat_split"
// GENERIC:         "onnx.Concat"(%{{.*}}, %{{.*}}, %{{.*}}) <{axis = 1 : i64}>
// GENERIC:         "onnx.Split"(%{{.*}}) <{axis = 1 : i64, num_outputs = 3 : i64}> : (tensor<2x9x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
// GENERIC:         "onnx.Split"(%{{.*}}, %{{.*}}) <{axis = 2 : i64}> : (tensor<2x3x4xf32>, tensor<2xi64>)
func.func @concat_split(%x: tensor<2x3x4xf32>, %sp: tensor<2xi64>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x3xf32>) {
  %c = onnx.Concat(%x, %x, %x) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x9x4xf32>
  %s:3 = onnx.Split(%c) {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x9x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
  %e, %f = onnx.Split(%x, %sp) {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  func.return %s#0, %s#2, %f : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[ST:.*]]: tensor<1xi64>, %[[EN:.*]]: tensor<1xi64>, %[[AX:.*]]: tensor<1xi64>)
// CHECK-NEXT:    onnx.Slice(%[[X]], %[[ST]], %[[EN]]) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x4xf32>
// CHECK-NEXT:    onnx.Slice(%[[X]], %[[ST]], %[[EN]], none, %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x4xf32>
// CHECK-NEXT:    onnx.Slice(%[[X]], %[[ST]], %[[EN]], %[[AX]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x1x4xf32>
// GENERIC-LABEL: sym_name = "slice"
// GENERIC:         "onnx.Slice"(%{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}>
// GENERIC:         "onnx.Slice"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>}>
// GENERIC:         "onnx.Slice"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}>
func.func @slice(%x: tensor<2x3x4xf32>, %st: tensor<1xi64>, %en: tensor<1xi64>, %ax: tensor<1xi64>) -> (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<2x1x4xf32>) {
  %0 = onnx.Slice(%x, %st, %en) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x4xf32>
  %1 = onnx.Slice(%x, %st, %en, none, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x4xf32>
  %2 = onnx.Slice(%x, %st, %en, %ax, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x1x4xf32>
  func.return %0, %1, %2 : tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<2x1x4xf32>
}

// -----

// CHECK-LABEL: func.func @gather_squeeze
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[I:.*]]: tensor<2xi64>, %[[AX:.*]]: tensor<1xi64>)
// CHECK-NEXT:    onnx.Gather(%[[X]], %[[I]]) {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x2xf32>
// CHECK-NEXT:    %[[U:.*]] = onnx.Unsqueeze(%[[X]], %[[AX]]) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
// CHECK-NEXT:    onnx.Squeeze(%[[U]], %[[AX]]) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    onnx.Squeeze(%[[U]]) : (tensor<1x2x3x4xf32>) -> tensor<2x3x4xf32>
func.func @gather_squeeze(%x: tensor<2x3x4xf32>, %i: tensor<2xi64>, %ax: tensor<1xi64>) -> (tensor<2x3x2xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = onnx.Gather(%x, %i) {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x2xf32>
  %1 = onnx.Unsqueeze(%x, %ax) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
  %2 = onnx.Squeeze(%1, %ax) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<2x3x4xf32>
  %3 = onnx.Squeeze(%1) : (tensor<1x2x3x4xf32>) -> tensor<2x3x4xf32>
  func.return %0, %2, %3 : tensor<2x3x2xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @pad
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4xf32>, %[[P:.*]]: tensor<6xi64>, %[[V:.*]]: tensor<f32>, %[[AX:.*]]: tensor<1xi64>)
// CHECK-NEXT:    onnx.Pad(%[[X]], %[[P]], %[[V]]) {mode = "constant"} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<2x5x4xf32>
// CHECK-NEXT:    onnx.Pad(%[[X]], %[[P]], none, %[[AX]]) {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<1xi64>) -> tensor<2x5x4xf32>
// GENERIC-LABEL: sym_name = "pad"
// GENERIC:         "onnx.Pad"(%{{.*}}, %{{.*}}, %{{.*}}) <{mode = "constant", operandSegmentSizes = array<i32: 1, 1, 1, 0>}>
// GENERIC:         "onnx.Pad"(%{{.*}}, %{{.*}}, %{{.*}}) <{mode = "reflect", operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
func.func @pad(%x: tensor<2x3x4xf32>, %p: tensor<6xi64>, %v: tensor<f32>, %ax: tensor<1xi64>) -> (tensor<2x5x4xf32>, tensor<2x5x4xf32>) {
  %0 = onnx.Pad(%x, %p, %v) {mode = "constant"} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<2x5x4xf32>
  %1 = onnx.Pad(%x, %p, none, %ax) {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<1xi64>) -> tensor<2x5x4xf32>
  func.return %0, %1 : tensor<2x5x4xf32>, tensor<2x5x4xf32>
}

// -----

// CHECK-LABEL: func.func @resize
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x2x2xf32>, %[[ROI:.*]]: tensor<8xf32>, %[[SC:.*]]: tensor<4xf32>, %[[SZ:.*]]: tensor<4xi64>)
// CHECK-NEXT:    onnx.Resize(%[[X]], none, %[[SC]]) {mode = "nearest", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:    onnx.Resize(%[[X]], none, none, %[[SZ]]) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:    onnx.Resize(%[[X]], %[[ROI]], none, %[[SZ]]) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x1x2x2xf32>, tensor<8xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:    onnx.Resize(%[[X]], none, %[[SC]]) {axes = array<i64: 2, 3>, cubic_coeff_a = -5.000000e-01 : f32} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
// GENERIC-LABEL: sym_name = "resize"
// GENERIC:         "onnx.Resize"(%{{.*}}, %{{.*}}) <{mode = "nearest", nearest_mode = "floor", operandSegmentSizes = array<i32: 1, 0, 1, 0>}>
// GENERIC:         "onnx.Resize"(%{{.*}}, %{{.*}}) <{mode = "linear", operandSegmentSizes = array<i32: 1, 0, 0, 1>}>
// GENERIC:         "onnx.Resize"(%{{.*}}, %{{.*}}, %{{.*}}) <{mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
func.func @resize(%x: tensor<1x1x2x2xf32>, %roi: tensor<8xf32>, %sc: tensor<4xf32>, %sz: tensor<4xi64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %0 = onnx.Resize(%x, none, %sc) {mode = "nearest", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
  %1 = onnx.Resize(%x, none, none, %sz) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
  %2 = onnx.Resize(%x, %roi, none, %sz) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x1x2x2xf32>, tensor<8xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
  %3 = onnx.Resize(%x, none, %sc, none) {axes = array<i64: 2, 3>, cubic_coeff_a = -0.5 : f32} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
  func.return %0, %1, %2, %3 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @expand
// CHECK-NEXT:    onnx.Expand(%{{.*}}, %{{.*}}) : (tensor<f32>, tensor<2xi64>) -> tensor<6x4xf32>
func.func @expand(%v: tensor<f32>, %s: tensor<2xi64>) -> tensor<6x4xf32> {
  %0 = onnx.Expand(%v, %s) : (tensor<f32>, tensor<2xi64>) -> tensor<6x4xf32>
  func.return %0 : tensor<6x4xf32>
}
