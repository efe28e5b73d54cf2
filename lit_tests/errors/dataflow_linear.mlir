// dataflow.linear's verifier: each bad property or type gets one diagnostic.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.linear %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu"}
// CHECK:         dataflow.linear %{{.*}}, %{{.*}} {activation = "none"}
func.func @valid(%x: tensor<1x6x1x1xf32>, %w: tensor<4x6xf32>, %b: tensor<4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %y = dataflow.linear %x, %w, %b {activation = "relu"} : (tensor<1x6x1x1xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %z = dataflow.linear %x, %w {activation = "none"} : (tensor<1x6x1x1xf32>, tensor<4x6xf32>) -> tensor<1x4xf32>
  func.return %y, %z : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

func.func @bad_activation(%x: tensor<1x6xf32>, %w: tensor<4x6xf32>) -> tensor<1x4xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op activation 'tanh' is not one of none, relu
  %y = dataflow.linear %x, %w {activation = "tanh"} : (tensor<1x6xf32>, tensor<4x6xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

func.func @dynamic(%x: tensor<?x6xf32>, %w: tensor<4x6xf32>) -> tensor<1x4xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op input must be a static tensor, not tensor<?x6xf32>
  %y = dataflow.linear %x, %w {activation = "none"} : (tensor<?x6xf32>, tensor<4x6xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

func.func @float64(%x: tensor<1x6xf64>, %w: tensor<4x6xf32>) -> tensor<1x4xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op input must be f32, not tensor<1x6xf64>
  %y = dataflow.linear %x, %w {activation = "none"} : (tensor<1x6xf64>, tensor<4x6xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

func.func @result_columns(%x: tensor<1x6xf32>, %w: tensor<4x6xf32>) -> tensor<1x5xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op weight tensor<4x6xf32> must be (out, in) and the result tensor<1x5xf32> (rows, out)
  %y = dataflow.linear %x, %w {activation = "none"} : (tensor<1x6xf32>, tensor<4x6xf32>) -> tensor<1x5xf32>
  func.return %y : tensor<1x5xf32>
}

// -----

func.func @input_size(%x: tensor<1x7xf32>, %w: tensor<4x6xf32>) -> tensor<1x4xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op input tensor<1x7xf32> must hold 1 rows of 6 values
  %y = dataflow.linear %x, %w {activation = "none"} : (tensor<1x7xf32>, tensor<4x6xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}

// -----

func.func @bias(%x: tensor<1x6xf32>, %w: tensor<4x6xf32>, %b: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // CHECK: dataflow_linear.mlir:[[# @LINE + 1]]:3: error: 'dataflow.linear' op bias tensor<1x4xf32> must be tensor<4xf32>
  %y = dataflow.linear %x, %w, %b {activation = "none"} : (tensor<1x6xf32>, tensor<4x6xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}
