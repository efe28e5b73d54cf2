// dataflow.lrn's verifier: each bad property or type gets one diagnostic.

// RUN: ramiel-opt %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK-LABEL: func.func @valid
// CHECK:         dataflow.lrn %{{.*}} {size = 5 : i64, alpha = 1.000000e-04 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32}
func.func @valid(%x: tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32> {
  %y = dataflow.lrn %x {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x5x5xf32>
  func.return %y : tensor<1x8x5x5xf32>
}

// -----

func.func @bad_beta(%x: tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32> {
  // CHECK: dataflow_lrn.mlir:[[# @LINE + 1]]:3: error: 'dataflow.lrn' op beta 0.6 is not one of 0.5, 0.75, 1
  %y = dataflow.lrn %x {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.6 : f32, bias = 1.0 : f32} : tensor<1x8x5x5xf32>
  func.return %y : tensor<1x8x5x5xf32>
}

// -----

func.func @bad_size(%x: tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32> {
  // CHECK: dataflow_lrn.mlir:[[# @LINE + 1]]:3: error: 'dataflow.lrn' op size must be positive, not 0
  %y = dataflow.lrn %x {size = 0 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x5x5xf32>
  func.return %y : tensor<1x8x5x5xf32>
}

// -----

func.func @not_4d(%x: tensor<1x8x5xf32>) -> tensor<1x8x5xf32> {
  // CHECK: dataflow_lrn.mlir:[[# @LINE + 1]]:3: error: 'dataflow.lrn' op takes a 4-D f32 tensor, not tensor<1x8x5xf32>
  %y = dataflow.lrn %x {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x5xf32>
  func.return %y : tensor<1x8x5xf32>
}
