// RemoveReluOfRelu: Relu(Relu(x)) = Relu(x), only when the types are equal.

// RUN: ramiel-opt %s --canonicalize --split-input-file | filecheck %s

// CHECK-LABEL: func.func @relu_of_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[R:.*]] = onnx.Relu(%[[X]])
// CHECK-NEXT:    %[[S:.*]] = onnx.Sigmoid(%[[R]])
// CHECK-NEXT:    func.return %[[R]], %[[S]] : tensor<2x3xf32>, tensor<2x3xf32>
func.func @relu_of_relu(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = onnx.Relu(%1) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = onnx.Sigmoid(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Must not fire: the outer Relu's result type refines the inner one's shape.
// CHECK-LABEL: func.func @relu_refines_type
// CHECK:         onnx.Relu
// CHECK-NEXT:    onnx.Relu
// CHECK-NEXT:    func.return
func.func @relu_refines_type(%x: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Relu(%x) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %1 = onnx.Relu(%0) : (tensor<?x3xf32>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}
