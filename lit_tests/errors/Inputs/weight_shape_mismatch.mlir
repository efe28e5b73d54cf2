// Declares fc.weight (stored as f32 4x8) as f32 8x4.
module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @f() -> tensor<8x4xf32> {
    %a = dataflow.weight "fc.weight" : tensor<8x4xf32>
    func.return %a : tensor<8x4xf32>
  }
}
