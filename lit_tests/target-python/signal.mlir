// RUN: ramiel-opt %s -t python | filecheck %s

// DFT and STFT use torch.fft on torch complex tensors (ONNX's last dim 1 is a real
// signal, 2 a complex one); constant axes, lengths and steps become literals. The
// windows are torch's window functions; MelWeightMatrix calls `rt.mel_weight_matrix`.

// Ops on constants only are built once, in __init__.
// CHECK: self.register_buffer('w', torch.hann_window(16, dtype=torch.float32))
// CHECK: self.register_buffer('w2', torch.blackman_window(16, dtype=torch.float32))
// CHECK: self.register_buffer('m', rt.mel_weight_matrix(8, 16, 8192, 0.0, 4096.0))
// CHECK: def forward
// CHECK: y = torch.view_as_real(torch.fft.rfft(x.squeeze(-1), dim=1))
// CHECK: y1 = torch.fft.irfft(torch.view_as_complex(c.contiguous()), n=10, dim=2).unsqueeze(-1)
// CHECK: y2 = torch.view_as_real(torch.fft.fft(torch.view_as_complex(c.contiguous()), dim=int(axis) % 4))
// CHECK: y3 = torch.view_as_real(torch.fft.ifft(h.float().squeeze(-1), dim=1).resolve_conj()).to(torch.float16)
// CHECK: s = torch.view_as_real(torch.fft.rfft(signal.squeeze(-1).unfold(1, 16, 8) * window, dim=-1))
// CHECK: w1 = torch.hamming_window(int(n), periodic=False, alpha=0.5434782608695652, beta=0.45652173913043476, dtype=torch.float64)
func.func @main(%x: tensor<1x10x10x1xf32>, %c: tensor<1x6x10x2xf32>, %axis: tensor<i64>, %h: tensor<2x8x1xf16>,
                %signal: tensor<1x128x1xf32>, %window: tensor<16xf32>, %n: tensor<i32>)
    -> (tensor<1x6x10x2xf32>, tensor<1x6x10x1xf32>, tensor<?x?x?x2xf32>, tensor<2x8x2xf16>, tensor<1x15x9x2xf32>,
        tensor<16xf32>, tensor<?xf64>, tensor<16xf32>, tensor<9x8xf32>) {
  %one = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %two = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %ten = onnx.Constant() {value = dense<10> : tensor<i64>} : () -> tensor<i64>
  %y = onnx.DFT(%x, none, %one) {onesided = 1 : i64} : (tensor<1x10x10x1xf32>, tensor<i64>) -> tensor<1x6x10x2xf32>
  %y1 = onnx.DFT(%c, %ten, %two) {inverse = 1 : i64, onesided = 1 : i64} : (tensor<1x6x10x2xf32>, tensor<i64>, tensor<i64>) -> tensor<1x6x10x1xf32>
  %y2 = onnx.DFT(%c, none, %axis) : (tensor<1x6x10x2xf32>, tensor<i64>) -> tensor<?x?x?x2xf32>
  %y3 = onnx.DFT(%h, none, %one) {inverse = 1 : i64} : (tensor<2x8x1xf16>, tensor<i64>) -> tensor<2x8x2xf16>
  %step = onnx.Constant() {value = dense<8> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.STFT(%signal, %step, %window) : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>) -> tensor<1x15x9x2xf32>
  %size = onnx.Constant() {value = dense<16> : tensor<i32>} : () -> tensor<i32>
  %w = onnx.HannWindow(%size) : (tensor<i32>) -> tensor<16xf32>
  %w1 = onnx.HammingWindow(%n) {output_datatype = 11 : i64, periodic = 0 : i64} : (tensor<i32>) -> tensor<?xf64>
  %w2 = onnx.BlackmanWindow(%size) : (tensor<i32>) -> tensor<16xf32>
  %bins = onnx.Constant() {value = dense<8> : tensor<i32>} : () -> tensor<i32>
  %rate = onnx.Constant() {value = dense<8192> : tensor<i32>} : () -> tensor<i32>
  %lo = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = onnx.Constant() {value = dense<4096.0> : tensor<f32>} : () -> tensor<f32>
  %m = onnx.MelWeightMatrix(%bins, %size, %rate, %lo, %hi) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<9x8xf32>
  func.return %y, %y1, %y2, %y3, %s, %w, %w1, %w2, %m : tensor<1x6x10x2xf32>, tensor<1x6x10x1xf32>, tensor<?x?x?x2xf32>, tensor<2x8x2xf16>, tensor<1x15x9x2xf32>, tensor<16xf32>, tensor<?xf64>, tensor<16xf32>, tensor<9x8xf32>
}
