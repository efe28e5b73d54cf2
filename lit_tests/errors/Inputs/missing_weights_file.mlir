// A module whose weights file does not exist.
module attributes {dataflow.weights = "does-not-exist.weights.safetensors"} {
  func.func @f() -> tensor<40xf32> {
    %w = dataflow.weight "w" : tensor<40xf32>
    func.return %w : tensor<40xf32>
  }
}
