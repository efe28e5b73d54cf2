// The generic form of `onnx` and `dataflow` IR goes through upstream MLIR
// (which knows neither dialect) and back unchanged apart from SSA names:
// properties with operandSegmentSizes, absent optional operands, multiple
// results, If/Loop regions, dataflow.cluster, dataflow.weight, dialect types
// and the module's `dataflow.weights` attribute.

// REQUIRES: mlir-opt
// RUN: ramiel-opt %s --print-op-generic | %mlir-opt --allow-unregistered-dialect --mlir-print-op-generic | ramiel-opt | filecheck %s
// RUN: ramiel-opt %s --print-op-generic | %mlir-opt --allow-unregistered-dialect --mlir-print-op-generic | ramiel-opt --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK:       builtin.module attributes {dataflow.weights = "model.weights.safetensors"} {
// CHECK-LABEL:   func.func @bridge
// CHECK-SAME:      (%[[X:.*]]: tensor<1x1x2x2xf32>, %[[SZ:.*]]: tensor<4xi64>, %[[C:.*]]: tensor<i1>, %[[M:.*]]: tensor<i64>)
// CHECK-NEXT:      %[[W:.*]] = dataflow.weight "w" : tensor<4xf32>
// CHECK-NEXT:      %[[R:.*]] = onnx.Resize(%[[X]], none, none, %[[SZ]]) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:      %[[A:.*]], %[[B:.*]] = onnx.Split(%[[X]]) {axis = 2 : i64, num_outputs = 2 : i64} : (tensor<1x1x2x2xf32>) -> (tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>)
// CHECK-NEXT:      %[[S:.*]] = onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
// CHECK-NEXT:      %[[K:.*]] = onnx.Constant() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>} : () -> tensor<4xf32>
// CHECK-NEXT:      %[[O:.*]] = dataflow.cluster(%[[W]], %[[K]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:      ^{{.*}}(%[[V:.*]]: tensor<4xf32>, %[[U:.*]]: tensor<4xf32>):
// CHECK-NEXT:        %[[N:.*]] = onnx.Mul(%[[V]], %[[U]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:        dataflow.yield %[[N]] : tensor<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[I:.*]] = onnx.If(%[[C]]) : (tensor<i1>) -> tensor<4xf32> else_branch {
// CHECK-NEXT:        onnx.Yield %[[O]] : tensor<4xf32>
// CHECK-NEXT:      } then_branch {
// CHECK-NEXT:        onnx.Yield %[[W]] : tensor<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[L:.*]] = onnx.Loop(%[[M]], none, %[[I]]) : (tensor<i64>, tensor<4xf32>) -> tensor<4xf32> body {
// CHECK-NEXT:      ^{{.*}}(%{{.*}}: tensor<i64>, %[[COND:.*]]: tensor<i1>, %[[ACC:.*]]: tensor<4xf32>):
// CHECK-NEXT:        onnx.Yield %[[COND]], %[[ACC]] : tensor<i1>, tensor<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      func.return %[[R]], %[[A]], %[[B]], %[[S]], %[[L]] :

// GENERIC: "onnx.Resize"(%{{.*}}, %{{.*}}) <{mode = "linear", operandSegmentSizes = array<i32: 1, 0, 0, 1>}>
// GENERIC: "onnx.Loop"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}>
// GENERIC: }) {dataflow.weights = "model.weights.safetensors"} : () -> ()

module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @bridge(%x: tensor<1x1x2x2xf32>, %sz: tensor<4xi64>, %c: tensor<i1>, %m: tensor<i64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>, tensor<2x!onnx.string>, tensor<4xf32>) {
    %w = dataflow.weight "w" : tensor<4xf32>
    %r = onnx.Resize(%x, none, none, %sz) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
    %a, %b = onnx.Split(%x) {axis = 2 : i64, num_outputs = 2 : i64} : (tensor<1x1x2x2xf32>) -> (tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>)
    %s = onnx.Constant() {value_strings = ["a", "b"]} : () -> tensor<2x!onnx.string>
    %k = onnx.Constant() {value = dense<"0x0000803F000000400000404000008040"> : tensor<4xf32>} : () -> tensor<4xf32>
    %o = dataflow.cluster(%w, %k) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%v: tensor<4xf32>, %u: tensor<4xf32>):
      %n = onnx.Mul(%v, %u) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      dataflow.yield %n : tensor<4xf32>
    }
    %i = onnx.If(%c) : (tensor<i1>) -> tensor<4xf32> else_branch {
      onnx.Yield %o : tensor<4xf32>
    } then_branch {
      onnx.Yield %w : tensor<4xf32>
    }
    %l = onnx.Loop(%m, none, %i) : (tensor<i64>, tensor<4xf32>) -> tensor<4xf32> body {
    ^bb0(%it: tensor<i64>, %cond: tensor<i1>, %acc: tensor<4xf32>):
      onnx.Yield %cond, %acc : tensor<i1>, tensor<4xf32>
    }
    func.return %r, %a, %b, %s, %l : tensor<1x1x4x4xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>, tensor<2x!onnx.string>, tensor<4xf32>
  }
}
