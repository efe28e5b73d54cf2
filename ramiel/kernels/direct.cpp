// A direct 2-D convolution of an image with few input channels (a CNN's stem, RGB in),
// read in NCHW order as the caller gives it and written channels-last, with its bias and
// an optional ReLU.
//
// The stem is the first op of a call, so nothing overlaps it, and there oneDNN is a cold
// path: the input's conversion to channels-last and the convolution took 24 and 133 us
// in NASNet-style's model (3 -> 32 channels, 3x3, stride 2, 64x64), 9 and 64 us when
// hot. Here a register tile of R output pixels by V 16-float vectors of output channels
// accumulates over the taps (input channel, ky, kx): each tap broadcasts one input value
// per pixel against V weight vectors. Pixels whose windows lie inside the image along x
// skip the bounds checks.
//
// Registered as torch.ops.ramiel.direct_conv2d. The weight is taps-major, (cin * kh *
// kw, cout) (`rt.depthwise_taps` lays it out); C_out must be a multiple of 16.

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "window.h"

#include <algorithm>
#include <cstdint>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

constexpr int kStrip = 6;  // pixels per tile: 6 x 4 vectors is 24 accumulators
constexpr int kMaxVectors = 4;

struct Problem : ramiel::Geometry {
  const float* taps;  // (cin * kh * kw, cout)
  const float* b;     // (cout)
  int64_t cout;
  bool relu;
};

// Output pixels [ox, ox + kR) of row `oy`, channel vectors [v0, v0 + kV); `x` is one
// image (cin, h, w), `y` its output row (ow, cout). kInside: every tap lies inside the
// image along x.
template <int kR, int kV, bool kInside>
void tile(const Problem& p, const float* x, float* y, int64_t oy, int64_t ox, int64_t v0) {
  Vec acc[kR][kV];
  for (int v = 0; v < kV; ++v) {
    const Vec bias = load(p.b + (v0 + v) * kLanes);
    for (int r = 0; r < kR; ++r) acc[r][v] = bias;
  }
  for (int64_t ci = 0; ci < p.c; ++ci) {
    for (int64_t ky = 0; ky < p.kh; ++ky) {
      const int64_t iy = oy * p.sh - p.ph + ky * p.dh;
      if (iy < 0 || iy >= p.h) continue;
      const float* row = x + (ci * p.h + iy) * p.w;
      const float* taps = p.taps + ((ci * p.kh + ky) * p.kw) * p.cout + v0 * kLanes;
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        Vec wv[kV];
        for (int v = 0; v < kV; ++v) wv[v] = load(taps + kx * p.cout + v * kLanes);
        const int64_t ix0 = ox * p.sw - p.pw + kx * p.dw;
        for (int r = 0; r < kR; ++r) {
          const int64_t ix = ix0 + r * p.sw;
          float value;
          if constexpr (kInside) {
            value = row[ix];
          } else {
            value = ix >= 0 && ix < p.w ? row[ix] : 0.0f;
          }
          const Vec xv = value + Vec{};
          for (int v = 0; v < kV; ++v) acc[r][v] += xv * wv[v];
        }
      }
    }
  }
  for (int r = 0; r < kR; ++r) {
    float* out = y + (ox + r) * p.cout + v0 * kLanes;
    for (int v = 0; v < kV; ++v) {
      const Vec value = acc[r][v];
      store(out + v * kLanes, p.relu ? (value < 0.0f ? Vec{} : value) : value);
    }
  }
}

// Whether the windows of pixels [ox, ox + count) lie inside the image along x.
bool inside(const Problem& p, int64_t ox, int64_t count) {
  return ox * p.sw - p.pw >= 0 && (ox + count - 1) * p.sw - p.pw + (p.kw - 1) * p.dw < p.w;
}

template <int kV>
void row(const Problem& p, const float* x, float* y, int64_t oy, int64_t v0) {
  int64_t ox = 0;
  for (; ox + kStrip <= p.ow; ox += kStrip) {
    if (inside(p, ox, kStrip)) {
      tile<kStrip, kV, true>(p, x, y, oy, ox, v0);
    } else {
      tile<kStrip, kV, false>(p, x, y, oy, ox, v0);
    }
  }
  for (; ox < p.ow; ++ox) tile<1, kV, false>(p, x, y, oy, ox, v0);
}

using Row = void (*)(const Problem&, const float*, float*, int64_t, int64_t);

Row row_for(int64_t vectors) {
  switch (vectors) {
    case 1:
      return &row<1>;
    case 2:
      return &row<2>;
    case 3:
      return &row<3>;
    default:
      return &row<4>;
  }
}

at::Tensor direct_conv2d(const at::Tensor& input, const at::Tensor& taps, const at::Tensor& bias,
                         at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding,
                         at::IntArrayRef dilation, bool relu) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::direct_conv2d: expected a 4-D float32 input, got ", input.sizes(), " ",
              input.scalar_type());
  TORCH_CHECK(kernel.size() == 2 && stride.size() == 2 && padding.size() == 2 &&
                  dilation.size() == 2,
              "ramiel::direct_conv2d: kernel, stride, padding and dilation take 2 values");
  const at::Tensor x = input.contiguous();
  Problem p{};
  static_cast<ramiel::Geometry&>(p) = ramiel::geometry_of(x, kernel, stride, padding, dilation);
  TORCH_CHECK(p.kh > 0 && p.kw > 0 && p.sh > 0 && p.sw > 0 && p.dh > 0 && p.dw > 0 &&
                  p.ph >= 0 && p.pw >= 0,
              "ramiel::direct_conv2d: kernel, strides and dilations must be positive, pads "
              "not negative");
  const int64_t tap_count = p.c * p.kh * p.kw;
  TORCH_CHECK(taps.dim() == 2 && taps.size(0) == tap_count && taps.size(1) % kLanes == 0 &&
                  taps.size(1) > 0 && taps.scalar_type() == at::kFloat,
              "ramiel::direct_conv2d: taps must be float32 (", tap_count,
              ", C_out) with C_out a multiple of ", kLanes, ", got ", taps.sizes(), " ",
              taps.scalar_type());
  p.cout = taps.size(1);
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == p.cout && bias.scalar_type() == at::kFloat,
              "ramiel::direct_conv2d: bias must be a float32 vector of ", p.cout,
              " values, got ", bias.sizes(), " ", bias.scalar_type());
  p.oh = ramiel::windows(p.h, p.ph, p.kh, p.dh, p.sh);
  p.ow = ramiel::windows(p.w, p.pw, p.kw, p.dw, p.sw);
  TORCH_CHECK(p.oh > 0 && p.ow > 0, "ramiel::direct_conv2d: the window does not fit the input ",
              x.sizes());
  const at::Tensor t = taps.contiguous(), b = bias.contiguous();
  p.taps = t.const_data_ptr<float>();
  p.b = b.const_data_ptr<float>();
  p.relu = relu;
  const int64_t batch = x.size(0);
  at::Tensor y = at::empty({batch, p.cout, p.oh, p.ow},
                           x.options().memory_format(at::MemoryFormat::ChannelsLast));
  const float* xp = x.const_data_ptr<float>();
  float* yp = y.mutable_data_ptr<float>();
  const int64_t vectors = p.cout / kLanes;
  const int64_t work = p.ow * p.cout * tap_count;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(work, 1));
  at::parallel_for(0, batch * p.oh, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / p.oh, oy = r % p.oh;
      const float* image = xp + n * p.c * p.h * p.w;
      float* out = yp + r * p.ow * p.cout;
      for (int64_t v0 = 0; v0 < vectors; v0 += kMaxVectors) {
        row_for(std::min<int64_t>(kMaxVectors, vectors - v0))(p, image, out, oy, v0);
      }
    }
  });
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def(
      "direct_conv2d(Tensor input, Tensor taps, Tensor bias, int[2] kernel, int[2] stride, "
      "int[2] padding, int[2] dilation, bool relu) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("direct_conv2d", &direct_conv2d); }
