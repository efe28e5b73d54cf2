// RemoveIdentity: Identity(x) = x, only when the result type equals x's type.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @identity
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    func.return %[[X]] : tensor<2x3xf32>
func.func @identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Identity(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// -----

// A chain collapses.
// CHECK-LABEL: func.func @identity_chain
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-NEXT:    %[[Y:.*]] = onnx.Relu(%[[X]])
// CHECK-NEXT:    func.return %[[Y]] : tensor<?x3xf32>
func.func @identity_chain(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = onnx.Identity(%x) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %1 = onnx.Identity(%0) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %2 = onnx.Relu(%1) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  func.return %2 : tensor<?x3xf32>
}

// -----

// Must not fire: the result type refines x's shape.
// CHECK-LABEL: func.func @identity_refines_type
// CHECK-NEXT:    %[[Y:.*]] = onnx.Identity(%{{.*}}) : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @identity_refines_type(%x: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Identity(%x) : (tensor<?x3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
