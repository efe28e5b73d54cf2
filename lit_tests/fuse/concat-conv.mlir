// The fuse pass reads concatenations in place: a 1x1 convolution on the pointwise kernel
// (no addend) whose input is an onnx.Concat along the channels, or the Relu of one,
// becomes a dataflow.concat_conv of the Concat's inputs (input_activation = "relu" for
// the Relu), so the concatenation is never written; the Concat and the Relu go when
// nothing else reads them. Each input that is not channels-last yet gets one
// dataflow.channels_last, as a conv's input does. fuse{pointwise=false} keeps both.

// RUN: ramiel-opt %s --split-input-file --fuse | filecheck %s
// RUN: ramiel-opt %s --split-input-file -p 'fuse{pointwise=false}' | filecheck %s --check-prefix=OFF

// Two convolutions read the Relu of the Concat (NASNet's cell inputs): both read the
// parts, and the Concat and Relu are gone.
// CHECK-LABEL: func.func @relu_of_concat
// CHECK-SAME:    (%[[A:.*]]: tensor<1x16x4x4xf32>, %[[B:.*]]: tensor<1x32x4x4xf32>)
// CHECK-NOT:     onnx.Concat
// CHECK-NOT:     onnx.Relu
// CHECK:         %[[AL:.*]] = dataflow.channels_last %[[A]]
// CHECK-NEXT:    %[[BL:.*]] = dataflow.channels_last %[[B]]
// CHECK-NEXT:    dataflow.concat_conv(%[[AL]], %[[BL]], %[[AL]]), %{{.*}}, %{{.*}} {input_activation = "relu", activation = "none"} : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>, tensor<32x64x1x1xf32>, tensor<32xf32>) -> tensor<1x32x4x4xf32>
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.concat_conv(%[[AL]], %[[BL]], %[[AL]]), %{{.*}}, %{{.*}} {input_activation = "relu", activation = "relu"} : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>, tensor<16x64x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
// CHECK-NOT:     onnx.
// CHECK:         func.return
// OFF-LABEL:   func.func @relu_of_concat
// OFF:           onnx.Concat
// OFF:           onnx.Relu
// OFF-NOT:       dataflow.concat_conv
// OFF:           func.return
func.func @relu_of_concat(%a: tensor<1x16x4x4xf32>, %b: tensor<1x32x4x4xf32>) -> (tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>) {
  %c = onnx.Concat(%a, %b, %a) {axis = 1 : i64} : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x64x4x4xf32>
  %r = onnx.Relu(%c) : (tensor<1x64x4x4xf32>) -> tensor<1x64x4x4xf32>
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<32x64x1x1xf32>} : () -> tensor<32x64x1x1xf32>
  %y1 = onnx.Conv(%r, %w1) : (tensor<1x64x4x4xf32>, tensor<32x64x1x1xf32>) -> tensor<1x32x4x4xf32>
  %w2 = onnx.Constant() {value = dense<0.25> : tensor<16x64x1x1xf32>} : () -> tensor<16x64x1x1xf32>
  %y2 = onnx.Conv(%r, %w2) : (tensor<1x64x4x4xf32>, tensor<16x64x1x1xf32>) -> tensor<1x16x4x4xf32>
  %z2 = onnx.Relu(%y2) : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  func.return %y1, %z2 : tensor<1x32x4x4xf32>, tensor<1x16x4x4xf32>
}

// -----

// The Concat itself feeds the convolution (axis -3 is the channels of a 4-D tensor), and
// its Relu is also returned: the Relu and Concat stay for that user.
// CHECK-LABEL: func.func @concat_kept_for_another_user
// CHECK:         %[[C:.*]] = onnx.Concat
// CHECK:         %[[R:.*]] = onnx.Relu(%[[C]])
// CHECK:         %[[Y:.*]] = dataflow.concat_conv(%{{.*}}, %{{.*}}), %{{.*}}, %{{.*}} {input_activation = "none", activation = "none"}
// CHECK:         func.return %[[Y]], %[[R]]
func.func @concat_kept_for_another_user(%a: tensor<1x16x4x4xf32>, %b: tensor<1x32x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x48x4x4xf32>) {
  %c = onnx.Concat(%a, %b) {axis = -3 : i64} : (tensor<1x16x4x4xf32>, tensor<1x32x4x4xf32>) -> tensor<1x48x4x4xf32>
  %r = onnx.Relu(%c) : (tensor<1x48x4x4xf32>) -> tensor<1x48x4x4xf32>
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x48x1x1xf32>} : () -> tensor<16x48x1x1xf32>
  %y = onnx.Conv(%c, %w) : (tensor<1x48x4x4xf32>, tensor<16x48x1x1xf32>) -> tensor<1x16x4x4xf32>
  func.return %y, %r : tensor<1x16x4x4xf32>, tensor<1x48x4x4xf32>
}

// -----

// Kept: a Concat along the height, a 3x3 convolution (oneDNN), a 1x1 convolution with a
// residual Add (the kernel's concatenating form takes no addend), and 8 output channels
// (not on the pointwise kernel: less than one vector).
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     dataflow.concat_conv
// CHECK:         func.return
func.func @kept(%a: tensor<1x16x4x4xf32>, %b: tensor<1x16x4x4xf32>, %s: tensor<1x16x4x4xf32>) -> (tensor<1x16x8x4xf32>, tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x8x4x4xf32>) {
  %h = onnx.Concat(%a, %b) {axis = 2 : i64} : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x8x4xf32>
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<16x16x1x1xf32>} : () -> tensor<16x16x1x1xf32>
  %y1 = onnx.Conv(%h, %w1) : (tensor<1x16x8x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x4xf32>
  %c = onnx.Concat(%a, %b) {axis = 1 : i64} : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x32x4x4xf32>
  %w3 = onnx.Constant() {value = dense<0.5> : tensor<16x32x3x3xf32>} : () -> tensor<16x32x3x3xf32>
  %y3 = onnx.Conv(%c, %w3) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x4x4xf32>, tensor<16x32x3x3xf32>) -> tensor<1x16x4x4xf32>
  %w2 = onnx.Constant() {value = dense<0.5> : tensor<16x32x1x1xf32>} : () -> tensor<16x32x1x1xf32>
  %y2 = onnx.Conv(%c, %w2) : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>) -> tensor<1x16x4x4xf32>
  %y4 = onnx.Add(%y2, %s) : (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %w5 = onnx.Constant() {value = dense<0.5> : tensor<8x32x1x1xf32>} : () -> tensor<8x32x1x1xf32>
  %y5 = onnx.Conv(%c, %w5) : (tensor<1x32x4x4xf32>, tensor<8x32x1x1xf32>) -> tensor<1x8x4x4xf32>
  func.return %y1, %y3, %y4, %y5 : tensor<1x16x8x4xf32>, tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x8x4x4xf32>
}
