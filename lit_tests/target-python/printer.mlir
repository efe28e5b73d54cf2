// The serial PyTorch printer: one line per op, variables named after the values
// (legal and unique), values freed after their last use, small constants built once
// in __init__ together with the ops computed from constants only, weights loaded from the safetensors file the module names, outputs
// returned as a tuple in order. __init__ first sets malloc to keep freed activations for the next call.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK:      from ramiel import runtime as rt
// CHECK:      INPUTS = (
// CHECK-NEXT:     rt.InputSpec('x', torch.float32, (2, 3)),
// CHECK-NEXT:     rt.InputSpec('in', torch.float32, (2, 3)),
// CHECK-NEXT: )
// CHECK:      WEIGHTS = {  # attribute: key in the weights file
// CHECK-NEXT:     'fc_bias': 'fc.bias',
// CHECK-NEXT: }
// CHECK:      class Model(torch.nn.Module):
// CHECK:          def __init__(self, weights: Mapping[str, torch.Tensor] | None = None) -> None:
// CHECK-NEXT:         super().__init__()
// CHECK-NEXT:         rt.tune_malloc()  # keep freed activations for the next call
// CHECK:                  path = Path(__file__).with_name('model.weights.safetensors')
// CHECK:              self.register_buffer('bias', torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32))
// CHECK-NEXT:         self.register_buffer('shifted', self.bias + self.fc_bias)
// CHECK-NOT:          register_buffer('unused'
// CHECK-NOT:          register_buffer('dead'
// CHECK:          def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK-NEXT:         x, in_ = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:         add = x + self.shifted{{$}}
// CHECK-NEXT:         relu = torch.relu(add); del add{{$}}
// CHECK-NEXT:         r = relu + self.fc_bias; del relu  # block1/add{{$}}
// CHECK-NEXT:         r2 = r + in_; del in_{{$}}
// CHECK-NEXT:         class_ = torch.relu(x); del x{{$}}
// CHECK-NEXT:         return (r, r2, class_)

module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @main(%x: tensor<2x3xf32>, %in: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
    %bias = onnx.Constant() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %unused = onnx.Constant() {value = dense<0.0> : tensor<3xf32>} : () -> tensor<3xf32>
    %w = dataflow.weight "fc.bias" : tensor<3xf32>
    %shifted = onnx.Add(%bias, %w) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    %dead = onnx.Relu(%unused) : (tensor<3xf32>) -> tensor<3xf32>
    %0 = onnx.Add(%x, %shifted) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %r = onnx.Add(%1, %w) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("block1/add")
    %r2 = onnx.Add(%r, %in) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    %class = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    func.return %r, %r2, %class : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
  }
}
