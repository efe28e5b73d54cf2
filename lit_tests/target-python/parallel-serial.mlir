// When the schedule's estimated gain is below 1.1x the printer writes serial code and says
// why: one worker method, `_worker_0`, that `rt.Workers` runs on the calling thread
// (TorchScript-compiled where it compiles). When the clusters use one worker, the serial
// code is `forward` itself.

// RUN: ramiel-opt %s -p 'cluster{workers=2 edge-cost=30}' -t python --split-input-file | filecheck %s

// c (60 us) beside b (1000 us): makespan 1110 against T1 1170, a gain of 1.05x.
// CHECK-LABEL: class Model(torch.nn.Module):
// CHECK:           self.exchange = rt.Exchange(0)
// CHECK-NEXT:      self.workers = rt.Workers(self, ('_worker_0',))
// CHECK:       def _worker_0(self, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
// CHECK-NEXT:      """Every op in order, on the calling thread."""
// CHECK-NEXT:      # Serial: on 2 workers the schedule's estimated gain is 1.05x (T1 1,170 us, makespan 1,110
// CHECK-NEXT:      # us), below the 1.10x that pays for running clusters on threads.
// CHECK-NEXT:      x = inputs[0]
// CHECK-NEXT:      a = torch.relu(x); del x
// CHECK-NEXT:      b = torch.sigmoid(a)
// CHECK-NEXT:      c = torch.tanh(a); del a
// CHECK-NEXT:      d = b + c; del b, c
// CHECK-NEXT:      return [d]
// CHECK:       def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK-NEXT:      (x,) = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:      (d,) = self.workers.run([x])
// CHECK-NEXT:      return (d,)
func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Relu(%x) {dataflow.cost_us = 100.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%a) {dataflow.cost_us = 1000.0} : (tensor<3xf32>) -> tensor<3xf32>
  %c = onnx.Tanh(%a) {dataflow.cost_us = 60.0} : (tensor<3xf32>) -> tensor<3xf32>
  %d = onnx.Add(%b, %c) {dataflow.cost_us = 10.0} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %d : tensor<3xf32>
}

// -----

// CHECK-LABEL: class Model(torch.nn.Module):
// CHECK-NOT:       rt.Workers
// CHECK:       def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK-NEXT:      (x,) = rt.check_inputs(inputs, INPUTS)
// CHECK-NEXT:      # Serial: the schedule uses one worker.
// CHECK-NEXT:      a = torch.relu(x); del x
// CHECK-NEXT:      b = torch.sigmoid(a); del a
// CHECK-NEXT:      return (b,)
func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = onnx.Relu(%x) {dataflow.cost_us = 100.0} : (tensor<3xf32>) -> tensor<3xf32>
  %b = onnx.Sigmoid(%a) {dataflow.cost_us = 1000.0} : (tensor<3xf32>) -> tensor<3xf32>
  func.return %b : tensor<3xf32>
}
