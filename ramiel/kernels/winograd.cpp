// A 3x3 convolution (stride 1, dilation 1, one group) of a channels-last float32 tensor by
// Winograd's minimal filtering F(2x2, 3x3), with its bias, an optional residual addend and
// an optional ReLU fused in.
//
// Each 2x2 block of output pixels (a tile) is computed from the 4x4 input patch under it:
// the patch is transformed (V = B^T d B), multiplied point by point with the transformed
// weight (U = G g G^T, 16 matrices of (C_in, C_out) laid out at load time by
// `rt.winograd_weights`) and summed over the input channels, which makes 16 matrix
// products of (tiles, C_in) by (C_in, C_out), then transformed back (Y = A^T M A). That
// is 16 multiply-adds per tile per channel pair where the direct convolution does 36:
// 2.25x fewer. The transforms only add and subtract.
//
// Two passes:
// 1. the input transform writes V, (16, tiles, C_in), for all tiles;
// 2. a task takes a group of tiles by 64 output channels: for each of the 16 points, a
//    register tile of (up to) 6 tiles by 4 vectors accumulates the product over C_in into
//    a buffer, (16, tiles, 64) floats, which the output transform then reads back and
//    writes, with the bias, addend and ReLU, as the group's output pixels.
// Every task reads its columns of the transformed weight (16/9 the size of the weight).
// When that fits in L2, groups of 12 tiles keep the buffer at 48 KiB; when it does not,
// each group reads it again from memory, so groups grow to 64 tiles while each thread
// still gets 4 tasks (ResNet-50's 256 -> 256 at 14x14 with its weight cold, two threads:
// 892 us in groups of 12, 650 to 690 in 2 groups of 25 and 24; `/tmp` script). With few
// tiles for its weight, the weight's reads dominate (512 -> 512 at 7x7: 16 MiB for 16
// tiles, 1.8x slower than oneDNN): the compiler keeps those on oneDNN.
//
// With at most 128 output channels (two chunks) a task instead transforms its own tiles'
// input into a buffer of its thread and makes all their output channels: no V for the
// whole image goes through memory. V is 16/9 of the input, written and read once, while
// the products are few when the outputs are: DenseNet-121's 128 -> 32 at 56x56 (6.4 MiB
// of V) went from 0.98x-1.15x of oneDNN to 1.48x-1.57x, cold, two threads (`/tmp`
// script, two runs).
//
// Registered as torch.ops.ramiel.winograd_conv2d. C_in and C_out must be multiples of 16;
// the padding is symmetric (top and bottom, left and right).

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "window.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

constexpr int kAlpha = 4;                 // the input patch's side: 2 outputs + 3 taps - 1
constexpr int kPoints = kAlpha * kAlpha;  // 16 products
constexpr int kTiles = 6;                 // tiles in a register tile
constexpr int kGroup = 64;                // most tiles in a task
constexpr int kVectors = 4;               // output channel vectors in a task (64 channels)

struct Problem {
  const float* x;    // (h, w, cin)
  const float* u;    // (16, cin, cout)
  const float* b;    // (cout)
  const float* add;  // (oh, ow, cout) or null
  float* v;          // (16, tiles, cin), when the input is transformed before the products
  float* y;          // (oh, ow, cout)
  int64_t h, w, cin, cout, oh, ow, ph, pw, th, tw;
  bool relu;
};

// B^T z for a column of 4 vectors (in place, as rows or as columns of the patch).
inline void input_rows(Vec& z0, Vec& z1, Vec& z2, Vec& z3) {
  const Vec t0 = z0 - z2, t1 = z1 + z2, t2 = z2 - z1, t3 = z1 - z3;
  z0 = t0;
  z1 = t1;
  z2 = t2;
  z3 = t3;
}

// The input transform of tiles [begin, end): V[p][t - begin][c] for the 16 points p, at
// v + p * plane + (t - begin) * cin.
void transform_input(const Problem& q, int64_t begin, int64_t end, float* v, int64_t plane) {
  for (int64_t t = begin; t < end; ++t) {
    const int64_t y0 = t / q.tw * 2 - q.ph, x0 = t % q.tw * 2 - q.pw;
    const bool inside = y0 >= 0 && x0 >= 0 && y0 + kAlpha <= q.h && x0 + kAlpha <= q.w;
    float* vt = v + (t - begin) * q.cin;
    for (int64_t c = 0; c < q.cin; c += kLanes) {
      Vec d[kAlpha][kAlpha];
      for (int i = 0; i < kAlpha; ++i) {
        for (int j = 0; j < kAlpha; ++j) {
          const int64_t iy = y0 + i, ix = x0 + j;
          if (inside || (iy >= 0 && iy < q.h && ix >= 0 && ix < q.w)) {
            d[i][j] = load(q.x + (iy * q.w + ix) * q.cin + c);
          } else {
            d[i][j] = Vec{};
          }
        }
      }
      for (int j = 0; j < kAlpha; ++j) input_rows(d[0][j], d[1][j], d[2][j], d[3][j]);
      for (int i = 0; i < kAlpha; ++i) input_rows(d[i][0], d[i][1], d[i][2], d[i][3]);
      for (int i = 0; i < kAlpha; ++i) {
        for (int j = 0; j < kAlpha; ++j) store(vt + (i * kAlpha + j) * plane + c, d[i][j]);
      }
    }
  }
}

// m[r] (R tiles by V vectors, 64 floats apart) = x[r] . U[p][:, j:j + 16V], the products
// of point p; x holds the R tiles' transformed inputs for p, rows of C_in floats.
template <int R, int V>
inline void product(const Problem& q, int p, const float* x, int64_t j, float* m) {
  Vec acc[R][V] = {};
  const float* w = q.u + p * q.cin * q.cout + j;
  for (int64_t k = 0; k < q.cin; ++k) {
    Vec wk[V];
    for (int v = 0; v < V; ++v) wk[v] = load(w + k * q.cout + v * kLanes);
    for (int r = 0; r < R; ++r) {
      const Vec xb = x[r * q.cin + k] + Vec{};
      for (int v = 0; v < V; ++v) acc[r][v] += xb * wk[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < V; ++v) store(m + (r * kVectors + v) * kLanes, acc[r][v]);
  }
}

// The output transform of tile t, channels [j, j + 16V): A^T m A, plus the bias (and
// addend), ReLU'd, written where the output has those pixels; `m` points at the tile's
// products of point 0, those of point p `stride` floats further.
template <int V>
void transform_output(const Problem& q, int64_t t, int64_t j, const float* m, int64_t stride) {
  const int64_t oy = t / q.tw * 2, ox = t % q.tw * 2;
  for (int v = 0; v < V; ++v) {
    const auto at = [&](int p) { return load(m + p * stride + v * kLanes); };
    Vec s[2][kAlpha];
    for (int c = 0; c < kAlpha; ++c) {
      const Vec m1 = at(kAlpha + c), m2 = at(2 * kAlpha + c);
      s[0][c] = at(c) + m1 + m2;
      s[1][c] = m1 - m2 - at(3 * kAlpha + c);
    }
    const Vec bias = load(q.b + j + v * kLanes);
    for (int a = 0; a < 2; ++a) {
      if (oy + a >= q.oh) break;
      const Vec out[2] = {s[a][0] + s[a][1] + s[a][2] + bias,
                          s[a][1] - s[a][2] - s[a][3] + bias};
      for (int c = 0; c < 2; ++c) {
        if (ox + c >= q.ow) break;
        const int64_t at_y = ((oy + a) * q.ow + ox + c) * q.cout + j + v * kLanes;
        Vec o = out[c];
        if (q.add != nullptr) o += load(q.add + at_y);
        if (q.relu) o = o < 0.0f ? Vec{} : o;
        store(q.y + at_y, o);
      }
    }
  }
}

// The products of point p for `count` <= kTiles tiles whose transformed inputs are `x`.
template <int V>
void products(const Problem& q, int p, const float* x, int64_t count, int64_t j, float* m) {
  switch (count) {
    case 6:
      product<6, V>(q, p, x, j, m);
      break;
    case 5:
      product<5, V>(q, p, x, j, m);
      break;
    case 4:
      product<4, V>(q, p, x, j, m);
      break;
    case 3:
      product<3, V>(q, p, x, j, m);
      break;
    case 2:
      product<2, V>(q, p, x, j, m);
      break;
    default:
      product<1, V>(q, p, x, j, m);
      break;
  }
}

// Tiles [t0, t0 + count) (count <= kGroup) by channels [j, j + 16V): for each point, the
// products of register tiles of up to 6 tiles into m, (16, count, 64) floats; then the
// output transform, tile by tile. The tiles' transformed inputs for point p start at
// v + p * plane.
template <int V>
void group(const Problem& q, const float* v, int64_t plane, int64_t t0, int64_t count,
           int64_t j, float* m) {
  constexpr int64_t kTileFloats = kVectors * kLanes;  // one tile's products of a point
  const int64_t stride = count * kTileFloats;
  for (int p = 0; p < kPoints; ++p) {
    for (int64_t r = 0; r < count; r += kTiles) {
      const int64_t rows = std::min<int64_t>(kTiles, count - r);
      products<V>(q, p, v + p * plane + r * q.cin, rows, j, m + p * stride + r * kTileFloats);
    }
  }
  for (int64_t r = 0; r < count; ++r) {
    transform_output<V>(q, t0 + r, j, m + r * kTileFloats, stride);
  }
}

// Tiles [t0, t0 + count) by output channels [j, j + 64) (fewer at the end).
void task(const Problem& q, const float* v, int64_t plane, int64_t t0, int64_t count,
          int64_t j, float* m) {
  switch (std::min<int64_t>(kVectors, (q.cout - j) / kLanes)) {
    case 4:
      group<4>(q, v, plane, t0, count, j, m);
      break;
    case 3:
      group<3>(q, v, plane, t0, count, j, m);
      break;
    case 2:
      group<2>(q, v, plane, t0, count, j, m);
      break;
    default:
      group<1>(q, v, plane, t0, count, j, m);
      break;
  }
}

constexpr int64_t kSmallWeightBytes = 1 << 20;  // a transformed weight that fits in L2
constexpr int64_t kLocalChunks = 2;  // the most chunks of output channels for local tasks

// A thread's buffer of `floats` floats, kept between calls (allocating a few MiB per call
// would fault its pages in every time); `Slot` tells the buffers apart.
template <int Slot>
float* buffer(int64_t floats) {
  thread_local std::vector<float> storage;
  if (storage.size() < static_cast<size_t>(floats)) storage.resize(static_cast<size_t>(floats));
  return storage.data();
}

at::Tensor winograd_conv2d(const at::Tensor& input, const at::Tensor& weight,
                           const at::Tensor& bias, at::IntArrayRef padding,
                           const std::optional<at::Tensor>& addend, bool relu) {
  TORCH_CHECK(input.dim() == 4 && input.scalar_type() == at::kFloat,
              "ramiel::winograd_conv2d: expected a 4-D float32 input, got ", input.sizes(), " ",
              input.scalar_type());
  const int64_t n = input.size(0), cin = input.size(1), h = input.size(2), w = input.size(3);
  TORCH_CHECK(cin % kLanes == 0, "ramiel::winograd_conv2d: C_in must be a multiple of 16, got ",
              cin);
  TORCH_CHECK(weight.dim() == 3 && weight.size(0) == kPoints && weight.size(1) == cin &&
                  weight.size(2) % kLanes == 0 && weight.size(2) > 0 &&
                  weight.scalar_type() == at::kFloat,
              "ramiel::winograd_conv2d: weight must be float32 (16, ", cin,
              ", C_out) with C_out a multiple of 16, got ", weight.sizes());
  const int64_t cout = weight.size(2);
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == cout && bias.scalar_type() == at::kFloat,
              "ramiel::winograd_conv2d: bias must be float32 (", cout, "), got ", bias.sizes());
  TORCH_CHECK(padding.size() == 2 && padding[0] >= 0 && padding[1] >= 0,
              "ramiel::winograd_conv2d: padding must be two values >= 0, got ", padding);
  const int64_t oh = ramiel::windows(h, padding[0], 3, 1, 1);
  const int64_t ow = ramiel::windows(w, padding[1], 3, 1, 1);
  TORCH_CHECK(oh > 0 && ow > 0, "ramiel::winograd_conv2d: a 3x3 window does not fit input ",
              input.sizes(), " padded by ", padding);
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor u = weight.contiguous(), b = bias.contiguous();
  at::Tensor y =
      at::empty({n, cout, oh, ow}, x.options().memory_format(at::MemoryFormat::ChannelsLast));
  at::Tensor a;
  if (addend.has_value()) {
    TORCH_CHECK(addend->sizes() == y.sizes() && addend->scalar_type() == at::kFloat,
                "ramiel::winograd_conv2d: addend must be float32 ", y.sizes(), ", got ",
                addend->sizes());
    a = addend->contiguous(at::MemoryFormat::ChannelsLast);
  }
  const int64_t th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = th * tw;
  const int64_t chunks = (cout / kLanes + kVectors - 1) / kVectors;
  const int64_t threads = at::get_num_threads();
  // Tasks of tile groups: 12 tiles, or up to kGroup when the transformed weight does not
  // fit in L2, as long as every thread gets a few tasks (see the top of the file).
  const bool small = kPoints * cin * cout * 4 <= kSmallWeightBytes;
  const bool local = chunks <= kLocalChunks;
  const int64_t most = small || local ? 2 * kTiles : kGroup;
  const int64_t wanted = local ? 4 * threads : (4 * threads + chunks - 1) / chunks;
  const int64_t split = std::min((tiles + kTiles - 1) / kTiles,
                                 std::max((tiles + most - 1) / most, wanted));
  const int64_t per = (tiles + split - 1) / split;  // tiles in a group, the last one fewer
  const int64_t groups = (tiles + per - 1) / per;   // none empty (49 in 8: 7 groups of 7)
  float* v = local ? nullptr : buffer<0>(kPoints * tiles * cin);
  for (int64_t i = 0; i < n; ++i) {
    const Problem q{x.const_data_ptr<float>() + i * h * w * cin,
                    u.const_data_ptr<float>(),
                    b.const_data_ptr<float>(),
                    a.defined() ? a.const_data_ptr<float>() + i * oh * ow * cout : nullptr,
                    v,
                    y.mutable_data_ptr<float>() + i * oh * ow * cout,
                    h, w, cin, cout, oh, ow, padding[0], padding[1], th, tw, relu};
    if (local) {
      // Each task transforms its own tiles' input, then makes all their output channels.
      at::parallel_for(0, groups, 1, [&](int64_t begin, int64_t end) {
        float* m = buffer<1>(kPoints * kGroup * kVectors * kLanes);
        float* vg = buffer<2>(kPoints * per * cin);
        for (int64_t g = begin; g < end; ++g) {
          const int64_t t0 = g * per, count = std::min(per, tiles - t0);
          transform_input(q, t0, t0 + count, vg, count * cin);
          for (int64_t j = 0; j < cout; j += kVectors * kLanes) {
            task(q, vg, count * cin, t0, count, j, m);
          }
        }
      });
      continue;
    }
    const int64_t plane = tiles * cin;
    at::parallel_for(0, tiles, std::max<int64_t>(1, 4096 / cin), [&](int64_t begin, int64_t end) {
      transform_input(q, begin, end, v + begin * cin, plane);
    });
    at::parallel_for(0, groups * chunks, 1, [&](int64_t begin, int64_t end) {
      float* m = buffer<1>(kPoints * kGroup * kVectors * kLanes);
      for (int64_t t = begin; t < end; ++t) {
        const int64_t t0 = t / chunks * per, count = std::min(per, tiles - t0);
        task(q, v + t0 * cin, plane, t0, count, t % chunks * kVectors * kLanes, m);
      }
    });
  }
  return y;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def(
      "winograd_conv2d(Tensor input, Tensor weight, Tensor bias, int[2] padding, Tensor? addend, "
      "bool relu) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) { m.impl("winograd_conv2d", &winograd_conv2d); }
