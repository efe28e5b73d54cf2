// Depthwise 2-D convolution on channels-last float32 tensors, for batch-1 inference.
//
// oneDNN's depthwise kernel runs in about 2 us on the small tensors of a NASNet-style
// model, but PyTorch's call into it costs about 20 us more (descriptors, primitive
// lookup, scratchpad). This kernel has no setup: each output pixel accumulates its taps
// over 16-channel vectors held in registers; where all their taps lie inside the input,
// 8, 6, 4, 2 or 1 pixels at a time in strips (stride 1) or 4 at a time (other strides);
// at the left and right edges of a 3x3, 5x5 or 7x7 window with same padding, in strips
// that skip the padding; else up to 4 channel vectors at a time.
//
// Registered as torch.ops.ramiel.depthwise_conv2d, so TorchScript code calls it too.

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "window.h"

#include <algorithm>
#include <cstdint>

namespace {

using ramiel::Geometry;
using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

// Taps k with 0 <= o * s - p + k * d < size: [first, last).
inline void tap_range(int64_t o, int64_t s, int64_t p, int64_t d, int64_t k, int64_t size,
                      int64_t& first, int64_t& last) {
  ramiel::tap_range(o * s - p, d, k, size, first, last);
}

template <bool kRelu>
inline Vec finish(Vec v) {
  if constexpr (kRelu) {
    const Vec zero = {};
    return v > zero ? v : zero;
  }
  return v;
}

template <bool kRelu>
inline float finish(float v) {
  return kRelu ? std::max(v, 0.0f) : v;
}

// B vectors of channels from c on, for one output pixel, taps clipped to the input: B
// independent accumulators, so that the multiply-adds of a tap do not wait on each other.
template <int B, bool kRelu>
inline void pixel_block(const Geometry& g, const float* x, const float* w, const float* b,
                        float* y, int64_t iy, int64_t ix, int64_t ky0, int64_t ky1, int64_t kx0,
                        int64_t kx1, int64_t c) {
  Vec acc[B];
  for (int i = 0; i < B; ++i) acc[i] = load(b + c + i * kLanes);
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
    const float* taps = w + ky * g.kw * g.c + c;
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const float* p = row + kx * g.dw * g.c;
      const float* t = taps + kx * g.c;
      for (int i = 0; i < B; ++i) acc[i] += load(p + i * kLanes) * load(t + i * kLanes);
    }
  }
  for (int i = 0; i < B; ++i) store(y + c + i * kLanes, finish<kRelu>(acc[i]));
}

// One output pixel, all channels, taps clipped to the input.
template <bool kRelu>
void pixel(const Geometry& g, const float* x, const float* w, const float* b, float* y,
           int64_t oy, int64_t ox) {
  int64_t ky0, ky1, kx0, kx1;
  tap_range(oy, g.sh, g.ph, g.dh, g.kh, g.h, ky0, ky1);
  tap_range(ox, g.sw, g.pw, g.dw, g.kw, g.w, kx0, kx1);
  const int64_t iy = oy * g.sh - g.ph, ix = ox * g.sw - g.pw;
  int64_t c = 0;
  for (; c + 4 * kLanes <= g.c; c += 4 * kLanes) {
    pixel_block<4, kRelu>(g, x, w, b, y, iy, ix, ky0, ky1, kx0, kx1, c);
  }
  for (; c + 2 * kLanes <= g.c; c += 2 * kLanes) {
    pixel_block<2, kRelu>(g, x, w, b, y, iy, ix, ky0, ky1, kx0, kx1, c);
  }
  for (; c + kLanes <= g.c; c += kLanes) {
    pixel_block<1, kRelu>(g, x, w, b, y, iy, ix, ky0, ky1, kx0, kx1, c);
  }
  for (; c < g.c; ++c) {
    float acc = b[c];
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      for (int64_t kx = kx0; kx < kx1; ++kx) {
        acc += x[((iy + ky * g.dh) * g.w + ix + kx * g.dw) * g.c + c] *
               w[(ky * g.kw + kx) * g.c + c];
      }
    }
    y[c] = finish<kRelu>(acc);
  }
}

// Four neighbouring output pixels whose taps all lie inside the input along x: each
// weight vector is loaded once for the four.
template <bool kRelu>
void quad(const Geometry& g, const float* x, const float* w, const float* b, float* y,
          int64_t oy, int64_t ox) {
  int64_t ky0, ky1;
  tap_range(oy, g.sh, g.ph, g.dh, g.kh, g.h, ky0, ky1);
  const int64_t iy = oy * g.sh - g.ph, ix = ox * g.sw - g.pw;
  const int64_t step = g.sw * g.c;
  for (int64_t c = 0; c < g.c; c += kLanes) {
    const Vec bias = load(b + c);
    Vec a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
      const float* taps = w + ky * g.kw * g.c + c;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const Vec t = load(taps + kx * g.c);
        const float* p = row + kx * g.dw * g.c;
        a0 += load(p) * t;
        a1 += load(p + step) * t;
        a2 += load(p + 2 * step) * t;
        a3 += load(p + 3 * step) * t;
      }
    }
    store(y + c, finish<kRelu>(a0));
    store(y + g.c + c, finish<kRelu>(a1));
    store(y + 2 * g.c + c, finish<kRelu>(a2));
    store(y + 3 * g.c + c, finish<kRelu>(a3));
  }
}

// kStrip neighbouring output pixels of a convolution with a kernel kKw wide, stride 1 and
// dilation 1 along x: each input vector of a kernel row is loaded once for all the
// outputs it reaches, and the row's kKw weight vectors once for the strip (3x3, 8 pixels:
// 13 loads for 24 multiply-adds, where `quad` makes 15 loads for 12). Inner strips read
// all their input columns; an edge strip only [kJ0, kJ1), the others being padding
// (pixel by pixel, the edges took 20% of a 5x5 convolution's time at 32x32x32 and 45%
// of a 7x7 one's at 16x16x64).
template <int kKw, int kStrip, bool kRelu, int kJ0 = 0, int kJ1 = kStrip + kKw - 1>
void strip(const Geometry& g, const float* x, const float* w, const float* b, float* y,
           int64_t oy, int64_t ox) {
  int64_t ky0, ky1;
  tap_range(oy, g.sh, g.ph, g.dh, g.kh, g.h, ky0, ky1);
  const int64_t iy = oy * g.sh - g.ph, ix = ox - g.pw;
  for (int64_t c = 0; c < g.c; c += kLanes) {
    Vec acc[kStrip];
    const Vec bias = load(b + c);
    for (int i = 0; i < kStrip; ++i) acc[i] = bias;
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
      const float* taps = w + ky * kKw * g.c + c;
      Vec t[kKw];
      for (int kx = 0; kx < kKw; ++kx) t[kx] = load(taps + kx * g.c);
      ramiel::strip_row<kKw, kStrip, kJ0, kJ1>(row, g.c, acc,
                                               [&](Vec& a, Vec v, int kx) { a += v * t[kx]; });
    }
    for (int i = 0; i < kStrip; ++i) store(y + i * g.c + c, finish<kRelu>(acc[i]));
  }
}

// The left and right edges of an output row, kPad = (kKw - 1) / 2 columns each (same
// padding), as strips whose skipped loads are known at compile time.
template <int kKw, bool kRelu>
inline void edges(const Geometry& g, const float* x, const float* w, const float* b, float* y,
                  int64_t oy) {
  constexpr int kPad = (kKw - 1) / 2;
  constexpr int kSpan = kPad + kKw - 1;
  strip<kKw, kPad, kRelu, kPad, kSpan>(g, x, w, b, y, oy, 0);
  const int64_t right = g.ow - kPad;
  strip<kKw, kPad, kRelu, 0, kKw - 1>(g, x, w, b, y + right * g.c, oy, right);
}

// Output rows [begin, end): where the kernel is 3, 5 or 7 wide (kKw) with stride and
// dilation 1 along x, inner columns in strips (sizes 6 and 2 leave no single-pixel strip,
// whose one accumulator waits on each multiply-add: 3x3 at 32x32x32 went from 11.7 to
// 10.5 us) and, with same padding, the edges in strips that skip the padding; else inner
// columns four at a time (kKw 0; strips gained nothing at stride 2) and edges pixel by
// pixel. Flattened: with seven variants GCC stopped inlining the pixel helpers, and the
// 7x7 stride-2 case took 34 us where it takes 28.
template <int kKw, bool kRelu>
[[gnu::flatten]] void rows(const Geometry& g, const float* x, const float* w, const float* b,
                           float* y, int64_t begin, int64_t end) {
  if constexpr (kKw != 0) {
    constexpr int kPad = (kKw - 1) / 2;
    if (g.c % kLanes == 0 && g.pw == kPad && g.w == g.ow && g.w >= kKw) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / g.oh, oy = r % g.oh;
        const float* xn = x + n * g.h * g.w * g.c;
        float* yr = y + r * g.ow * g.c;
        edges<kKw, kRelu>(g, xn, w, b, yr, oy);
        ramiel::in_groups<8, 6, 4, 2, 1>(kPad, g.ow - kPad, [&](auto size, int64_t ox) {
          strip<kKw, size(), kRelu>(g, xn, w, b, yr + ox * g.c, oy, ox);
        });
      }
      return;
    }
  }
  ramiel::for_each_row(
      g, x, y, begin, end,
      [&](const float* xn, float* yp, int64_t oy, int64_t ox) {
        pixel<kRelu>(g, xn, w, b, yp, oy, ox);
      },
      [&](const float* xn, float* yr, int64_t oy, int64_t ox0, int64_t ox1) {
        if constexpr (kKw == 0) {
          int64_t ox = ox0;
          for (; ox + 4 <= ox1; ox += 4) quad<kRelu>(g, xn, w, b, yr + ox * g.c, oy, ox);
          for (; ox < ox1; ++ox) pixel<kRelu>(g, xn, w, b, yr + ox * g.c, oy, ox);
        } else {
          ramiel::in_groups<8, 6, 4, 2, 1>(ox0, ox1, [&](auto size, int64_t ox) {
            strip<kKw, size(), kRelu>(g, xn, w, b, yr + ox * g.c, oy, ox);
          });
        }
      });
}

using Rows = void (*)(const Geometry&, const float*, const float*, const float*, float*,
                     int64_t, int64_t);

// The rows function for `g`; picked once per call, so that each variant is compiled (and
// inlined into) on its own.
template <bool kRelu>
Rows rows_for(const Geometry& g) {
  if (g.sw == 1 && g.dw == 1) {
    switch (g.kw) {
      case 3:
        return &rows<3, kRelu>;
      case 5:
        return &rows<5, kRelu>;
      case 7:
        return &rows<7, kRelu>;
      default:
        break;
    }
  }
  return &rows<0, kRelu>;
}

at::Tensor depthwise_conv2d(const at::Tensor& input, const at::Tensor& taps,
                            const at::Tensor& bias, at::IntArrayRef kernel,
                            at::IntArrayRef stride, at::IntArrayRef padding,
                            at::IntArrayRef dilation, bool relu) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::depthwise_conv2d: expected a 4-D float32 input, got ", input.sizes(),
              " ", input.scalar_type());
  TORCH_CHECK(kernel.size() == 2 && stride.size() == 2 && padding.size() == 2 &&
                  dilation.size() == 2,
              "ramiel::depthwise_conv2d: kernel, stride, padding and dilation take 2 values");
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  Geometry g = ramiel::geometry_of(x, kernel, stride, padding, dilation);
  TORCH_CHECK(taps.numel() == g.kh * g.kw * g.c && taps.is_contiguous() &&
                  taps.scalar_type() == at::kFloat,
              "ramiel::depthwise_conv2d: taps must be a contiguous float32 (", g.kh, ", ", g.kw,
              ", ", g.c, ") tensor");
  TORCH_CHECK(bias.numel() == g.c && bias.is_contiguous() && bias.scalar_type() == at::kFloat,
              "ramiel::depthwise_conv2d: bias must be a contiguous float32 (", g.c, ") tensor");
  g.oh = ramiel::windows(g.h, g.ph, g.kh, g.dh, g.sh);
  g.ow = ramiel::windows(g.w, g.pw, g.kw, g.dw, g.sw);
  TORCH_CHECK(g.oh > 0 && g.ow > 0, "ramiel::depthwise_conv2d: the output would be empty");
  const int64_t batch = x.size(0);
  at::Tensor y = at::empty({batch, g.c, g.oh, g.ow},
                           x.options().memory_format(at::MemoryFormat::ChannelsLast));
  const float* xp = x.const_data_ptr<float>();
  const float* wp = taps.const_data_ptr<float>();
  const float* bp = bias.const_data_ptr<float>();
  float* yp = y.mutable_data_ptr<float>();
  const int64_t work = g.ow * g.c * g.kh * g.kw;  // multiply-adds per output row
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(work, 1));
  const Rows run = relu ? rows_for<true>(g) : rows_for<false>(g);
  at::parallel_for(0, batch * g.oh, grain,
                   [&](int64_t begin, int64_t end) { run(g, xp, wp, bp, yp, begin, end); });
  return y;
}

}  // namespace

TORCH_LIBRARY(ramiel, m) {
  m.def(
      "depthwise_conv2d(Tensor input, Tensor taps, Tensor bias, int[2] kernel, int[2] stride, "
      "int[2] padding, int[2] dilation, bool relu) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("depthwise_conv2d", &depthwise_conv2d); }
