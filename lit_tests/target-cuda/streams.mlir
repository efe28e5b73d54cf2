// GPU code (`-t cuda`) after the `streams` pass: ops on their streams in launch order,
// events only on cross-stream edges and only where no earlier wait covers them, side
// streams forked from and joined to stream 0, and a forward that captures `launch` in a
// CUDA Graph once per input shape and replays it.
//
// The plan (by hand, all ops move the same bytes, so the bottom level orders them): %a;
// %c before %b (its path %c -> %e -> %d is longer), %c takes %a's stream 0, %e follows
// on 0; %b finds %a's stream handed on and opens stream 1; %d takes %b's stream 1.
// Cross-stream edges: %a -> %b (wait), %e -> %d (wait), %a -> %d (already covered by the
// wait before %b: no second wait). Same-stream edges (%a -> %c, %c -> %e, %b -> %d) get
// no events. %c is read on its own stream only and is freed after its last use; %a and
// %e are read on another stream and stay alive until `launch` returns.

// RUN: ramiel-opt %s -p streams -t cuda | filecheck %s
// RUN: ramiel-opt %s -p streams -t cuda -o %t.py && %python -m py_compile %t.py
// RUN: ramiel-opt %s -t cuda | filecheck %s --check-prefix=ONE

// CHECK-LABEL: class Model(torch.nn.Module):
// CHECK:         self.device = torch.device(device)
// CHECK-NEXT:    rt.require_cuda(self.device)
// CHECK:         self.to(self.device)
// CHECK:         self.streams = [torch.cuda.Stream(self.device) for _ in range(1)]
// CHECK-NEXT:    self.capture_stream = torch.cuda.Stream(self.device)

// CHECK-LABEL: def launch(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK:         s0 = torch.cuda.current_stream(self.device)
// CHECK-NEXT:    (s1,) = self.streams
// CHECK-NEXT:    # Side streams start after the work queued on s0 (the inputs).
// CHECK-NEXT:    s1.wait_stream(s0)
// CHECK-NEXT:    a = torch.relu(x)
// CHECK-NEXT:    a_done = torch.cuda.Event()
// CHECK-NEXT:    a_done.record(s0)
// CHECK-NEXT:    c = torch.sigmoid(a)
// CHECK-NEXT:    e = c + a; del c
// CHECK-NEXT:    e_done = torch.cuda.Event()
// CHECK-NEXT:    e_done.record(s0)
// CHECK-NEXT:    with torch.cuda.stream(s1):
// CHECK-NEXT:        s1.wait_event(a_done)
// CHECK-NEXT:        b = -a
// CHECK-NEXT:        s1.wait_event(e_done)
// CHECK-NEXT:        d = b + e + a; del b
// CHECK-NEXT:    # A capture must join every stream it forked.
// CHECK-NEXT:    s0.wait_stream(s1)
// CHECK-NEXT:    return (d,)

// CHECK-LABEL: def capture(self, inputs: Sequence[torch.Tensor]) -> rt.CapturedGraph:
// CHECK:         static = [x.to(self.device, copy=True) for x in inputs]
// CHECK:         stream = self.capture_stream
// CHECK:         with torch.cuda.stream(stream):
// CHECK:             self.launch(*static)
// CHECK:         graph = torch.cuda.CUDAGraph()
// CHECK-NEXT:    with torch.cuda.graph(graph, stream=stream):
// CHECK-NEXT:        outputs = self.launch(*static)
// CHECK-NEXT:    return rt.CapturedGraph(graph, static, outputs)

// CHECK-LABEL: def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
// CHECK:         graph = self.graphs.get(key)
// CHECK-NEXT:    if graph is None:
// CHECK-NEXT:        graph = self.graphs[key] = self.capture(checked)
// CHECK-NEXT:    return graph.run(checked, self.copy_outputs)

// Without the pass every op is on stream 0: no side streams, no events.
// ONE-LABEL: def launch(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
// ONE:         s0 = torch.cuda.current_stream(self.device)
// ONE-NEXT:    a = torch.relu(x)
// ONE-NOT:     torch.cuda.Event
// ONE-NOT:     self.streams
// ONE:         return (d,)

func.func @main(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %a = onnx.Relu(%x) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %b = onnx.Neg(%a) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %c = onnx.Sigmoid(%a) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %e = onnx.Add(%c, %a) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %d = onnx.Sum(%b, %e, %a) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  func.return %d : tensor<1x8x16x16xf32>
}
