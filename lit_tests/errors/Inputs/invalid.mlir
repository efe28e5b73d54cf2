func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.Relu(%x) {bogus = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
