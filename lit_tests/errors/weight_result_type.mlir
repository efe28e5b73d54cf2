// A dataflow.weight whose result is no ONNX value is an error located at the op.
// Ops with a declarative format (dataflow.*, onnx.Yield) check their constraints
// while being parsed; the driver reports those at the op, with its name.

// RUN: not ramiel-opt %s 2>&1 | filecheck %s
// CHECK:     {{^}}ramiel-opt: error: {{.*}}weight_result_type.mlir:[[# @LINE + 4]]:3: {{.*}}dataflow.weight{{.*}}i32{{$}}
// CHECK-NOT: {{.}}

func.func @f() -> i32 {
  %w = dataflow.weight "w" : i32
  func.return %w : i32
}
