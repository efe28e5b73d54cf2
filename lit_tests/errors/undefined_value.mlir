// A use of an undefined value is a parse error.
// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: {{.*}}undefined_value.mlir:{{[0-9]+}}:{{[0-9]+}}: values used but not defined: [%y]{{$}}
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.Relu(%y) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
