// Control flow: subgraphs become nested functions defined just before the op's line,
// reading the enclosing function's values through closures.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:      def then_branch():
// CHECK-NEXT:     return (x,)
// CHECK-NEXT: def else_branch():
// CHECK-NEXT:     n = -x
// CHECK-NEXT:     return (n,)
// CHECK-NEXT: r = (then_branch() if bool(c) else else_branch())[0]; del c
// CHECK-NEXT: def loop_body(i, cond, a):
// CHECK-NEXT:     {{.*}} = a + r; del a
// CHECK-NEXT:     return (cond, [[NEXT:.*]], [[NEXT]])
// CHECK-NEXT: acc, steps = rt.loop(loop_body, m, None, (x,), scan_outputs=1); del m
// CHECK-NEXT: def scan_body(sum_in, row):
// CHECK-NEXT:     sum_out = sum_in + row; del row, sum_in
// CHECK-NEXT:     return (sum_out, sum_out)
// CHECK-NEXT: {{.*}}, partial = rt.scan(scan_body, (x,), (s,), scan_outputs=1, output_axes=(-1,)); del s, x

func.func @main(%c: tensor<i1>, %x: tensor<2xf32>, %m: tensor<i64>, %s: tensor<4x2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<?x2xf32>, tensor<2xf32>, tensor<2x4xf32>) {
  %r = onnx.If(%c) : (tensor<i1>) -> tensor<2xf32> else_branch {
    %n = onnx.Neg(%x) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  } then_branch {
    onnx.Yield %x : tensor<2xf32>
  }
  %acc, %steps = onnx.Loop(%m, none, %x) : (tensor<i64>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) body {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %a: tensor<2xf32>):
    %next = onnx.Add(%a, %r) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %cond, %next, %next : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  %sum, %partial = onnx.Scan(%x, %s) {num_scan_inputs = 1 : i64, scan_output_axes = array<i64: -1>} : (tensor<2xf32>, tensor<4x2xf32>) -> (tensor<2xf32>, tensor<2x4xf32>) body {
  ^bb0(%sum_in: tensor<2xf32>, %row: tensor<2xf32>):
    %sum_out = onnx.Add(%sum_in, %row) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %sum_out, %sum_out : tensor<2xf32>, tensor<2xf32>
  }
  func.return %r, %acc, %steps, %sum, %partial : tensor<2xf32>, tensor<2xf32>, tensor<?x2xf32>, tensor<2xf32>, tensor<2x4xf32>
}
