// Every error is one line. A result type that is no ONNX value fails an IRDL
// constraint whose xDSL message has a second line; the driver joins the lines.

// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: {{.*}}multiline_message.mlir:[[# @LINE + 4]]:3: 'onnx.Relu' op result 'Y' {{.*}}i32{{$}}
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>) -> i32 {
  %r = onnx.Relu(%x) : (tensor<4xf32>) -> i32
  func.return %r : i32
}
