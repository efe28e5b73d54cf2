// dataflow.concat_conv's verifier: each bad operand or property gets one diagnostic
// naming it.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.concat_conv(%{{.*}}, %{{.*}}), %{{.*}}, %{{.*}} {input_activation = "relu", activation = "none"}
func.func @valid(%a: tensor<1x32x4x4xf32>, %b: tensor<1x64x4x4xf32>, %w: tensor<16x96x1x1xf32>, %bias: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  %y = dataflow.concat_conv(%a, %b), %w, %bias {input_activation = "relu", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<1x64x4x4xf32>, tensor<16x96x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @bad_activation(%a: tensor<1x32x4x4xf32>, %w: tensor<16x32x1x1xf32>, %bias: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_concat_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.concat_conv' op input_activation 'tanh' is not one of none, relu
  %y = dataflow.concat_conv(%a), %w, %bias {input_activation = "tanh", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @no_inputs(%w: tensor<16x32x1x1xf32>, %bias: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_concat_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.concat_conv' op needs at least one input
  %y = dataflow.concat_conv(), %w, %bias {input_activation = "none", activation = "none"} : (tensor<16x32x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @other_size(%a: tensor<1x32x4x4xf32>, %b: tensor<1x64x4x2xf32>, %w: tensor<16x96x1x1xf32>, %bias: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_concat_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.concat_conv' op input tensor<1x64x4x2xf32> and result tensor<1x16x4x4xf32> differ in batch, height or width
  %y = dataflow.concat_conv(%a, %b), %w, %bias {input_activation = "none", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<1x64x4x2xf32>, tensor<16x96x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @weight_channels(%a: tensor<1x32x4x4xf32>, %b: tensor<1x64x4x4xf32>, %w: tensor<16x64x1x1xf32>, %bias: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_concat_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.concat_conv' op weight must be 16x96x1x1 (output channels, the inputs' channels, 1, 1), not 16x64x1x1
  %y = dataflow.concat_conv(%a, %b), %w, %bias {input_activation = "none", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<1x64x4x4xf32>, tensor<16x64x1x1xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}

// -----

func.func @bad_bias(%a: tensor<1x32x4x4xf32>, %w: tensor<16x32x1x1xf32>, %bias: tensor<32xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: dataflow_concat_conv.mlir:[[# @LINE + 1]]:3: error: 'dataflow.concat_conv' op bias must be tensor<16xf32>, not tensor<32xf32>
  %y = dataflow.concat_conv(%a), %w, %bias {input_activation = "none", activation = "none"} : (tensor<1x32x4x4xf32>, tensor<16x32x1x1xf32>, tensor<32xf32>) -> tensor<1x16x4x4xf32>
  func.return %y : tensor<1x16x4x4xf32>
}
