// `max-streams` caps the streams: an op that would open one more takes the stream idle
// longest in launch order. Four branches read %a; every op moves the same bytes, so the
// bottom level orders them: %b1, then %c1 (its branch is longer than %b2's rest), %b2,
// %c2, %e, %f, and the concat %d.
//
// No cap: %b1 takes %a's stream 0, %c1 opens 1, %e 2 and %f 3; %b2 and %c2 continue
// their branches, %d takes its first operand's stream 0. With max-streams=2, %e (position
// 5) takes stream 0, last used at 3 by %b2 rather than stream 1, used at 4 by %c2; %f
// then takes stream 1, since stream 0 now has %e. max-streams=1 is sequential.

// RUN: ramiel-opt %s -p 'streams{max-streams=0}' | filecheck %s --check-prefix=FREE
// RUN: ramiel-opt %s -p 'streams{max-streams=2}' | filecheck %s --check-prefix=TWO
// RUN: ramiel-opt %s -p 'streams{max-streams=1}' | filecheck %s --check-prefix=ONE

// FREE-LABEL: func.func @main
// FREE:        %a = onnx.Relu(%x) {dataflow.stream = 0 : i64}
// FREE-NEXT:   %b1 = onnx.Sigmoid(%a) {dataflow.stream = 0 : i64}
// FREE-NEXT:   %c1 = onnx.Neg(%a) {dataflow.stream = 1 : i64}
// FREE-NEXT:   %b2 = onnx.Tanh(%b1) {dataflow.stream = 0 : i64}
// FREE-NEXT:   %c2 = onnx.Abs(%c1) {dataflow.stream = 1 : i64}
// FREE-NEXT:   %e = onnx.Exp(%a) {dataflow.stream = 2 : i64}
// FREE-NEXT:   %f = onnx.Sqrt(%a) {dataflow.stream = 3 : i64}
// FREE-NEXT:   %d = onnx.Concat({{.*}}dataflow.stream = 0 : i64}

// TWO-LABEL: func.func @main
// TWO:         %e = onnx.Exp(%a) {dataflow.stream = 0 : i64}
// TWO-NEXT:    %f = onnx.Sqrt(%a) {dataflow.stream = 1 : i64}
// TWO-NOT:     dataflow.stream = 2

// ONE-LABEL: func.func @main
// ONE-COUNT-8: dataflow.stream = 0 : i64
// ONE-NOT:     dataflow.stream = 1

func.func @main(%x: tensor<1x64x32x32xf32>) -> tensor<1x256x32x32xf32> {
  %a = onnx.Relu(%x) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %b1 = onnx.Sigmoid(%a) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %b2 = onnx.Tanh(%b1) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %c1 = onnx.Neg(%a) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %c2 = onnx.Abs(%c1) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %e = onnx.Exp(%a) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %f = onnx.Sqrt(%a) : (tensor<1x64x32x32xf32>) -> tensor<1x64x32x32xf32>
  %d = onnx.Concat(%b2, %c2, %e, %f) {axis = 1 : i64} : (tensor<1x64x32x32xf32>, tensor<1x64x32x32xf32>, tensor<1x64x32x32xf32>, tensor<1x64x32x32xf32>) -> tensor<1x256x32x32xf32>
  func.return %d : tensor<1x256x32x32xf32>
}
