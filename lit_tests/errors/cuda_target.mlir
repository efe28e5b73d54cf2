// GPU code errors are one line each and exit 1: a fused oneDNN convolution (a CPU kernel)
// cannot be printed for CUDA, and `streams` takes no negative stream cap.

// RUN: rm -f %t.py
// RUN: not ramiel-opt %s -t cuda -o %t.py 2>&1 | filecheck %s --check-prefix=CONV
// RUN: not test -e %t.py
// RUN: not ramiel-opt %s -p 'streams{max-streams=-1}' 2>&1 | filecheck %s --check-prefix=CAP
// CONV:     {{^}}ramiel-opt: error: node 'conv': dataflow.conv is a oneDNN CPU kernel; compile for --target cuda without the fuse pass{{$}}
// CONV-NOT: {{.}}
// CAP:      {{^}}ramiel-opt: error: streams: max-streams must be 0 or more, not -1{{$}}
// CAP-NOT:  {{.}}

func.func @main(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32> loc("conv")
  func.return %y : tensor<1x3x4x4xf32>
}
