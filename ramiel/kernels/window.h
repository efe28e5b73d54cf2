// What the depthwise convolution and the pooling kernels share: 16-float vectors and a
// 2-D window (sizes, strides, pads, dilations) over a channels-last tensor.

#pragma once

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

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

// Output columns whose taps all lie inside the input along x: [first, last).
inline void inner_columns(const Geometry& g, int64_t& first, int64_t& last) {
  first = std::min<int64_t>(g.ow, (g.pw + g.sw - 1) / g.sw);
  const int64_t span = (g.kw - 1) * g.dw + 1;
  const int64_t widest = g.w - span + g.pw;  // largest ox * sw with all taps inside
  last = widest < 0 ? first : std::max(first, std::min(g.ow, widest / g.sw + 1));
}

}  // namespace ramiel
