// dataflow.pool's verifier: each bad property gets one diagnostic naming it.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.pool %{{.*}} {mode = "average", {{.*}}, count_include_pad}
// CHECK:         dataflow.pool %{{.*}} add %{{.*}} {mode = "max", {{.*}}}
func.func @valid(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32> {
  %y = dataflow.pool %x {mode = "average", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, count_include_pad} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %z = dataflow.pool %x add %y {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  func.return %z : tensor<1x8x2x2xf32>
}

// -----

func.func @bad_mode(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op mode 'min' is not one of max, average
  %y = dataflow.pool %x {mode = "min", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  func.return %y : tensor<1x8x2x2xf32>
}

// -----

func.func @max_counts_pads(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op count_include_pad needs mode 'average'
  %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, count_include_pad} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  func.return %y : tensor<1x8x2x2xf32>
}

// -----

func.func @zero_stride(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op strides must be positive
  %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  func.return %y : tensor<1x8x2x2xf32>
}

// -----

func.func @three_pads(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op pads must have 2 entries
  %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  func.return %y : tensor<1x8x2x2xf32>
}

// -----

func.func @channels_change(%x: tensor<1x8x4x4xf32>) -> tensor<1x4x2x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op result tensor<1x4x2x2xf32> must keep the element type, batch and channels of tensor<1x8x4x4xf32>
  %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> -> tensor<1x4x2x2xf32>
  func.return %y : tensor<1x4x2x2xf32>
}

// -----

func.func @three_d(%x: tensor<1x8x4xf32>) -> tensor<1x8x2xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op takes and gives 4-D tensors, not tensor<1x8x4xf32> -> tensor<1x8x2xf32>
  %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4xf32> -> tensor<1x8x2xf32>
  func.return %y : tensor<1x8x2xf32>
}

// -----

func.func @addend_type(%x: tensor<1x8x4x4xf32>, %a: tensor<1x8x4x3xf32>) -> tensor<1x8x4x4xf32> {
  // CHECK: dataflow_pool.mlir:[[# @LINE + 1]]:3: error: 'dataflow.pool' op result 'output' at position 0 does not verify: attribute tensor<1x8x4x3xf32> expected from variable 'T', but got tensor<1x8x4x4xf32>
  %y = "dataflow.pool"(%x, %a) <{mode = "max", kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>}> : (tensor<1x8x4x4xf32>, tensor<1x8x4x3xf32>) -> tensor<1x8x4x4xf32>
  func.return %y : tensor<1x8x4x4xf32>
}
