// RemoveNoOpCast: Cast(x, to=T) = x when x has element type T.
// RemoveNoOpCastLike: CastLike(x, t) = x when x has t's element type.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @cast_same_type
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @cast_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Cast(%x) {to = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @cast_same_type_dynamic
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?xi64>)
// CHECK-NEXT:    func.return %[[X]] : tensor<?x?xi64>
func.func @cast_same_type_dynamic(%x: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %0 = onnx.Cast(%x) {to = 7 : i64} : (tensor<?x?xi64>) -> tensor<?x?xi64>
  func.return %0 : tensor<?x?xi64>
}

// -----

// CHECK-LABEL: func.func @castlike_same_type
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf16>, %[[T:.*]]: tensor<f16>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf16>
func.func @castlike_same_type(%x: tensor<2x3xf16>, %t: tensor<f16>) -> tensor<2x3xf16> {
  %0 = onnx.CastLike(%x, %t) : (tensor<2x3xf16>, tensor<f16>) -> tensor<2x3xf16>
  func.return %0 : tensor<2x3xf16>
}

// -----

// Must not fire: the cast changes the element type.
// CHECK-LABEL: func.func @cast_changes_type
// CHECK-NEXT:    %[[Y:.*]] = onnx.Cast(%{{.*}}) {to = 10 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK-NEXT:    func.return %[[Y]]
func.func @cast_changes_type(%x: tensor<2x3xf32>) -> tensor<2x3xf16> {
  %0 = onnx.Cast(%x) {to = 10 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  func.return %0 : tensor<2x3xf16>
}

// -----

// Must not fire: a round trip through a narrower type is not the identity.
// CHECK-LABEL: func.func @cast_round_trip
// CHECK-NEXT:    onnx.Cast(%{{.*}}) {to = 10 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK-NEXT:    onnx.Cast(%{{.*}}) {to = 1 : i64} : (tensor<2x3xf16>) -> tensor<2x3xf32>
func.func @cast_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Cast(%x) {to = 10 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %1 = onnx.Cast(%0) {to = 1 : i64} : (tensor<2x3xf16>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}

// -----

// Must not fire: CastLike to another element type.
// CHECK-LABEL: func.func @castlike_changes_type
// CHECK-NEXT:    %[[Y:.*]] = onnx.CastLike(%{{.*}}, %{{.*}}) : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xi32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @castlike_changes_type(%x: tensor<2x3xf32>, %t: tensor<i32>) -> tensor<2x3xi32> {
  %0 = onnx.CastLike(%x, %t) : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xi32>
  func.return %0 : tensor<2x3xi32>
}
