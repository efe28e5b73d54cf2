// RemoveSingleConcat: Concat(x) = x.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @concat_single
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<?x3xf32>
func.func @concat_single(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = onnx.Concat(%x) {axis = 1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  func.return %0 : tensor<?x3xf32>
}

// -----

// Must not fire: two inputs, even the same one.
// CHECK-LABEL: func.func @concat_two
// CHECK-NEXT:    %[[Y:.*]] = onnx.Concat(%{{.*}}, %{{.*}}) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @concat_two(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %0 = onnx.Concat(%x, %x) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  func.return %0 : tensor<2x6xf32>
}

// -----

// Must not fire: the result type refines x's.
// CHECK-LABEL: func.func @concat_single_refines
// CHECK-NEXT:    %[[Y:.*]] = onnx.Concat(%{{.*}}) {axis = 0 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @concat_single_refines(%x: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Concat(%x) {axis = 0 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
