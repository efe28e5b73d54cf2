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
// The input may also come in parts along the channels, each ReLU'd as it is read:
// `pointwise_concat_conv2d` computes conv(relu(concat(parts))) without writing the
// concatenation, which NASNet's cells build (and ReLU) only to feed 1x1 convolutions.
//
// Registered as torch.ops.ramiel.pointwise_conv2d and pointwise_concat_conv2d. The matrix's
// columns are C_out rounded up to a multiple of 16, zero past C_out (`rt.conv1x1_matrix(w,
// 16)`), so that every weight load is a whole vector; the last vector of a C_out that is
// not a multiple of 16 is stored (and its addend read) through a buffer. GoogLeNet's
// 512 -> 24 convolutions ran on `addmm` at 21 GMAC/s before.

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
#include <cstdint>
#include <cstring>
#include <optional>

namespace {

using ramiel::kLanes;
using ramiel::load;
using ramiel::store;
using ramiel::Vec;

// Consecutive input channels: a tensor whose channels are contiguous (channels-last, or
// a strided view of one: a slice or a subsampling of its rows and columns).
struct Part {
  const float* x;
  int64_t cin;
  int64_t h, w;         // the view's height and width
  int64_t sn, sh, sw;   // its strides, in floats
  bool dense;           // pixel p starts at x + p * cin
};

// The first floats of pixels [p, p + R) of `part`: dense views in one step, strided
// ones walking the rows (one division a tile, not one a pixel).
template <int R>
inline void pixel_rows(const Part& part, int64_t p, const float* (&rows)[R]) {
  if (part.dense) {
    for (int r = 0; r < R; ++r) rows[r] = part.x + (p + r) * part.cin;
    return;
  }
  int64_t col = p % part.w, row = p / part.w;
  const float* line = part.x + row / part.h * part.sn + row % part.h * part.sh;
  for (int r = 0; r < R; ++r) {
    rows[r] = line + col * part.sw;
    if (++col == part.w) {
      col = 0;
      ++row;
      line = part.x + row / part.h * part.sn + row % part.h * part.sh;
    }
  }
}

struct Problem {
  const Part* parts;  // the input, split along the channels
  int64_t nparts;
  const float* w;    // (cin, ldw), cin the parts' total, ldw cout rounded up to 16
  const float* b;    // (ldw), zero past cout
  const float* add;  // (pixels, cout) or null
  float* y;          // (pixels, cout)
  int64_t cout, ldw;
  bool relu_in, relu;
};

// How a tile reads its input: one part, or several, ReLU'd or not.
enum class Input { kOne, kParts, kReluParts };

// max(0, x) in every lane (NaN stays NaN, as torch.relu keeps it). The ReLU is taken on
// the broadcast vector: the compiler's scalar max followed by a register broadcast made
// the FMA loop 23% to 31% slower at NASNet's cell inputs; a vector max beside it costs 0%
// to 9%.
inline Vec relu_broadcast(float x) {
#if defined(__AVX512F__)
  return (Vec)_mm512_max_ps(_mm512_setzero_ps(), _mm512_set1_ps(x));
#else
  return x < 0.0f ? Vec{} : x + Vec{};
#endif
}

// acc[r] += x[r][k] * w[k * ldw] over k in [0, cin), for R pixels by V vectors, x
// ReLU'd first when kRelu.
template <int R, int V, bool kRelu>
inline void accumulate(Vec (&acc)[R][V], const float* const (&x)[R], int64_t cin,
                       const float* w, int64_t ldw) {
  for (int64_t k = 0; k < cin; ++k) {
    Vec wk[V];
    for (int v = 0; v < V; ++v) wk[v] = load(w + k * ldw + v * kLanes);
    for (int r = 0; r < R; ++r) {
      const Vec xb = kRelu ? relu_broadcast(x[r][k]) : x[r][k] + Vec{};
      for (int v = 0; v < V; ++v) acc[r][v] += xb * wk[v];
    }
  }
}

// Output pixels [p, p + R) by channels [j, j + V * 16).
template <int R, int V, Input kInput>
inline void tile(const Problem& q, int64_t p, int64_t j) {
  Vec acc[R][V];
  for (int v = 0; v < V; ++v) {
    const Vec bias = load(q.b + j + v * kLanes);
    for (int r = 0; r < R; ++r) acc[r][v] = bias;
  }
  const float* w = q.w + j;
  // One part: a loop the compiler sees run once (the generic one made 32x32x32 -> 32 7% slower).
  const int64_t nparts = kInput == Input::kOne ? 1 : q.nparts;
  for (int64_t s = 0; s < nparts; ++s) {
    const int64_t cin = q.parts[s].cin;
    const float* x[R];
    pixel_rows<R>(q.parts[s], p, x);
    accumulate<R, V, kInput == Input::kReluParts>(acc, x, cin, w, q.ldw);
    w += cin * q.ldw;
  }
  for (int r = 0; r < R; ++r) {
    const int64_t at = (p + r) * q.cout + j;
    for (int v = 0; v < V; ++v) {
      Vec out = acc[r][v];
      const int64_t rest = q.cout - (j + v * kLanes);
      if (rest >= kLanes) {
        if (q.add != nullptr) out += load(q.add + at + v * kLanes);
        if (q.relu) out = out < 0.0f ? Vec{} : out;
        store(q.y + at + v * kLanes, out);
        continue;
      }
      float part[kLanes] = {};  // the last channels, fewer than 16
      if (q.add != nullptr) {
        std::memcpy(part, q.add + at + v * kLanes, rest * sizeof(float));
        out += load(part);
      }
      if (q.relu) out = out < 0.0f ? Vec{} : out;
      store(part, out);
      std::memcpy(q.y + at + v * kLanes, part, rest * sizeof(float));
    }
  }
}

// Pixels [begin, end) by output channels [j, j + V * 16): tiles of R pixels down (one
// pixel at a time for the last few).
template <int V, Input kInput>
void columns(const Problem& q, int64_t begin, int64_t end, int64_t j) {
  constexpr int R = V == 1 ? 8 : 6;
  int64_t p = begin;
  for (; p + R <= end; p += R) tile<R, V, kInput>(q, p, j);
  for (; p < end; ++p) tile<1, V, kInput>(q, p, j);
}

template <int V>
void columns(const Problem& q, int64_t begin, int64_t end, int64_t j) {
  if (q.relu_in) {
    columns<V, Input::kReluParts>(q, begin, end, j);
  } else if (q.nparts > 1) {
    columns<V, Input::kParts>(q, begin, end, j);
  } else {
    columns<V, Input::kOne>(q, begin, end, j);
  }
}

constexpr int64_t kChunk = 4;  // vectors of output channels in one task (64 channels)
constexpr int64_t kBlock = 24;  // pixels in one task: whole 6- and 8-pixel tiles

// Pixels [begin, end) by the output channels of chunk `chunk`.
void task(const Problem& q, int64_t begin, int64_t end, int64_t chunk) {
  const int64_t first = chunk * kChunk;
  const int64_t j = first * kLanes;
  switch (std::min(kChunk, q.ldw / kLanes - first)) {
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

// conv(relu_in ? relu(x) : x) + bias (+ addend), then the ReLU, x the channel
// concatenation of `parts`; `name` is the operator's, for the error messages.
at::Tensor run(const char* name, at::TensorList parts, const at::Tensor& matrix,
               const at::Tensor& bias, const std::optional<at::Tensor>& addend, bool relu_in,
               bool relu) {
  TORCH_CHECK(!parts.empty(), "ramiel::", name, ": expected at least one input");
  c10::SmallVector<at::Tensor, 8> xs;
  c10::SmallVector<Part, 8> view;
  int64_t cin = 0;
  for (const at::Tensor& part : parts) {
    TORCH_CHECK(part.dim() == 4 && part.scalar_type() == at::kFloat,
                "ramiel::", name, ": expected 4-D float32 inputs, got ", part.sizes(), " ",
                part.scalar_type());
    TORCH_CHECK(part.size(0) == parts[0].size(0) && part.size(2) == parts[0].size(2) &&
                    part.size(3) == parts[0].size(3),
                "ramiel::", name, ": inputs ", parts[0].sizes(), " and ", part.sizes(),
                " differ in batch, height or width");
    // A view whose channels are contiguous is read in place (NASNet's factorized
    // reduction subsamples its input, shifted by a pixel for its second path).
    xs.push_back(part.stride(1) == 1 || part.size(1) == 1
                     ? part
                     : part.contiguous(at::MemoryFormat::ChannelsLast));
    const at::Tensor& x = xs.back();
    const int64_t c = x.size(1), h = x.size(2), wd = x.size(3);
    const bool dense = x.is_contiguous(at::MemoryFormat::ChannelsLast);
    view.push_back(Part{x.const_data_ptr<float>(), c, h, wd, x.stride(0), x.stride(2),
                        x.stride(3), dense});
    cin += c;
  }
  TORCH_CHECK(matrix.dim() == 2 && matrix.size(0) == cin && matrix.size(1) % kLanes == 0 &&
                  matrix.size(1) > 0 && matrix.scalar_type() == at::kFloat,
              "ramiel::", name, ": matrix must be float32 (", cin,
              ", C_out rounded up to a multiple of 16), got ", matrix.sizes());
  const int64_t ldw = matrix.size(1);
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) <= ldw && bias.size(0) > ldw - kLanes &&
                  bias.scalar_type() == at::kFloat,
              "ramiel::", name, ": bias must be float32 (C_out), C_out rounding up to the ",
              "matrix's ", ldw, " columns, got ", bias.sizes());
  const int64_t cout = bias.size(0);
  const at::Tensor w = matrix.contiguous(), b = bias.contiguous();
  // The bias as whole vectors: zero past C_out.
  const float* bp = b.const_data_ptr<float>();
  c10::SmallVector<float, 256> padded_bias;
  if (cout != ldw) {
    padded_bias.assign(static_cast<size_t>(ldw), 0.0f);
    std::memcpy(padded_bias.data(), bp, cout * sizeof(float));
    bp = padded_bias.data();
  }
  const int64_t n = xs[0].size(0), h = xs[0].size(2), wd = xs[0].size(3);
  at::Tensor y = at::empty({n, cout, h, wd},
                           xs[0].options().memory_format(at::MemoryFormat::ChannelsLast));
  at::Tensor a;
  if (addend.has_value()) {
    TORCH_CHECK(addend->sizes() == y.sizes() && addend->scalar_type() == at::kFloat,
                "ramiel::", name, ": addend must be float32 ", y.sizes(), ", got ",
                addend->sizes());
    a = addend->contiguous(at::MemoryFormat::ChannelsLast);
  }
  const Problem q{view.data(),
                  static_cast<int64_t>(view.size()),
                  w.const_data_ptr<float>(),
                  bp,
                  a.defined() ? a.const_data_ptr<float>() : nullptr,
                  y.mutable_data_ptr<float>(),
                  cout,
                  ldw,
                  relu_in,
                  relu};
  const int64_t pixels = n * h * wd;
  // Tasks are (pixel block, channel chunk) pairs, chunks varying fastest so that a thread's
  // consecutive tasks read the same pixels; both dimensions split, so that a 7x7 tensor
  // with many channels still gives every thread work.
  const int64_t chunks = (ldw / kLanes + kChunk - 1) / kChunk;
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

at::Tensor pointwise_conv2d(const at::Tensor& input, const at::Tensor& matrix,
                            const at::Tensor& bias, const std::optional<at::Tensor>& addend,
                            bool relu) {
  return run("pointwise_conv2d", {input}, matrix, bias, addend, false, relu);
}

at::Tensor pointwise_concat_conv2d(at::TensorList inputs, const at::Tensor& matrix,
                                   const at::Tensor& bias, bool input_relu, bool relu) {
  return run("pointwise_concat_conv2d", inputs, matrix, bias, std::nullopt, input_relu, relu);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(ramiel, m) {
  m.def(
      "pointwise_conv2d(Tensor input, Tensor matrix, Tensor bias, Tensor? addend, bool relu) "
      "-> Tensor");
  m.def(
      "pointwise_concat_conv2d(Tensor[] inputs, Tensor matrix, Tensor bias, bool input_relu, "
      "bool relu) -> Tensor");
}

TORCH_LIBRARY_IMPL(ramiel, CPU, m) {
  m.impl("pointwise_conv2d", &pointwise_conv2d);
  m.impl("pointwise_concat_conv2d", &pointwise_concat_conv2d);
}
