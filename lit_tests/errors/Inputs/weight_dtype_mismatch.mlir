// Declares fc.weight (stored as f32 4x8) as f16.
module attributes {dataflow.weights = "model.weights.safetensors"} {
  func.func @f() -> tensor<4x8xf16> {
    %a = dataflow.weight "fc.weight" : tensor<4x8xf16>
    func.return %a : tensor<4x8xf16>
  }
}
