// Bad `cluster` options are one error line and exit 1.

// RUN: not ramiel-opt %s -p 'cluster{workers=0}' 2>&1 | filecheck %s --check-prefix=WORKERS
// RUN: not ramiel-opt %s -p 'cluster{cost-model=guess edge-cost=30}' 2>&1 | filecheck %s --check-prefix=MODEL
// WORKERS:     {{^}}ramiel-opt: error: cluster: workers must be at least 1, not 0{{$}}
// WORKERS-NOT: {{.}}
// MODEL:       {{^}}ramiel-opt: error: cluster: unknown cost model 'guess' (expected one of: analytic, profile){{$}}
// MODEL-NOT:   {{.}}

func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Relu(%x) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %a : tensor<3xf32>
}
