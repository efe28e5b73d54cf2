// RUN: ramiel-opt %s -t python | filecheck %s

// RNN, GRU and LSTM call `rt.rnn`, `rt.gru`, `rt.lstm`, which return every output;
// absent optional inputs in the middle are `None`, trailing ones are dropped, and
// only non-default attributes are passed. Trailing absent outputs are sliced off.

// CHECK: Y, Y_h = rt.rnn(X, W, R, B, activations=('Relu',), clip=2.5)
// CHECK: Y1, Y_h1 = rt.gru(X_b, W_g, R_g, None, None, h0, direction='bidirectional', layout=1, linear_before_reset=1)
// CHECK: _, Y_h2 = rt.lstm(X, W_l, R_l, B_l, lens)[:2]
// CHECK: _, Y_h3, Y_c = rt.lstm(X, W_l, R_l, None, None, None, None, P, direction='reverse', activations=('HardSigmoid', 'Tanh', 'Affine'), activation_alpha=(0.2, 0.5), activation_beta=(0.5, 0.1), input_forget=1)
func.func @main(%X: tensor<4x2x3xf32>, %W: tensor<1x5x3xf32>, %R: tensor<1x5x5xf32>, %B: tensor<1x10xf32>,
                %X_b: tensor<2x4x3xf32>, %W_g: tensor<2x15x3xf32>, %R_g: tensor<2x15x5xf32>, %h0: tensor<2x2x5xf32>,
                %W_l: tensor<1x20x3xf32>, %R_l: tensor<1x20x5xf32>, %B_l: tensor<1x40xf32>, %lens: tensor<2xi32>, %P: tensor<1x15xf32>)
    -> (tensor<4x1x2x5xf32>, tensor<1x2x5xf32>, tensor<2x4x2x5xf32>, tensor<2x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) {
  %Y, %Y_h = onnx.RNN(%X, %W, %R, %B) {activations = ["Relu"], clip = 2.5 : f32, hidden_size = 5 : i64} : (tensor<4x2x3xf32>, tensor<1x5x3xf32>, tensor<1x5x5xf32>, tensor<1x10xf32>) -> (tensor<4x1x2x5xf32>, tensor<1x2x5xf32>)
  %Y1, %Y_h1 = onnx.GRU(%X_b, %W_g, %R_g, none, none, %h0) {direction = "bidirectional", hidden_size = 5 : i64, layout = 1 : i64, linear_before_reset = 1 : i64} : (tensor<2x4x3xf32>, tensor<2x15x3xf32>, tensor<2x15x5xf32>, tensor<2x2x5xf32>) -> (tensor<2x4x2x5xf32>, tensor<2x2x5xf32>)
  %Y_h2 = onnx.LSTM(%X, %W_l, %R_l, %B_l, %lens) {hidden_size = 5 : i64, resultSegmentSizes = array<i32: 0, 1, 0>} : (tensor<4x2x3xf32>, tensor<1x20x3xf32>, tensor<1x20x5xf32>, tensor<1x40xf32>, tensor<2xi32>) -> tensor<1x2x5xf32>
  %Y_h3, %Y_c = onnx.LSTM(%X, %W_l, %R_l, none, none, none, none, %P) {activation_alpha = array<f32: 0.2, 0.5>, activation_beta = array<f32: 0.5, 0.1>, activations = ["HardSigmoid", "Tanh", "Affine"], direction = "reverse", hidden_size = 5 : i64, input_forget = 1 : i64, resultSegmentSizes = array<i32: 0, 1, 1>} : (tensor<4x2x3xf32>, tensor<1x20x3xf32>, tensor<1x20x5xf32>, tensor<1x15xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x5xf32>)
  func.return %Y, %Y_h, %Y1, %Y_h1, %Y_h2, %Y_h3, %Y_c : tensor<4x1x2x5xf32>, tensor<1x2x5xf32>, tensor<2x4x2x5xf32>, tensor<2x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>
}
