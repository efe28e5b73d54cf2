// dataflow.channel_affine's verifier: each bad property or type gets one diagnostic.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.channel_affine %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu"}
func.func @valid(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>, %t: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %y = dataflow.channel_affine %x, %s, %t {activation = "relu"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @bad_activation(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>, %t: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK: dataflow_channel_affine.mlir:[[# @LINE + 1]]:3: error: 'dataflow.channel_affine' op activation 'tanh' is not one of none, relu
  %y = dataflow.channel_affine %x, %s, %t {activation = "tanh"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @wrong_scale(%x: tensor<1x2x3x3xf32>, %s: tensor<3xf32>, %t: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK: dataflow_channel_affine.mlir:[[# @LINE + 1]]:3: error: 'dataflow.channel_affine' op scale must be tensor<2xf32> (one per channel), not tensor<3xf32>
  %y = dataflow.channel_affine %x, %s, %t {activation = "none"} : (tensor<1x2x3x3xf32>, tensor<3xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @not_4d(%x: tensor<1x2x3xf32>, %s: tensor<2xf32>, %t: tensor<2xf32>) -> tensor<1x2x3xf32> {
  // CHECK: dataflow_channel_affine.mlir:[[# @LINE + 1]]:3: error: 'dataflow.channel_affine' op takes a 4-D f32 tensor, not tensor<1x2x3xf32>
  %y = dataflow.channel_affine %x, %s, %t {activation = "none"} : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3xf32>
  func.return %y : tensor<1x2x3xf32>
}

// -----

func.func @result_type(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>, %t: tensor<2xf32>) -> tensor<1x2x3x4xf32> {
  // CHECK: dataflow_channel_affine.mlir:[[# @LINE + 1]]:3: error: 'dataflow.channel_affine' op result tensor<1x2x3x4xf32> must have the input's type tensor<1x2x3x3xf32>
  %y = dataflow.channel_affine %x, %s, %t {activation = "none"} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x4xf32>
  func.return %y : tensor<1x2x3x4xf32>
}
