// A fully connected layer at batch 1: y = x W^T + b (optionally ReLU'd) for a few rows x,
// on a weight laid out at load time in column blocks.
//
// A CNN's classifier runs once per call, at its end, with nothing left to overlap it.
// There F.linear is a cold path (dispatch, MKL's gemv setup): 43 us in NASNet-style's
// head for a 576 -> 10 product that takes 3 us when it is hot. This kernel shares the
// dispatch path of Ramiel's other kernels and is a few hundred bytes of code. The weight
// is (blocks, K, B): block j holds output columns [jB, jB + B) for every input k, zero
// padded past the last column, so each block is one contiguous stream and a thread that
// takes a run of blocks reads a run of memory (ResNet-50's 2048 -> 1000 weight is 8 MB).
//
// Registered as torch.ops.ramiel.linear. The input's elements in their logical order are
// the rows (numel / K of them), so a Flatten or Reshape before the product need not run.

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
  const float* x;  // (rows, k)
  const float* w;  // (blocks, k, width)
  const float* b;  // (n) or null
  float* y;        // (rows, n)
  int64_t rows, k, n, width;
  bool relu;
};

// Block `j` of every row, with kV vectors of output columns held in registers.
template <int kV>
void block(const Problem& p, int64_t j) {
  const float* w = p.w + j * p.k * p.width;
  const int64_t first = j * p.width;
  const int64_t count = std::min(p.width, p.n - first);
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* x = p.x + r * p.k;
    Vec acc[kV] = {};
    for (int64_t i = 0; i < p.k; ++i) {
      const Vec xi = x[i] + Vec{};
      const float* wi = w + i * kV * kLanes;
      for (int v = 0; v < kV; ++v) acc[v] += xi * load(wi + v * kLanes);
    }
    float out[kV * kLanes];
    for (int v = 0; v < kV; ++v) store(out + v * kLanes, acc[v]);
    float* y = p.y + r * p.n + first;
    for (int64_t c = 0; c < count; ++c) {
      float value = out[c] + (p.b != nullptr ? p.b[first + c] : 0.0f);
      y[c] = p.relu && value < 0.0f ? 0.0f : value;  // NaN stays NaN, as torch.relu keeps it
    }
  }
}

using Block = void (*)(const Problem&, int64_t);

Block block_for(int64_t vectors) {
  switch (vectors) {
    case 1:
      return &block<1>;
    case 2:
      return &block<2>;
    case 3:
      return &block<3>;
    case 4:
      return &block<4>;
    case 5:
      return &block<5>;
    case 6:
      return &block<6>;
    case 7:
      return &block<7>;
    default:
      return &block<8>;
  }
}

at::Tensor linear(const at::Tensor& input, const at::Tensor& blocks,
                  const std::optional<at::Tensor>& bias, int64_t out_features, bool relu) {
  TORCH_CHECK(blocks.dim() == 3 && blocks.scalar_type() == at::kFloat && blocks.size(1) > 0,
              "ramiel::linear: expected float32 weight blocks (blocks, K, width), got ",
              blocks.sizes(), " ", blocks.scalar_type());
  const int64_t k = blocks.size(1), width = blocks.size(2);
  TORCH_CHECK(width > 0 && width % kLanes == 0 && width <= 8 * kLanes,
              "ramiel::linear: the block width must be a multiple of ", kLanes, " up to ",
              8 * kLanes, ", got ", width);
  TORCH_CHECK(out_features > 0 && out_features <= blocks.size(0) * width &&
                  out_features > (blocks.size(0) - 1) * width,
              "ramiel::linear: ", blocks.size(0), " blocks of ", width, " columns cannot hold ",
              out_features, " output features");
  TORCH_CHECK(input.scalar_type() == at::kFloat && input.numel() % k == 0,
              "ramiel::linear: expected a float32 input of rows of ", k, " values, got ",
              input.sizes(), " ", input.scalar_type());
  at::Tensor b;
  if (bias.has_value()) {
    TORCH_CHECK(bias->dim() == 1 && bias->size(0) == out_features &&
                    bias->scalar_type() == at::kFloat,
                "ramiel::linear: bias must be a float32 vector of ", out_features,
                " values, got ", bias->sizes(), " ", bias->scalar_type());
    b = bias->contiguous();
  }
  const at::Tensor x = input.reshape({-1, k}).contiguous();
  const at::Tensor w = blocks.contiguous();
  at::Tensor y = at::empty({x.size(0), out_features}, x.options());
  const Problem p{x.const_data_ptr<float>(),
                  w.const_data_ptr<float>(),
                  b.defined() ? b.const_data_ptr<float>() : nullptr,
                  y.mutable_data_ptr<float>(),
                  x.size(0),
                  k,
                  out_features,
                  width,
                  relu};
  const Block run = block_for(width / kLanes);
  const int64_t count = blocks.size(0);
  // A block of a 2048-input layer is 1 MB of weights: split whenever there are two.
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(k * width * p.rows, 1));
  at::parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) run(p, j);
  });
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def("linear(Tensor input, Tensor blocks, Tensor? bias, int out_features, bool relu) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("linear", &linear); }
