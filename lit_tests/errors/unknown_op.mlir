// An op that the `onnx` dialect does not define (no ONNX operator Gelux).
// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: {{.*}}unknown_op.mlir:[[# @LINE + 4]]:{{[0-9]+}}: Operation onnx.Gelux is not registered{{$}}
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.Gelux(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
