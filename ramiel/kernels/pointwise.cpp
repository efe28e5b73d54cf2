// A 1x1 convolution (stride 1, no padding, one group) of a channels-last float32 tensor,
// with its bias, an optional residual addend and an optional ReLU fused in.
//
// Channels-last, it is the matrix product of the pixels (rows of C_in floats) by the
// (C_in, C_out) weight matrix. For NASNet's 1x1 convolutions (0.6M to 1M multiply-adds)
// the generated code used to call permute, reshape, addmm, view, permute and relu_ (or
// add_): six dispatches where this is one, and MKL's sgemm reached 40 GMAC/s on these
// shapes. Here a register tile of R pixels by V 16-float vectors of output channels
// accumulates over C_in; the epilogue adds the bias and the addend and applies the ReLU
// before the one store.
//
// Registered as torch.ops.ramiel.pointwise_conv2d. C_out must be a multiple of 16 (the
// compiler only picks this kernel then).

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "window.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

struct Problem {
  const float* x;    // (pixels, cin)
  const float* w;    // (cin, cout)
  const float* b;    // (cout)
  const float* add;  // (pixels, cout) or null
  float* y;          // (pixels, cout)
  int64_t cin, cout;
  bool relu;
};

// Output pixels [p, p + R) by channels [j, j + V * 16).
template <int R, int V>
inline void tile(const Problem& q, int64_t p, int64_t j) {
  Vec acc[R][V];
  for (int v = 0; v < V; ++v) {
    const Vec bias = load(q.b + j + v * kLanes);
    for (int r = 0; r < R; ++r) acc[r][v] = bias;
  }
  const float* x = q.x + p * q.cin;
  const float* w = q.w + j;
  for (int64_t k = 0; k < q.cin; ++k) {
    Vec wk[V];
    for (int v = 0; v < V; ++v) wk[v] = load(w + k * q.cout + v * kLanes);
    for (int r = 0; r < R; ++r) {
      const Vec xb = x[r * q.cin + k] + Vec{};
      for (int v = 0; v < V; ++v) acc[r][v] += xb * wk[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    const int64_t at = (p + r) * q.cout + j;
    for (int v = 0; v < V; ++v) {
      Vec out = acc[r][v];
      if (q.add != nullptr) out += load(q.add + at + v * kLanes);
      if (q.relu) out = out < 0.0f ? Vec{} : out;
      store(q.y + at + v * kLanes, out);
    }
  }
}

// Pixels [begin, end) by output channels [j, j + V * 16): tiles of R pixels down (one
// pixel at a time for the last few).
template <int V>
void columns(const Problem& q, int64_t begin, int64_t end, int64_t j) {
  constexpr int R = V == 1 ? 8 : 6;
  int64_t p = begin;
  for (; p + R <= end; p += R) tile<R, V>(q, p, j);
  for (; p < end; ++p) tile<1, V>(q, p, j);
}

constexpr int64_t kChunk = 4;  // vectors of output channels in one task (64 channels)
constexpr int64_t kBlock = 24;  // pixels in one task: whole 6- and 8-pixel tiles

// Pixels [begin, end) by the output channels of chunk `chunk`.
void task(const Problem& q, int64_t begin, int64_t end, int64_t chunk) {
  const int64_t first = chunk * kChunk;
  const int64_t j = first * kLanes;
  switch (std::min(kChunk, q.cout / kLanes - first)) {
    case 4:
      columns<4>(q, begin, end, j);
      break;
    case 3:
      columns<3>(q, begin, end, j);
      break;
    case 2:
      columns<2>(q, begin, end, j);
      break;
    default:
      columns<1>(q, begin, end, j);
      break;
  }
}

at::Tensor pointwise_conv2d(const at::Tensor& input, const at::Tensor& matrix,
                            const at::Tensor& bias, const std::optional<at::Tensor>& addend,
                            bool relu) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::pointwise_conv2d: expected a 4-D float32 input, got ", input.sizes(),
              " ", input.scalar_type());
  const int64_t cin = input.size(1);
  TORCH_CHECK(matrix.dim() == 2 && matrix.size(0) == cin && matrix.size(1) % kLanes == 0 &&
                  matrix.scalar_type() == at::kFloat,
              "ramiel::pointwise_conv2d: matrix must be float32 (", cin,
              ", C_out) with C_out a multiple of 16, got ", matrix.sizes());
  const int64_t cout = matrix.size(1);
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == cout && bias.scalar_type() == at::kFloat,
              "ramiel::pointwise_conv2d: bias must be float32 (", cout, "), got ", bias.sizes());
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor w = matrix.contiguous(), b = bias.contiguous();
  const int64_t n = x.size(0), h = x.size(2), wd = x.size(3);
  at::Tensor y =
      at::empty({n, cout, h, wd}, x.options().memory_format(at::MemoryFormat::ChannelsLast));
  at::Tensor a;
  if (addend.has_value()) {
    TORCH_CHECK(addend->sizes() == y.sizes() && addend->scalar_type() == at::kFloat,
                "ramiel::pointwise_conv2d: addend must be float32 ", y.sizes(), ", got ",
                addend->sizes());
    a = addend->contiguous(at::MemoryFormat::ChannelsLast);
  }
  const Problem q{x.const_data_ptr<float>(),
                  w.const_data_ptr<float>(),
                  b.const_data_ptr<float>(),
                  a.defined() ? a.const_data_ptr<float>() : nullptr,
                  y.mutable_data_ptr<float>(),
                  cin,
                  cout,
                  relu};
  const int64_t pixels = n * h * wd;
  // Tasks are (pixel block, channel chunk) pairs, chunks varying fastest so that a thread's
  // consecutive tasks read the same pixels; both dimensions split, so that a 7x7 tensor
  // with many channels still gives every thread work.
  const int64_t chunks = (cout / kLanes + kChunk - 1) / kChunk;
  const int64_t tasks = (pixels + kBlock - 1) / kBlock * chunks;
  const int64_t macs = kBlock * cin * kChunk * kLanes;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(macs, 1));
  at::parallel_for(0, tasks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t first = t / chunks * kBlock;
      task(q, first, std::min(pixels, first + kBlock), t % chunks);
    }
  });
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def(
      "pointwise_conv2d(Tensor input, Tensor matrix, Tensor bias, Tensor? addend, bool relu) "
      "-> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("pointwise_conv2d", &pointwise_conv2d); }
