// A weight op in a module that names no weights file.
func.func @f() -> tensor<40xf32> {
  %w = dataflow.weight "w" : tensor<40xf32>
  func.return %w : tensor<40xf32>
}
