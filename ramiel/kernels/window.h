// What the depthwise convolution and the pooling kernels share: 16-float vectors and a
// 2-D window (sizes, strides, pads, dilations) over a channels-last tensor.

#pragma once

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ramiel {

constexpr int kLanes = 16;
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof(Vec));
  return v;
}

inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof(Vec)); }

// Input height, width and channels, output height and width, kernel, strides, pads and
// dilations, each as (height, width).
struct Geometry {
  int64_t h, w, c, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
};

// The number of windows of `kernel` taps (`dilation` apart) at `stride` along an axis of
// `size` padded by `pad` at both ends; 0 when one window is wider than the padded axis
// (tested before dividing, which rounds a negative quotient toward zero).
inline int64_t windows(int64_t size, int64_t pad, int64_t kernel, int64_t dilation,
                       int64_t stride) {
  const int64_t last_start = size + 2 * pad - dilation * (kernel - 1) - 1;
  return last_start < 0 ? 0 : last_start / stride + 1;
}

// The geometry of a window over `x` (NCHW sizes, channels-last storage); the output size
// is left for the caller.
inline Geometry geometry_of(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride,
                            at::IntArrayRef padding, at::IntArrayRef dilation) {
  Geometry g{};
  g.h = x.size(2);
  g.w = x.size(3);
  g.c = x.size(1);
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.sh = stride[0];
  g.sw = stride[1];
  g.ph = padding[0];
  g.pw = padding[1];
  g.dh = dilation[0];
  g.dw = dilation[1];
  return g;
}

// Taps k in [0, k) with 0 <= start + k * d < size (start = o * s - p): [first, last).
inline void tap_range(int64_t start, int64_t d, int64_t k, int64_t size, int64_t& first,
                      int64_t& last) {
  if (d == 1) {  // no division: it would cost more than the taps of a small window
    first = std::max<int64_t>(0, -start);
    last = std::max(first, std::min(k, size - start));
    return;
  }
  first = start >= 0 ? 0 : (-start + d - 1) / d;
  const int64_t end = size - start;
  last = end <= 0 ? 0 : std::min<int64_t>(k, (end + d - 1) / d);
  first = std::min(first, last);
}

// Calls `group(std::integral_constant<int, N>{}, ox)` for consecutive groups of N output
// columns from `begin` on, N taking each of `kSizes` in turn (largest first) while a
// whole group fits before `end`.
template <int... kSizes, typename Group>
inline void in_groups(int64_t begin, int64_t end, Group group) {
  int64_t ox = begin;
  const auto run = [&](auto size) {
    for (; ox + size() <= end; ox += size()) group(size, ox);
  };
  (run(std::integral_constant<int, kSizes>{}), ...);
}

// One kernel row of a strip of kStrip neighbouring output pixels (stride 1 along x,
// kKw taps, dilation 1): each input vector j (`step` floats apart from `row` on) is
// loaded once for all the outputs it reaches, which take it with `tap(acc[i], v, kx)`.
// Vectors outside [kJ0, kJ1) are not read: at an edge, they are the padding.
template <int kKw, int kStrip, int kJ0 = 0, int kJ1 = kStrip + kKw - 1, typename Tap>
inline void strip_row(const float* row, int64_t step, Vec (&acc)[kStrip], Tap tap) {
  // Unrolled whole, so that acc stays in registers (GCC peels at most 16 by default).
#pragma GCC unroll 32
  for (int j = 0; j < kStrip + kKw - 1; ++j) {
    if (j < kJ0 || j >= kJ1) continue;
    const Vec v = load(row + j * step);
#pragma GCC unroll 8
    for (int kx = 0; kx < kKw; ++kx) {
      if (j >= kx && j - kx < kStrip) tap(acc[j - kx], v, kx);
    }
  }
}

// Output rows [begin, end) (batch * output height of them) of a window kernel:
// `pixel(xn, y, oy, ox)` writes one output pixel, `inner(xn, y, oy, ox0, ox1)` output
// columns [ox0, ox1), whose taps all lie inside the input along x (used where the
// channels fill whole vectors); `xn` is the input of the row's batch item and `y` the
// output of the row's first column.
template <typename Pixel, typename Inner>
inline void for_each_row(const Geometry& g, const float* x, float* y, int64_t begin,
                         int64_t end, Pixel pixel, Inner inner) {
  // Output columns whose taps all lie inside the input: [inner0, inner1).
  const int64_t inner0 = std::min<int64_t>(g.ow, (g.pw + g.sw - 1) / g.sw);
  const int64_t span = (g.kw - 1) * g.dw + 1;
  const int64_t widest = g.w - span + g.pw;  // largest ox * sw with all taps inside
  const int64_t inner1 =
      widest < 0 ? inner0 : std::max(inner0, std::min(g.ow, widest / g.sw + 1));
  const bool vector = g.c % kLanes == 0;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / g.oh, oy = r % g.oh;
    const float* xn = x + n * g.h * g.w * g.c;
    float* yr = y + r * g.ow * g.c;
    int64_t ox = 0;
    for (; ox < inner0; ++ox) pixel(xn, yr + ox * g.c, oy, ox);
    if (vector) {
      inner(xn, yr, oy, ox, inner1);
      ox = inner1;
    }
    for (; ox < g.ow; ++ox) pixel(xn, yr + ox * g.c, oy, ox);
  }
}

}  // namespace ramiel
