// What the fuse pass must leave alone: convolutions oneDNN's kernel is not given
// (pads it cannot express, a weight that is not a constant, other element types or
// ranks) and users that cannot be folded (another user of the conv's result, a
// broadcasting Add, a Clip bound that is not a constant). matmul-max-macs=0 keeps the
// small 1x1 convolutions on oneDNN.

// RUN: ramiel-opt %s -p 'fuse{matmul-max-macs=0}' | filecheck %s

// The conv result is also returned: the Relu stays separate, the conv still
// becomes a kernel with no post-op.
// CHECK-LABEL: func.func @two_users
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "none"} :
// CHECK-NEXT:    %[[Y:.*]] = onnx.Relu(%[[C]])
// CHECK-NEXT:    func.return %[[Y]], %[[C]]
func.func @two_users(%x: tensor<1x3x4x4xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y, %c : tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>
}

// After folding the Add, the fused result has two users: the Relu stays.
// CHECK-LABEL: func.func @add_then_two_users
// CHECK:         %[[A:.*]] = dataflow.conv {{.*}} add %{{.*}} {{{.*}}activation = "none"} :
// CHECK-NEXT:    %[[Y:.*]] = onnx.Relu(%[[A]])
// CHECK-NEXT:    func.return %[[Y]], %[[A]]
func.func @add_then_two_users(%x: tensor<1x3x4x4xf32>, %r: tensor<1x3x4x4xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %a = onnx.Add(%c, %r) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Relu(%a) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y, %a : tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>
}

// An Add that broadcasts its other operand is no residual connection.
// CHECK-LABEL: func.func @broadcast_add
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "none"} :
// CHECK-NEXT:    %[[A:.*]] = onnx.Add(%[[C]], %{{.*}}) : (tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT:    func.return %[[A]]
func.func @broadcast_add(%x: tensor<1x3x4x4xf32>, %s: tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %a = onnx.Add(%c, %s) : (tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  func.return %a : tensor<1x3x4x4xf32>
}

// The conv added to itself: no other operand to take as the addend.
// CHECK-LABEL: func.func @self_add
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "none"} :
// CHECK-NEXT:    onnx.Add(%[[C]], %[[C]])
func.func @self_add(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %a = onnx.Add(%c, %c) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %a : tensor<1x3x4x4xf32>
}

// A Sum of three is not a residual add.
// CHECK-LABEL: func.func @sum_of_three
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "none"} :
// CHECK-NEXT:    onnx.Sum(%[[C]], %{{.*}}, %{{.*}})
func.func @sum_of_three(%x: tensor<1x3x4x4xf32>, %r: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %s = onnx.Sum(%c, %r, %r) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %s : tensor<1x3x4x4xf32>
}

// Asymmetric pads and auto_pad SAME_UPPER keep the plain lowering (F.pad first).
// CHECK-LABEL: func.func @pads
// CHECK-NOT:     dataflow.conv
// CHECK-NOT:     dataflow.channels_last
// CHECK:         onnx.Conv({{.*}}) {pads = array<i64: 0, 0, 1, 1>}
// CHECK-NOT:     dataflow.conv
// CHECK:         onnx.Conv({{.*}}) {auto_pad = "SAME_UPPER"}
// CHECK-NOT:     dataflow.conv
// CHECK:         func.return
func.func @pads(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<2x2x2x2xf32>} : () -> tensor<2x2x2x2xf32>
  %a = onnx.Conv(%x, %w) {pads = array<i64: 0, 0, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x4x4xf32>
  %s = onnx.Conv(%x, %w) {auto_pad = "SAME_UPPER"} : (tensor<1x2x4x4xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x4x4xf32>
  func.return %a, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// A weight that is a function argument is not packed at load time.
// CHECK-LABEL: func.func @weight_argument
// CHECK-NOT:     dataflow.
// CHECK:         onnx.Conv
// CHECK-NEXT:    onnx.Relu
// CHECK-NOT:     dataflow.
func.func @weight_argument(%x: tensor<1x3x4x4xf32>, %w: tensor<3x3x1x1xf32>) -> tensor<1x3x4x4xf32> {
  %c = onnx.Conv(%x, %w) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// Only float32 2-D convolutions have the kernel.
// CHECK-LABEL: func.func @f64
// CHECK-NOT:     dataflow.
// CHECK:         onnx.Conv
// CHECK-NEXT:    onnx.Relu
// CHECK-NOT:     dataflow.
func.func @f64(%x: tensor<1x3x4x4xf64>) -> tensor<1x3x4x4xf64> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf64>} : () -> tensor<3x3x1x1xf64>
  %c = onnx.Conv(%x, %w) : (tensor<1x3x4x4xf64>, tensor<3x3x1x1xf64>) -> tensor<1x3x4x4xf64>
  %y = onnx.Relu(%c) : (tensor<1x3x4x4xf64>) -> tensor<1x3x4x4xf64>
  func.return %y : tensor<1x3x4x4xf64>
}

// CHECK-LABEL: func.func @conv1d
// CHECK-NOT:     dataflow.
// CHECK:         onnx.Conv
// CHECK-NEXT:    onnx.Relu
// CHECK-NOT:     dataflow.
func.func @conv1d(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x3xf32>} : () -> tensor<3x3x3xf32>
  %c = onnx.Conv(%x, %w) {pads = array<i64: 1, 1>} : (tensor<1x3x8xf32>, tensor<3x3x3xf32>) -> tensor<1x3x8xf32>
  %y = onnx.Relu(%c) : (tensor<1x3x8xf32>) -> tensor<1x3x8xf32>
  func.return %y : tensor<1x3x8xf32>
}

// CHECK-LABEL: func.func @conv3d
// CHECK-NOT:     dataflow.
// CHECK:         onnx.Conv
// CHECK-NEXT:    onnx.Relu
// CHECK-NOT:     dataflow.
func.func @conv3d(%x: tensor<1x3x4x4x4xf32>) -> tensor<1x3x4x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1x1xf32>} : () -> tensor<3x3x1x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x3x4x4x4xf32>, tensor<3x3x1x1x1xf32>) -> tensor<1x3x4x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x3x4x4x4xf32>) -> tensor<1x3x4x4x4xf32>
  func.return %y : tensor<1x3x4x4x4xf32>
}

// A dynamic input shape: the weight cannot be packed for it.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:     dataflow.
// CHECK:         onnx.Conv
// CHECK-NOT:     dataflow.
func.func @dynamic(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<?x3x4x4xf32>, tensor<3x3x1x1xf32>) -> tensor<?x3x4x4xf32>
  func.return %c : tensor<?x3x4x4xf32>
}

// A Clip bound computed at run time is no post-op scalar.
// CHECK-LABEL: func.func @clip_variable_bound
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "none"} :
// CHECK-NEXT:    %[[Y:.*]] = onnx.Clip(%[[C]], %{{.*}}, %{{.*}})
// CHECK-NEXT:    func.return %[[Y]]
func.func @clip_variable_bound(%x: tensor<1x3x4x4xf32>, %lo: tensor<f32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Clip(%c, %lo, %hi) : (tensor<1x3x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}
