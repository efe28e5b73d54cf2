// Max and average pooling over 2-D windows of channels-last float32 tensors.
//
// PyTorch's channels-last max_pool2d takes 170 us on 1x192x28x28 (3x3, stride 1; one
// thread), several times what reading the tensor nine times costs. Here each output
// pixel reduces its taps over 16-channel vectors held in registers.
//
// Registered as torch.ops.ramiel.pool2d. The output size is given (the compiler knows
// it), so ceil_mode windows that run past the padding are simply clipped; an average
// counts the taps inside the input, or with count_include_pad those inside the padded
// input (never those past the padding), as ONNX defines. An optional addend (of the
// output's shape) is added to each output row while it is in cache: NASNet's cells add a
// pooling to another branch. Where their windows lie inside the input along x, output
// pixels go in strips of 8 to 1 (windows 2 or 3 wide, stride 1), else four at a time; the
// edges of a 3-wide window with padding 1 at stride 1 in strips too (with the strips of
// 6 and 2, 8% off NASNet's 3x3 pools), other edges pixel by pixel. A NaN tap does not win
// a max (a plain compare-and-select; propagating NaN as PyTorch does made the kernel 2x
// slower).

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "window.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::tap_range;
using ramiel::Vec;
typedef int Mask __attribute__((vector_size(kLanes * sizeof(int))));

struct Window : ramiel::Geometry {
  bool average, include_pad;
};

// An accumulator before any tap: 0 for a sum, -inf for a max.
template <bool kAverage>
inline Vec start() {
  return kAverage ? Vec{} : -std::numeric_limits<float>::infinity() - Vec{};
}

// One tap into an accumulator: a sum, or a max by compare-and-select.
template <bool kAverage>
inline void reduce(Vec& acc, Vec v) {
  if constexpr (kAverage) {
    acc += v;
  } else {
    const Mask take = v > acc;
    acc = take ? v : acc;
  }
}

// B vectors of channels from c on, reduced over the taps [ky0, ky1) x [kx0, kx1): B
// independent accumulators, so that the adds (or max) of one tap do not wait on each other.
template <int B, bool kAverage>
inline void block(const Window& g, const float* x, float* y, int64_t iy, int64_t ix, int64_t ky0,
                  int64_t ky1, int64_t kx0, int64_t kx1, int64_t c, float scale) {
  Vec acc[B];
  for (int b = 0; b < B; ++b) acc[b] = start<kAverage>();
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const float* p = row + kx * g.dw * g.c;
      for (int b = 0; b < B; ++b) reduce<kAverage>(acc[b], load(p + b * kLanes));
    }
  }
  for (int b = 0; b < B; ++b) store(y + c + b * kLanes, kAverage ? acc[b] * scale : acc[b]);
}

// 1 / the number of taps an average of output pixel (oy, ox) divides by.
inline float average_scale(const Window& g, int64_t oy, int64_t ox, int64_t ky0, int64_t ky1,
                           int64_t kx0, int64_t kx1) {
  int64_t count = (ky1 - ky0) * (kx1 - kx0);
  if (g.include_pad) {
    int64_t py0, py1, px0, px1;
    tap_range(oy * g.sh, g.dh, g.kh, g.h + 2 * g.ph, py0, py1);
    tap_range(ox * g.sw, g.dw, g.kw, g.w + 2 * g.pw, px0, px1);
    count = (py1 - py0) * (px1 - px0);
  }
  return count > 0 ? 1.0f / static_cast<float>(count) : 0.0f;
}

template <bool kAverage>
void pixel(const Window& g, const float* x, float* y, int64_t oy, int64_t ox) {
  int64_t ky0, ky1, kx0, kx1;
  const int64_t iy = oy * g.sh - g.ph, ix = ox * g.sw - g.pw;
  tap_range(iy, g.dh, g.kh, g.h, ky0, ky1);
  tap_range(ix, g.dw, g.kw, g.w, kx0, kx1);
  const float scale = kAverage ? average_scale(g, oy, ox, ky0, ky1, kx0, kx1) : 1.0f;
  int64_t c = 0;
  for (; c + 4 * kLanes <= g.c; c += 4 * kLanes) {
    block<4, kAverage>(g, x, y, iy, ix, ky0, ky1, kx0, kx1, c, scale);
  }
  for (; c + 2 * kLanes <= g.c; c += 2 * kLanes) {
    block<2, kAverage>(g, x, y, iy, ix, ky0, ky1, kx0, kx1, c, scale);
  }
  for (; c + kLanes <= g.c; c += kLanes) {
    block<1, kAverage>(g, x, y, iy, ix, ky0, ky1, kx0, kx1, c, scale);
  }
  for (; c < g.c; ++c) {
    float acc = kAverage ? 0.0f : -std::numeric_limits<float>::infinity();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      for (int64_t kx = kx0; kx < kx1; ++kx) {
        const float v = x[((iy + ky * g.dh) * g.w + ix + kx * g.dw) * g.c + c];
        if (kAverage) {
          acc += v;
        } else if (v > acc) {
          acc = v;
        }
      }
    }
    y[c] = kAverage ? acc * scale : acc;
  }
}

// Four neighbouring output pixels whose windows lie inside the input along x (so they
// share their taps' rows and their average's count): four independent reductions per
// channel vector, where one pixel's taps form a chain that waits on each add or max.
template <bool kAverage>
void quad(const Window& g, const float* x, float* y, int64_t oy, int64_t ox) {
  int64_t ky0, ky1;
  const int64_t iy = oy * g.sh - g.ph, ix = ox * g.sw - g.pw;
  tap_range(iy, g.dh, g.kh, g.h, ky0, ky1);
  const float scale = kAverage ? average_scale(g, oy, ox, ky0, ky1, 0, g.kw) : 1.0f;
  const int64_t step = g.sw * g.c;
  for (int64_t c = 0; c < g.c; c += kLanes) {
    Vec acc[4];
    for (int j = 0; j < 4; ++j) acc[j] = start<kAverage>();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const float* p = row + kx * g.dw * g.c;
        for (int j = 0; j < 4; ++j) reduce<kAverage>(acc[j], load(p + j * step));
      }
    }
    for (int j = 0; j < 4; ++j) store(y + j * g.c + c, kAverage ? acc[j] * scale : acc[j]);
  }
}

// kStrip neighbouring output pixels of a window kKw wide with stride and dilation 1 along
// x: each input vector of a window row is read once for all the outputs it reaches (3
// wide, 8 pixels: 10 loads for 24 taps, where `quad` makes 12 for 12). Inner strips read
// all their input columns and share one average count; an edge strip reads only
// [kJ0, kJ1), the others being padding, and each of its pixels has its own count.
template <int kKw, int kStrip, bool kAverage, int kJ0 = 0, int kJ1 = kStrip + kKw - 1>
void strip(const Window& g, const float* x, float* y, int64_t oy, int64_t ox) {
  int64_t ky0, ky1;
  const int64_t iy = oy * g.sh - g.ph, ix = ox - g.pw;
  tap_range(iy, g.dh, g.kh, g.h, ky0, ky1);
  constexpr bool kInner = kJ0 == 0 && kJ1 == kStrip + kKw - 1;
  float scale[kStrip];  // 1 / each pixel's count (an inner strip's are all the first's)
  for (int i = 0; kAverage && i < (kInner ? 1 : kStrip); ++i) {
    int64_t kx0 = 0, kx1 = kKw;
    if constexpr (!kInner) tap_range(ix + i, 1, kKw, g.w, kx0, kx1);
    scale[i] = average_scale(g, oy, ox + i, ky0, ky1, kx0, kx1);
  }
  for (int64_t c = 0; c < g.c; c += kLanes) {
    Vec acc[kStrip];
    for (int i = 0; i < kStrip; ++i) acc[i] = start<kAverage>();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* row = x + ((iy + ky * g.dh) * g.w + ix) * g.c + c;
      ramiel::strip_row<kKw, kStrip, kJ0, kJ1>(
          row, g.c, acc, [](Vec& a, Vec v, int) { reduce<kAverage>(a, v); });
    }
    for (int i = 0; i < kStrip; ++i) {
      store(y + i * g.c + c, kAverage ? acc[i] * scale[kInner ? 0 : i] : acc[i]);
    }
  }
}

// Output rows [begin, end): inner columns in strips where the window is 2 or 3 wide (kKw)
// with stride and dilation 1 along x (and, 3 wide with padding 1, the edges in strips
// that skip the padding), else four at a time (kKw 0; strips gained nothing at stride
// 2). Flattened, as the depthwise kernel's rows are (all helpers inlined).
template <int kKw, bool kAverage>
[[gnu::flatten]] void rows(const Window& g, const float* x, float* y, int64_t begin, int64_t end) {
  if constexpr (kKw == 3) {
    if (g.c % kLanes == 0 && g.pw == 1 && g.ow == g.w && g.w >= 3) {  // one edge pixel a side
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / g.oh, oy = r % g.oh;
        const float* xn = x + n * g.h * g.w * g.c;
        float* yr = y + r * g.ow * g.c;
        strip<3, 1, kAverage, 1, 3>(g, xn, yr, oy, 0);
        ramiel::in_groups<8, 6, 4, 2, 1>(1, g.ow - 1, [&](auto size, int64_t ox) {
          strip<3, size(), kAverage>(g, xn, yr + ox * g.c, oy, ox);
        });
        strip<3, 1, kAverage, 0, 2>(g, xn, yr + (g.ow - 1) * g.c, oy, g.ow - 1);
      }
      return;
    }
  }
  ramiel::for_each_row(
      g, x, y, begin, end,
      [&](const float* xn, float* yp, int64_t oy, int64_t ox) {
        pixel<kAverage>(g, xn, yp, oy, ox);
      },
      [&](const float* xn, float* yr, int64_t oy, int64_t ox0, int64_t ox1) {
        if constexpr (kKw == 0) {
          int64_t ox = ox0;
          for (; ox + 4 <= ox1; ox += 4) quad<kAverage>(g, xn, yr + ox * g.c, oy, ox);
          for (; ox < ox1; ++ox) pixel<kAverage>(g, xn, yr + ox * g.c, oy, ox);
        } else {
          ramiel::in_groups<8, 6, 4, 2, 1>(ox0, ox1, [&](auto size, int64_t ox) {
            strip<kKw, size(), kAverage>(g, xn, yr + ox * g.c, oy, ox);
          });
        }
      });
}

using Rows = void (*)(const Window&, const float*, float*, int64_t, int64_t);

// y[i] += a[i] for i in [0, n).
void add_to(float* y, const float* a, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, load(y + i) + load(a + i));
  for (; i < n; ++i) y[i] += a[i];
}

// The rows function for `g`; picked once per call, so that each variant is compiled (and
// inlined into) on its own.
template <bool kAverage>
Rows rows_for(const Window& g) {
  if (g.sw == 1 && g.dw == 1) {
    switch (g.kw) {
      case 2:
        return &rows<2, kAverage>;
      case 3:
        return &rows<3, kAverage>;
      default:
        break;
    }
  }
  return &rows<0, kAverage>;
}

at::Tensor pool2d(const at::Tensor& input, at::IntArrayRef kernel, at::IntArrayRef stride,
                  at::IntArrayRef padding, at::IntArrayRef dilation, at::IntArrayRef output_size,
                  bool average, bool count_include_pad, const std::optional<at::Tensor>& addend) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::pool2d: expected a 4-D float32 input, got ", input.sizes(), " ",
              input.scalar_type());
  TORCH_CHECK(kernel.size() == 2 && stride.size() == 2 && padding.size() == 2 &&
                  dilation.size() == 2 && output_size.size() == 2,
              "ramiel::pool2d: kernel, stride, padding, dilation and output_size take 2 values");
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  Window g{ramiel::geometry_of(x, kernel, stride, padding, dilation), average,
           count_include_pad};
  g.oh = output_size[0];
  g.ow = output_size[1];
  TORCH_CHECK(g.kh > 0 && g.kw > 0 && g.sh > 0 && g.sw > 0 && g.dh > 0 && g.dw > 0 &&
                  g.ph >= 0 && g.pw >= 0 && g.oh >= 0 && g.ow >= 0,
              "ramiel::pool2d: kernel, strides and dilations must be positive, pads and "
              "output size not negative");
  const int64_t batch = x.size(0);
  at::Tensor y = at::empty({batch, g.c, g.oh, g.ow},
                           x.options().memory_format(at::MemoryFormat::ChannelsLast));
  at::Tensor a;
  if (addend.has_value()) {
    TORCH_CHECK(addend->sizes() == y.sizes() && addend->scalar_type() == at::kFloat,
                "ramiel::pool2d: addend must be float32 ", y.sizes(), ", got ", addend->sizes(),
                " ", addend->scalar_type());
    a = addend->contiguous(at::MemoryFormat::ChannelsLast);
  }
  const float* xp = x.const_data_ptr<float>();
  const float* ap = a.defined() ? a.const_data_ptr<float>() : nullptr;
  float* yp = y.mutable_data_ptr<float>();
  const int64_t work = g.ow * g.c * g.kh * g.kw;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(work, 1));
  const Rows run = g.average ? rows_for<true>(g) : rows_for<false>(g);
  at::parallel_for(0, batch * g.oh, grain, [&](int64_t begin, int64_t end) {
    if (ap == nullptr) {
      run(g, xp, yp, begin, end);
      return;
    }
    const int64_t row = g.ow * g.c;
    for (int64_t r = begin; r < end; ++r) {
      run(g, xp, yp, r, r + 1);
      add_to(yp + r * row, ap + r * row, row);
    }
  });
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def(
      "pool2d(Tensor input, int[2] kernel, int[2] stride, int[2] padding, int[2] dilation, "
      "int[2] output_size, bool average, bool count_include_pad, Tensor? addend=None) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("pool2d", &pool2d); }
