// Local response normalization across channels (ONNX LRN) of a 4-D float32 tensor, in
// one pass over channels-last pixels:
//   y = x / (bias + alpha / size * sum of x^2 over the channel window)^beta,
// the window of channel c being [c - (size - 1) / 2, c + size / 2], clipped to the tensor.
//
// GoogLeNet runs two of them, on 64x56x56 and 192x28x28 tensors, early on its critical
// path. PyTorch has no LRN kernel: `rt.lrn` builds it from a pad, `size` shifted adds and
// a pow (900 us each on two threads in the model). Here each pixel's squares go to a
// zero-padded row, the window sums are `size` unaligned vector loads per 16 channels, and
// beta = 0.75 (every ImageNet model that uses LRN), 0.5 and 1 take square roots and a
// division instead of pow; another beta calls std::pow per value.
//
// Registered as torch.ops.ramiel.lrn. The output is channels-last whatever the input's
// layout.

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/util/SmallVector.h>
#include <torch/library.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "window.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

enum class Power { kThreeQuarters, kHalf, kOne, kAny };

inline Vec sqrt_of(Vec v) {
#if defined(__AVX512F__)
  return (Vec)_mm512_sqrt_ps((__m512)v);
#else
  Vec out;
  for (int i = 0; i < kLanes; ++i) out[i] = std::sqrt(v[i]);
  return out;
#endif
}

// t^-beta for the fast betas.
template <Power kPower>
inline Vec inverse_power(Vec t) {
  if constexpr (kPower == Power::kThreeQuarters) {
    const Vec root = sqrt_of(t);
    return 1.0f / (root * sqrt_of(root));
  } else if constexpr (kPower == Power::kHalf) {
    return 1.0f / sqrt_of(t);
  } else {
    return 1.0f / t;
  }
}

struct Problem {
  const float* x;  // (pixels, c)
  float* y;        // (pixels, c)
  int64_t c, size, back;
  float scale, bias, beta;  // scale = alpha / size
};

// Pixels [begin, end); `squares` holds c + size - 1 floats, zero at both ends.
template <Power kPower>
void pixels(const Problem& p, float* squares, int64_t begin, int64_t end) {
  float* sq = squares + p.back;
  for (int64_t px = begin; px < end; ++px) {
    const float* x = p.x + px * p.c;
    float* y = p.y + px * p.c;
    for (int64_t k = 0; k < p.c; ++k) sq[k] = x[k] * x[k];
    int64_t k = 0;
    for (; k + kLanes <= p.c; k += kLanes) {
      Vec sum = load(squares + k);
      for (int64_t i = 1; i < p.size; ++i) sum += load(squares + k + i);
      const Vec t = p.bias + p.scale * sum;
      Vec factor;
      if constexpr (kPower == Power::kAny) {
        for (int l = 0; l < kLanes; ++l) factor[l] = std::pow(t[l], -p.beta);
      } else {
        factor = inverse_power<kPower>(t);
      }
      store(y + k, load(x + k) * factor);
    }
    for (; k < p.c; ++k) {
      float sum = 0.0f;
      for (int64_t i = 0; i < p.size; ++i) sum += squares[k + i];
      const float t = p.bias + p.scale * sum;
      float factor;
      if constexpr (kPower == Power::kAny) {
        factor = std::pow(t, -p.beta);
      } else {
        factor = inverse_power<kPower>(t + Vec{})[0];
      }
      y[k] = x[k] * factor;
    }
  }
}

at::Tensor lrn(const at::Tensor& input, int64_t size, double alpha, double beta, double bias) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::lrn: expected a 4-D float32 input, got ", input.sizes(), " ",
              input.scalar_type());
  TORCH_CHECK(size > 0, "ramiel::lrn: size must be positive, got ", size);
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::ChannelsLast));
  const Problem p{x.const_data_ptr<float>(),
                  y.mutable_data_ptr<float>(),
                  x.size(1),
                  size,
                  (size - 1) / 2,
                  static_cast<float>(alpha / static_cast<double>(size)),
                  static_cast<float>(bias),
                  static_cast<float>(beta)};
  const Power power = beta == 0.75 ? Power::kThreeQuarters
                      : beta == 0.5 ? Power::kHalf
                      : beta == 1.0 ? Power::kOne
                                    : Power::kAny;
  const int64_t count = x.size(0) * x.size(2) * x.size(3);
  const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(p.c * size, 1));
  at::parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
    // The window's padding stays zero: only [back, back + c) is written.
    c10::SmallVector<float, 1024> squares(static_cast<size_t>(p.c + size - 1), 0.0f);
    switch (power) {
      case Power::kThreeQuarters:
        pixels<Power::kThreeQuarters>(p, squares.data(), begin, end);
        break;
      case Power::kHalf:
        pixels<Power::kHalf>(p, squares.data(), begin, end);
        break;
      case Power::kOne:
        pixels<Power::kOne>(p, squares.data(), begin, end);
        break;
      case Power::kAny:
        pixels<Power::kAny>(p, squares.data(), begin, end);
        break;
    }
  });
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def("lrn(Tensor input, int size, float alpha, float beta, float bias) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("lrn", &lrn); }
