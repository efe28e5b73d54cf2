// RUN: ramiel-opt %s -t python | filecheck %s

// The elementwise family: operators and torch calls, scalar constants as literals,
// uint widening, casts and quantization helpers.

// CHECK:         x, y, u, v, b, i = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:    add = x + y
// CHECK-NEXT:    scaled = add * 0.5
// CHECK-NEXT:    leaky = F.leaky_relu(scaled, 0.1)
// CHECK-NEXT:    clipped = leaky.clamp(0.0, 6.0)
// CHECK-NEXT:    gelu = F.gelu(clipped, approximate="tanh")
// CHECK-NEXT:    hsig = (gelu * 0.2 + 0.5).clamp(0.0, 1.0)
// CHECK-NEXT:    usum = (u.long() + v.long()).to(torch.uint32)
// CHECK-NEXT:    less = x < y
// CHECK-NEXT:    both = less & b
// CHECK-NEXT:    sel = torch.where(both, x, 0.0)
// CHECK-NEXT:    quot = torch.div(i, 3, rounding_mode="trunc")
// CHECK-NEXT:    rem = torch.remainder(i, 3)
// CHECK-NEXT:    half = sel.to(torch.float16)
// CHECK-NEXT:    f8 = hsig.clamp(-448.0, 448.0).to(torch.float8_e4m3fn)
// CHECK-NEXT:    q = rt.quantize_linear(x, self.scale, self.zero, torch.uint8)
// CHECK-NEXT:    mx = torch.maximum(torch.maximum(x, y), gelu)
func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %u: tensor<4xui32>, %v: tensor<4xui32>, %b: tensor<2x3xi1>, %i: tensor<5xi64>) -> (tensor<2x3xf32>, tensor<4xui32>, tensor<2x3xf16>, tensor<2x3xf8E4M3FN>, tensor<5xi64>, tensor<5xi64>, tensor<2x3xui8>, tensor<2x3xf32>) {
  %half_c = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %zero_f = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %three = onnx.Constant() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %lo = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %scale = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %zero = onnx.Constant() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %add = onnx.Add(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %scaled = onnx.Mul(%add, %half_c) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %leaky = onnx.LeakyRelu(%scaled) {alpha = 1.000000e-01 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %clipped = onnx.Clip(%leaky, %lo, %hi) : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  %gelu = onnx.Gelu(%clipped) {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %hsig = onnx.HardSigmoid(%gelu) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %usum = onnx.Add(%u, %v) : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  %less = onnx.Less(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  %both = onnx.And(%less, %b) : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  %sel = onnx.Where(%both, %x, %zero_f) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %quot = onnx.Div(%i, %three) : (tensor<5xi64>, tensor<i64>) -> tensor<5xi64>
  %rem = onnx.Mod(%i, %three) : (tensor<5xi64>, tensor<i64>) -> tensor<5xi64>
  %half = onnx.Cast(%sel) {to = 10 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %f8 = onnx.Cast(%hsig) {to = 17 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf8E4M3FN>
  %q = onnx.QuantizeLinear(%x, %scale, %zero) : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  %mx = onnx.Max(%x, %y, %gelu) : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %hsig, %usum, %half, %f8, %quot, %rem, %q, %mx : tensor<2x3xf32>, tensor<4xui32>, tensor<2x3xf16>, tensor<2x3xf8E4M3FN>, tensor<5xi64>, tensor<5xi64>, tensor<2x3xui8>, tensor<2x3xf32>
}
