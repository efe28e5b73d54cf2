// The clock of traced builds: `trace_tick(ticks, worker, op)` appends the row (worker,
// op, CLOCK_MONOTONIC in ns) to an int64 tensor laid out as [count, rows...]. TorchScript
// has no clock, and without one a traced build had to run its workers as Python threads,
// whose Gantt chart is not the compiled run's. Workers tick at once from several threads:
// the count is claimed atomically; rows past the tensor's end are counted, not written.
//
// Registered as torch.ops.ramiel.trace_tick; `rt.tick_buffer(rows)` makes the tensor and
// `ramiel.runtime.trace_spans` reads it.

#include <ATen/core/Tensor.h>
#include <torch/library.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace {

void trace_tick(const at::Tensor& ticks, int64_t worker, int64_t op) {
  TORCH_CHECK(ticks.dim() == 1 && ticks.scalar_type() == at::kLong && ticks.is_contiguous() &&
                  ticks.numel() >= 1,
              "ramiel::trace_tick: expected a contiguous 1-D int64 tensor [count, rows...], got ",
              ticks.sizes(), " ", ticks.scalar_type());
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // Python's time.monotonic_ns and perf_counter
  int64_t* data = ticks.data_ptr<int64_t>();
  const int64_t row = std::atomic_ref<int64_t>(data[0]).fetch_add(1, std::memory_order_relaxed);
  if (row >= (ticks.numel() - 1) / 3) return;
  int64_t* at = data + 1 + 3 * row;
  at[0] = worker;
  at[1] = op;
  at[2] = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def("trace_tick(Tensor(a!) ticks, int worker, int op) -> ()", &trace_tick);
}
