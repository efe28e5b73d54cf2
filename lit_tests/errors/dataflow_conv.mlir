// Verifier errors of dataflow.conv and dataflow.channels_last, one per chunk, each
// located at the op at fault.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @activation(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op activation 'gelu' is not one of none, relu, leaky_relu, hardtanh, sigmoid, tanh
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "gelu"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @missing_scalar(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op activation 'hardtanh' takes 2 scalars, not 1
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "hardtanh", activation_scalars = [6.0 : f64]} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @extra_scalar(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op activation 'relu' takes 0 scalars, not 1
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", activation_scalars = [0.5 : f64]} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @strides(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op strides must have 2 entries
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

// ONNX's four pads are not accepted: the kernel's pads are symmetric.
func.func @pads(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op pads must have 2 entries
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @input_rank(%x: tensor<2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op input must be 4-D, not tensor<2x4x4xf32>
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<3x4x4xf32>
  func.return %y : tensor<3x4x4xf32>
}

// -----

func.func @weight_rank(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op weight must be 4-D, not tensor<3x2x1xf32>
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none"} : (tensor<1x2x4x4xf32>, tensor<3x2x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @addend_type(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>, %r: tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op addend type tensor<1x3x1x1xf32> differs from the result type tensor<1x3x4x4xf32>
  %y = dataflow.conv %x, %w, %b add %r {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @channels_last_rank(%x: tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.channels_last' op operand must be 4-D, not tensor<2x4x4xf32>
  %y = dataflow.channels_last %x : tensor<2x4x4xf32>
  func.return %y : tensor<2x4x4xf32>
}

// -----

// A valid kernel, so the chunks above are known to fail for their own reason only.
// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.conv %{{.*}}, %{{.*}}, %{{.*}} add %{{.*}} {strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "leaky_relu", activation_scalars = [1.000000e-01 : f64]}
// CHECK:         dataflow.channels_last
func.func @valid(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>, %r: tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32> {
  %y = dataflow.conv %x, %w, %b add %r {strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "leaky_relu", activation_scalars = [0.1 : f64]} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>, tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %z = dataflow.channels_last %y : tensor<1x3x2x2xf32>
  func.return %z : tensor<1x3x2x2xf32>
}

// -----

func.func @unknown_kernel(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'fft' is not 'matmul', 'pointwise', 'depthwise', 'direct' or 'winograd' (leave it out for oneDNN)
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "fft"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @matmul_3x3(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'matmul' needs a 1x1 convolution with stride 1, no padding, dilation 1 and one group
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "matmul"} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @pointwise_sigmoid(%x: tensor<1x2x4x4xf32>, %w: tensor<16x2x1x1xf32>, %b: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'pointwise' takes only the activations none, relu
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "sigmoid", kernel = "pointwise"} : (tensor<1x2x4x4xf32>, tensor<16x2x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @depthwise_not_depthwise(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'depthwise' needs one group per channel and as many output channels as input channels
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64, activation = "none", kernel = "depthwise"} : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @depthwise_sigmoid(%x: tensor<1x4x4x4xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'depthwise' takes no addend and only the activations none, relu
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, activation = "sigmoid", kernel = "depthwise"} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @direct_channels(%x: tensor<1x3x4x4xf32>, %w: tensor<24x3x3x3xf32>, %b: tensor<24xf32>) -> tensor<1x24x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'direct' needs one group and output channels in multiples of 16
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "direct"} : (tensor<1x3x4x4xf32>, tensor<24x3x3x3xf32>, tensor<24xf32>) -> tensor<1x24x4x4xf32>
  func.return %y : tensor<1x24x4x4xf32>
}

// -----

func.func @direct_addend(%x: tensor<1x3x4x4xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>, %r: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'direct' takes no addend and only the activations none, relu
  %y = dataflow.conv %x, %w, %b add %r {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "direct"} : (tensor<1x3x4x4xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>, tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @winograd_stride(%x: tensor<1x16x8x8xf32>, %w: tensor<16x16x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'winograd' needs a 3x3 convolution with stride 1, dilation 1, one group and channels in multiples of 16
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "winograd"} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @winograd_channels(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x8x8xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'winograd' needs a 3x3 convolution with stride 1, dilation 1, one group and channels in multiples of 16
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "none", kernel = "winograd"} : (tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  func.return %y : tensor<1x16x8x8xf32>
}

// -----

func.func @winograd_activation(%x: tensor<1x16x8x8xf32>, %w: tensor<16x16x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x8x8xf32> {
  // CHECK: dataflow_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.conv' op kernel 'winograd' takes only the activations none, relu
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "sigmoid", kernel = "winograd"} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  func.return %y : tensor<1x16x8x8xf32>
}
