// The fuse pass: a 2-D f32 onnx.Conv with a constant weight becomes one
// dataflow.conv; the Add (or two-input Sum) of a residual of its own type and
// then an activation that are its only users fold into it. Its input is made
// channels-last first. matmul-max-macs=0 keeps these small 1x1 convolutions on
// oneDNN (kernel-choice.mlir tests the choice).

// RUN: ramiel-opt %s -p 'fuse{matmul-max-macs=0}' | filecheck %s

// CHECK-LABEL: func.func @conv_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK-DAG:     %[[W:.*]] = onnx.Constant() {value = dense<1.000000e+00> : tensor<3x2x3x3xf32>}
// CHECK-DAG:     %[[B:.*]] = onnx.Constant() {value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>}
// CHECK:         %[[XL:.*]] = dataflow.channels_last %[[X]] : tensor<1x2x4x4xf32>
// CHECK-NEXT:    %[[Y:.*]] = dataflow.conv %[[XL]], %[[W]], %[[B]] {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NOT:     onnx.Conv
// CHECK-NOT:     onnx.Relu
// CHECK-NEXT:    func.return %[[Y]]
func.func @conv_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// A ResNet basic block's tail: conv, + residual (either operand order), relu.
// The fused op takes the Relu's place and name.
// CHECK-LABEL: func.func @residual_add_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x4x4xf32>, %[[R:.*]]: tensor<1x3x4x4xf32>)
// CHECK:         %[[XL:.*]] = dataflow.channels_last %[[X]]
// CHECK-NEXT:    %out = dataflow.conv %[[XL]], %{{.*}}, %{{.*}} add %[[R]] {{{.*}}activation = "relu"} : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NOT:     onnx.Add
// CHECK-NOT:     onnx.Relu
// CHECK-NEXT:    func.return %out
func.func @residual_add_relu(%x: tensor<1x3x4x4xf32>, %r: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %a = onnx.Add(%r, %c) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %out = onnx.Relu(%a) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %out : tensor<1x3x4x4xf32>
}

// Older exporters write the residual connection as a two-input Sum; no activation.
// CHECK-LABEL: func.func @sum_residual
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x4x4xf32>, %[[R:.*]]: tensor<1x3x4x4xf32>)
// CHECK:         %[[S:.*]] = dataflow.conv %{{.*}}, %{{.*}}, %{{.*}} add %[[R]] {{{.*}}activation = "none"}
// CHECK-NOT:     onnx.Sum
// CHECK-NEXT:    func.return %[[S]]
func.func @sum_residual(%x: tensor<1x3x4x4xf32>, %r: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %s = onnx.Sum(%c, %r) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %s : tensor<1x3x4x4xf32>
}

// LeakyRelu's alpha is the post-op's one scalar.
// CHECK-LABEL: func.func @leaky_relu
// CHECK:         dataflow.conv {{.*}}activation = "leaky_relu", activation_scalars = [2.500000e-01 : f64]}
// CHECK-NOT:     onnx.LeakyRelu
func.func @leaky_relu(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.LeakyRelu(%c) {alpha = 0.25 : f32} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// Clip with constant bounds (ReLU6) is hardtanh(min, max).
// CHECK-LABEL: func.func @clip_relu6
// CHECK:         dataflow.conv {{.*}}activation = "hardtanh", activation_scalars = [0.000000e+00 : f64, 6.000000e+00 : f64]}
// CHECK-NOT:     onnx.Clip
func.func @clip_relu6(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %lo = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Clip(%c, %lo, %hi) : (tensor<1x3x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// A missing min is the lowest float32.
// CHECK-LABEL: func.func @clip_max_only
// CHECK:         dataflow.conv {{.*}}activation = "hardtanh", activation_scalars = [-3.4028234663852886e+38 : f64, 6.000000e+00 : f64]}
// CHECK-NOT:     onnx.Clip
func.func @clip_max_only(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Clip(%c, none, %hi) : (tensor<1x3x4x4xf32>, tensor<f32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @sigmoid
// CHECK:         dataflow.conv {{.*}}activation = "sigmoid"} :
// CHECK-NOT:     onnx.Sigmoid
func.func @sigmoid(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Sigmoid(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @tanh
// CHECK:         dataflow.conv {{.*}}activation = "tanh"} :
// CHECK-NOT:     onnx.Tanh
func.func @tanh(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Tanh(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// Only one activation folds: the second Relu stays.
// CHECK-LABEL: func.func @two_activations
// CHECK:         %[[C:.*]] = dataflow.conv {{.*}}activation = "sigmoid"} :
// CHECK-NEXT:    %[[Y:.*]] = onnx.Relu(%[[C]])
// CHECK-NEXT:    func.return %[[Y]]
func.func @two_activations(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<3x3x1x1xf32>} : () -> tensor<3x3x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %c = onnx.Conv(%x, %w, %b) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %s = onnx.Sigmoid(%c) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %y = onnx.Relu(%s) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// Without a bias the kernel gets a zero one, named after the conv.
// CHECK-LABEL: func.func @no_bias
// CHECK:         %[[ZERO:c_bias]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<4xf32>} : () -> tensor<4xf32>
// CHECK:         dataflow.conv %{{.*}}, %{{.*}}, %[[ZERO]] {{{.*}}activation = "none"} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
func.func @no_bias(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x3x1x1xf32>} : () -> tensor<4x3x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  func.return %c : tensor<1x4x4x4xf32>
}

// A weight kept outside the IR is as constant as an inline one.
// CHECK-LABEL: func.func @weight_op
// CHECK:         %[[W:.*]] = dataflow.weight "conv.weight" : tensor<4x3x1x1xf32>
// CHECK:         dataflow.conv %{{.*}}, %[[W]], %{{.*}} {{{.*}}activation = "relu"}
func.func @weight_op(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = dataflow.weight "conv.weight" : tensor<4x3x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  %y = onnx.Relu(%c) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// Grouped and depthwise convolutions keep their group.
// CHECK-LABEL: func.func @grouped
// CHECK:         dataflow.conv {{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, activation = "none"} : (tensor<1x4x4x4xf32>, tensor<6x2x1x1xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
// CHECK:         dataflow.conv {{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 6 : i64, activation = "relu", kernel = "depthwise"} : (tensor<1x6x4x4xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
func.func @grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x6x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<6x2x1x1xf32>} : () -> tensor<6x2x1x1xf32>
  %dw = onnx.Constant() {value = dense<0.25> : tensor<6x1x3x3xf32>} : () -> tensor<6x1x3x3xf32>
  %g = onnx.Conv(%x, %w) {group = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<6x2x1x1xf32>) -> tensor<1x6x4x4xf32>
  %d = onnx.Conv(%g, %dw) {group = 6 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x4x4xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x4x4xf32>
  %y = onnx.Relu(%d) : (tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
  func.return %y : tensor<1x6x4x4xf32>
}

// Strides, pads (per axis) and dilations are kept; auto_pad VALID is no padding.
// CHECK-LABEL: func.func @geometry
// CHECK:         dataflow.conv {{.*}} {strides = array<i64: 2, 1>, pads = array<i64: 1, 2>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<1x2x9x9xf32>, tensor<2x2x3x5xf32>, tensor<2xf32>) -> tensor<1x2x5x9xf32>
// CHECK:         dataflow.conv {{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64, activation = "none"} : (tensor<1x2x9x9xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x9x9xf32>
// CHECK:         dataflow.conv {{.*}} {strides = array<i64: 3, 3>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<1x2x9x9xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
func.func @geometry(%x: tensor<1x2x9x9xf32>) -> (tensor<1x2x5x9xf32>, tensor<1x2x9x9xf32>, tensor<1x2x3x3xf32>) {
  %w35 = onnx.Constant() {value = dense<0.5> : tensor<2x2x3x5xf32>} : () -> tensor<2x2x3x5xf32>
  %w33 = onnx.Constant() {value = dense<0.25> : tensor<2x2x3x3xf32>} : () -> tensor<2x2x3x3xf32>
  %s = onnx.Conv(%x, %w35) {strides = array<i64: 2, 1>, pads = array<i64: 1, 2, 1, 2>} : (tensor<1x2x9x9xf32>, tensor<2x2x3x5xf32>) -> tensor<1x2x5x9xf32>
  %d = onnx.Conv(%x, %w33) {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x2x9x9xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x9x9xf32>
  %v = onnx.Conv(%x, %w33) {auto_pad = "VALID", strides = array<i64: 3, 3>} : (tensor<1x2x9x9xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %s, %d, %v : tensor<1x2x5x9xf32>, tensor<1x2x9x9xf32>, tensor<1x2x3x3xf32>
}
