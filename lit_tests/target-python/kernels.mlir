// Fused kernels as PyTorch code: a dataflow.conv is a call of the module-level alias
// `_conv` (torch.ops.mkldnn._convolution_pointwise) or, with an addend, `_conv_add`
// (its .binary overload), on a weight packed once in __init__ by rt.pack_conv_weight
// for the conv's geometry and input shape. A packed weight is a plain attribute; a
// weight read only packed is not loaded as a buffer. dataflow.channels_last is
// `.contiguous(memory_format=torch.channels_last)`. matmul-max-macs=0 keeps these small
// 1x1 convolutions on oneDNN (matmul-conv.mlir prints the matrix-product kernel).

// RUN: ramiel-opt %s --split-input-file -p 'fuse{matmul-max-macs=0}' -t python | filecheck %s

// CHECK:      from ramiel import runtime as rt
// CHECK:      {{^}}_conv = torch.ops.mkldnn._convolution_pointwise{{$}}
// CHECK-NEXT: {{^}}_conv_add = torch.ops.mkldnn._convolution_pointwise  # .binary{{$}}
// CHECK:      WEIGHTS = {  # attribute: key in the weights file
// CHECK-NEXT:     'conv1_weight': 'conv1.weight',
// CHECK-NEXT:     'conv1_bias': 'conv1.bias',
// CHECK-NEXT: }
// CHECK:          def __init__(
// CHECK:              self.register_buffer('ws', torch.tensor(
// CHECK-NOT:          register_buffer('conv2_weight'
// CHECK:              self.conv1_weight_packed = rt.pack_conv_weight(weights['conv1.weight'], [1, 1], [1, 1], [1, 1], 1, [1, 3, 8, 8]){{$}}
// CHECK-NEXT:         self.conv2_weight_packed = rt.pack_conv_weight(weights['conv2.weight'], [0, 0], [1, 1], [1, 1], 1, [1, 4, 8, 8]){{$}}
// CHECK-NEXT:         self.ws_packed = rt.pack_conv_weight(self.ws, [0, 0], [1, 1], [1, 1], 1, [1, 3, 8, 8]){{$}}
// CHECK-NOT:          pack_conv_weight
// CHECK:          def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK-NEXT:         (x,) = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:         x_nhwc = x.contiguous(memory_format=torch.channels_last); del x{{$}}
// CHECK-NEXT:         r1 = _conv(x_nhwc, self.conv1_weight_packed, self.conv1_bias, [1, 1], [1, 1], [1, 1], 1, 'relu', [], ''){{$}}
// CHECK-NEXT:         c2 = _conv(r1, self.conv2_weight_packed, self.c2_bias, [0, 0], [1, 1], [1, 1], 1, 'none', [], ''){{$}}
// CHECK-NEXT:         out = _conv_add(x_nhwc, c2, self.ws_packed, self.s_bias, [0, 0], [1, 1], [1, 1], 1, 'add', 1.0, 'relu', [], ''); del c2, x_nhwc{{$}}
// CHECK-NEXT:         l = _conv(r1, self.conv2_weight_packed, self.c3_bias, [0, 0], [1, 1], [1, 1], 1, 'leaky_relu', [0.5], ''); del r1{{$}}
// CHECK-NEXT:         return (out, l, self.wx)

// conv1.weight is also read by Neg: it stays a buffer. conv2.weight is read only by
// two convs of the same geometry and input shape: packed once, not loaded as a buffer.
module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @main(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<4x3x3x3xf32>) {
    %w = dataflow.weight "conv1.weight" : tensor<4x3x3x3xf32>
    %b = dataflow.weight "conv1.bias" : tensor<4xf32>
    %w2 = dataflow.weight "conv2.weight" : tensor<4x4x1x1xf32>
    %ws = onnx.Constant() {value = dense<0.5> : tensor<4x3x1x1xf32>} : () -> tensor<4x3x1x1xf32>
    %c1 = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %r1 = onnx.Relu(%c1) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %s = onnx.Conv(%x, %ws) : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
    %c2 = onnx.Conv(%r1, %w2) : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
    %a = onnx.Add(%c2, %s) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %out = onnx.Relu(%a) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %c3 = onnx.Conv(%r1, %w2) : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
    %l = onnx.LeakyRelu(%c3) {alpha = 0.5 : f32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %wx = onnx.Neg(%w) : (tensor<4x3x3x3xf32>) -> tensor<4x3x3x3xf32>
    func.return %out, %l, %wx : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<4x3x3x3xf32>
  }
}

// -----

// A dataflow.conv on values computed at run time: the weight is passed as it is (no
// packing), the bias made dense; only the `_conv` alias is printed.
// CHECK:      from ramiel import runtime as rt
// CHECK:      {{^}}_conv = torch.ops.mkldnn._convolution_pointwise{{$}}
// CHECK-EMPTY:
// CHECK-NEXT: INPUTS = (
// CHECK-NOT:  pack_conv_weight
// CHECK:          def forward(
// CHECK-NEXT:         x, w, b = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:         x_nhwc = x.contiguous(memory_format=torch.channels_last); del x{{$}}
// CHECK-NEXT:         y = _conv(x_nhwc, w, b.contiguous(), [0, 0], [2, 2], [1, 1], 1, 'hardtanh', [0.0, 6.0], ''); del b, w, x_nhwc{{$}}
// CHECK-NEXT:         return (y,)
func.func @main(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x1x1xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %y = dataflow.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "hardtanh", activation_scalars = [0.0 : f64, 6.0 : f64]} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  func.return %y : tensor<1x4x4x4xf32>
}

// -----

// Without convs there is no alias.
// CHECK:      from ramiel import runtime as rt
// CHECK-EMPTY:
// CHECK-NEXT: INPUTS = (
// CHECK-NOT:  _conv
func.func @main(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %y = onnx.Relu(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  func.return %y : tensor<1x3x8x8xf32>
}
