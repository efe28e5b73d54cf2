// A syntax error: ramiel-opt exits 1 with one line naming file:line:col.
// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: {{.*}}syntax_error.mlir:[[# @LINE + 4]]:21: Expected ','{{$}}
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.Relu(%x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
