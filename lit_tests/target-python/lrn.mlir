// The LRN kernel as PyTorch code: a dataflow.lrn is a call of the module-level alias
// `_lrn` (rt.native_op("lrn"), Ramiel's kernel library) with the input, size, alpha,
// beta and bias.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:           # Ramiel's kernels (ramiel.kernels, built for this machine)
// CHECK-NEXT:      {{^}}_lrn = rt.native_op("lrn"){{$}}
// CHECK-LABEL: def forward(
// CHECK:           y = _lrn(x, 5, 9.999999747378752e-05, 0.75, 1.0); del x
// CHECK-NEXT:      return (y,)
func.func @main(%x: tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32> {
  %y = dataflow.lrn %x {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x5x5xf32>
  func.return %y : tensor<1x8x5x5xf32>
}
