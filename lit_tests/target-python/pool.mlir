// The pooling kernel as PyTorch code: a dataflow.pool is a call of the module-level alias
// `_pool` (rt.native_op("pool2d"), Ramiel's kernel library) with the kernel size,
// strides, pads, dilations, the output size (from the result type), whether it averages,
// whether an average counts the pads, and the addend when there is one. A 1x1 window
// without pads or addend only subsamples: it is the strided view `x[:, :, ::sh, ::sw]`
// (copying nothing), or `x` itself at stride 1.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_pool = rt.native_op("pool2d"){{$}}
// CHECK-NOT:       _depthwise
// CHECK-LABEL: def forward(
// CHECK:           m = _pool(x, [3, 3], [2, 2], [1, 1], [1, 1], [5, 5], False, False); del x
// CHECK-NEXT:      a = _pool(m, [3, 3], [1, 1], [1, 1], [2, 2], [3, 3], True, True); del m
// CHECK-NEXT:      s = _pool(a, [1, 1], [1, 1], [0, 0], [1, 1], [3, 3], False, False, a); del a
// CHECK-NEXT:      v = s[:, :, ::2, ::2]
// CHECK-NEXT:      i = v
// CHECK-NEXT:      return (s, v, i)
func.func @main(%x: tensor<1x8x9x9xf32>) -> (tensor<1x8x3x3xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) {
  %m = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x8x9x9xf32> -> tensor<1x8x5x5xf32>
  %a = dataflow.pool %m {mode = "average", kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 2, 2>, count_include_pad} : tensor<1x8x5x5xf32> -> tensor<1x8x3x3xf32>
  %s = dataflow.pool %a add %a {mode = "max", kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x3x3xf32> -> tensor<1x8x3x3xf32>
  %v = dataflow.pool %s {mode = "average", kernel_shape = array<i64: 1, 1>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x3x3xf32> -> tensor<1x8x2x2xf32>
  %i = dataflow.pool %v {mode = "max", kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x2x2xf32> -> tensor<1x8x2x2xf32>
  func.return %s, %v, %i : tensor<1x8x3x3xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>
}
