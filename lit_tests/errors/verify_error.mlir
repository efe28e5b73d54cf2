// A verifier error: ramiel-opt exits 1 with one line locating the op at fault,
// and with `-o` leaves no output file behind.
// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// RUN: rm -f %t.mlir
// RUN: not ramiel-opt %s -o %t.mlir 2>&1 | filecheck %s
// RUN: not test -e %t.mlir
// CHECK:     {{^}}ramiel-opt: error: {{.*}}verify_error.mlir:[[# @LINE + 5]]:3: 'onnx.Add' op operand 'B' has type tensor(int64), but type variable T is already bound to tensor(float){{$}}
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>, %y: tensor<4xi64>) -> tensor<4xf32> {
  %ok = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %r = onnx.Add(%ok, %y) : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
