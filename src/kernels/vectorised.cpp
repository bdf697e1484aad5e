// The vectorised kernels (kernels.h), written once against the vector operations of simd.h.
#include "kernels/kernels.h"

#ifdef HAN_VECTORISED_KERNELS

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/simd.h"

namespace han::kernels::vectorised {
namespace {

using namespace simd;

// tanh(x) ≈ x P(x²) / Q(x²) on x clamped to ±7.9053, where the quotient reaches 1: the rational
// approximation Eigen uses for float (generic_fast_tanh_float), within a few ulp of std::tanh.
// The polynomials are evaluated by Estrin's scheme rather than Horner's: a chain of 3 dependent
// multiply-adds instead of 6 for P, because the GRU step waits on this latency.
Vec tanh(Vec x) {
  const Vec limit = splat(7.90531110763549805f);
  x = max(min(x, limit), splat(-7.90531110763549805f));
  const Vec y = mul(x, x), y2 = mul(y, y), y4 = mul(y2, y2);
  const Vec p01 = mul_add(y, splat(6.37261928875436e-04f), splat(4.89352455891786e-03f));
  const Vec p23 = mul_add(y, splat(5.12229709037114e-08f), splat(1.48572235717979e-05f));
  const Vec p45 = mul_add(y, splat(2.00018790482477e-13f), splat(-8.60467152213735e-11f));
  const Vec p = mul_add(mul_add(y2, splat(-2.76076847742355e-16f), p45), y4, mul_add(y2, p23, p01));
  const Vec q01 = mul_add(y, splat(2.26843463243900e-03f), splat(4.89352518554385e-03f));
  const Vec q23 = mul_add(y, splat(1.19825839466702e-06f), splat(1.18534705686654e-04f));
  const Vec q = mul_add(y2, q23, q01);
  return div(mul(x, p), q);
}

// σ(x) = (1 + tanh(x / 2)) / 2 exactly, so σ costs one tanh and no exponential.
Vec sigmoid(Vec x) {
  const Vec half = splat(0.5f);
  return mul_add(tanh(mul(x, half)), half, half);
}

// The n < kWidth values at p as the first lanes of a vector (the others 0), and back: the
// element-wise kernels cover the values after the last whole vector with one more vector.
Vec load_partial(const float* p, int n) {
  float lanes[kWidth] = {};
  std::copy(p, p + n, lanes);
  return load(lanes);
}

void store_partial(float* p, Vec v, int n) {
  float lanes[kWidth];
  store(lanes, v);
  std::copy(lanes, lanes + n, p);
}

// y = f(x) on n values.
template <typename F>
void map(const float* x, float* y, int n, F f) {
  int i = 0;
  for (; i + kWidth <= n; i += kWidth) store(y + i, f(load(x + i)));
  if (i < n) store_partial(y + i, f(load_partial(x + i, n - i)), n - i);
}

// The GRU step (kernels.h) on one vector of units.
Vec gru_update(Vec xz, Vec xr, Vec xh, Vec gz, Vec gr, Vec gh, Vec h) {
  const Vec z = sigmoid(add(xz, gz));
  const Vec r = sigmoid(add(xr, gr));
  const Vec candidate = tanh(mul_add(r, gh, xh));
  return mul_add(z, sub(h, candidate), candidate);  // z h + (1 - z) h~
}

// The attention activations: tanh, relu max(u, 0), linear u.
float activate(Activation activation, float u) {
  if (activation == Activation::Tanh) return std::tanh(u);
  if (activation == Activation::Relu) return std::max(u, 0.0f);
  return u;
}

// A tile of R rows by V vectors of X W + b. With these widths its R·V accumulators, V vectors of
// W and one broadcast input fit in the 16 vector registers of x86-64 (where V8 runs WebAssembly).
template <int R>
constexpr int kTileVectors = R == 1 ? 4 : 2;

template <int R, int V>
struct Tile {
  Vec rows[R][V];
};

// Rows [0, R) of X (x, row stride x_stride) times the V·kWidth columns of W from `column`, plus
// the bias: the sum over i runs in order, as in the reference.
template <int R, int V>
Tile<R, V> product_tile(const float* x, int x_stride, ConstMatrixView w, const float* bias,
                        int column) {
  Tile<R, V> tile;
  for (int v = 0; v < V; ++v) {
    const Vec start = bias ? load(bias + column + v * kWidth) : splat(0.0f);
    for (int r = 0; r < R; ++r) tile.rows[r][v] = start;
  }
  const float* w_i = w.data + column;
  for (int i = 0; i < w.rows; ++i, w_i += w.stride) {
    Vec w_vectors[V];
    for (int v = 0; v < V; ++v) w_vectors[v] = load(w_i + v * kWidth);
    for (int r = 0; r < R; ++r) {
      const Vec x_ri = splat(x[r * x_stride + i]);
      for (int v = 0; v < V; ++v) tile.rows[r][v] = mul_add(x_ri, w_vectors[v], tile.rows[r][v]);
    }
  }
  return tile;
}

// One element of x W + b, for the columns no vector covers.
float product_element(const float* x, ConstMatrixView w, const float* bias, int column) {
  float sum = bias ? bias[column] : 0.0f;
  for (int i = 0; i < w.rows; ++i) sum += x[i] * w.data[i * w.stride + column];
  return sum;
}

template <int R, int V>
void store_tile(const Tile<R, V>& tile, float* y, int y_stride) {
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < V; ++v) store(y + r * y_stride + v * kWidth, tile.rows[r][v]);
  }
}

// Rows [0, R) of Y = X W + b. The columns after the last whole vector are covered by one more
// vector ending at the last column: it recomputes a few stored columns, to the same values.
template <int R>
void gemm_rows(const float* x, int x_stride, ConstMatrixView w, const float* bias, float* y,
               int y_stride) {
  constexpr int V = kTileVectors<R>;
  int j = 0;
  for (; j + V * kWidth <= w.cols; j += V * kWidth) {
    store_tile(product_tile<R, V>(x, x_stride, w, bias, j), y + j, y_stride);
  }
  for (; w.cols >= kWidth && j < w.cols; j += kWidth) {
    const int at = std::min(j, w.cols - kWidth);  // the last one may overlap the one before
    store_tile(product_tile<R, 1>(x, x_stride, w, bias, at), y + at, y_stride);
  }
  for (; j < w.cols; ++j) {
    for (int r = 0; r < R; ++r) y[r * y_stride + j] = product_element(x + r * x_stride, w, bias, j);
  }
}

// s_t = act(u_t) · c for the rows u_t of U (`cols` values each, one after another).
void attention_scores(const float* u, int rows, int cols, const float* context,
                      Activation activation, float* scores) {
  for (int t = 0; t < rows; ++t, u += cols) {
    Vec partial = splat(0.0f);
    int j = 0;
    if (activation == Activation::Tanh) {  // the usual one, in a loop of its own
      for (; j + kWidth <= cols; j += kWidth) {
        partial = mul_add(tanh(load(u + j)), load(context + j), partial);
      }
    } else {
      const Vec floor = splat(activation == Activation::Relu ? 0.0f : -INFINITY);
      for (; j + kWidth <= cols; j += kWidth) {
        partial = mul_add(max(load(u + j), floor), load(context + j), partial);
      }
    }
    scores[t] = sum(partial);
    for (; j < cols; ++j) scores[t] += activate(activation, u[j]) * context[j];
  }
}

// --- the integer products ---

// Vectors of int32 sums per panel of kInt8Panel columns, and the bytes of one vector's weights in
// a block of a pair of inputs.
constexpr int kPanelVectors = kInt8Panel / kWidth;
constexpr int kPairBytes = 2 * kWidth;

// The sums of rows [0, R) of X times P panels of W from `panel` on, in integers.
template <int R, int P>
struct IntTile {
  IVec sums[R][P][kPanelVectors];
};

template <int R, int P>
IntTile<R, P> int8_tile(const int16_t* x, int x_stride, Int8MatrixView w, int panel) {
  IntTile<R, P> tile;
  const int pairs = w.pairs();
  const int8_t* blocks = w.packed + static_cast<size_t>(panel) * pairs * 16;
  // The sums of pair i; pair 0 sets them, rather than zeroing them first, which became a call to
  // memset for every tile in WebAssembly.
  auto add_pair = [&](int i, auto first) {
    IVec weights[P][kPanelVectors];
    for (int p = 0; p < P; ++p) {
      for (int v = 0; v < kPanelVectors; ++v) {
        weights[p][v] =
            load_int8_pairs(blocks + (static_cast<size_t>(p) * pairs + i) * 16 + v * kPairBytes);
      }
    }
    for (int r = 0; r < R; ++r) {
      const IVec inputs = splat_int16_pair(x + r * x_stride + 2 * i);
      for (int p = 0; p < P; ++p) {
        for (int v = 0; v < kPanelVectors; ++v) {
          IVec& sum = tile.sums[r][p][v];
          if constexpr (decltype(first)::value) {
            sum = dot(inputs, weights[p][v]);
          } else {
            sum = dot_add(sum, inputs, weights[p][v]);
          }
        }
      }
    }
  };
  add_pair(0, std::true_type{});
  for (int i = 1; i < pairs; ++i) add_pair(i, std::false_type{});
  return tile;
}

// float(sum) · (scale_r · scale_j) + b_j for the kWidth columns from `column`, in the reference's
// order of operations (no fused multiply-add), so that both round alike.
Vec dequantize(IVec sum, float row_scale, Int8MatrixView w, int column) {
  const Vec scaled = mul(to_float(sum), mul(splat(row_scale), load(w.scales + column)));
  return add(scaled, w.bias ? load(w.bias + column) : splat(0.0f));
}

// Rows [0, R) of Y = X W + b. Every panel but a partial last one is stored directly; that one
// goes through a buffer, from which its real columns are copied.
template <int R>
void gemm_int8_rows(const int16_t* x, int x_stride, const float* x_scales, Int8MatrixView w,
                    float* y, int y_stride) {
  // A single row takes two panels at a time natively, where AVX-VNNI's multiply-add chains wait on
  // each other; WebAssembly's dot products are off the chain, so one panel (two vectors) keeps
  // its pipelines as busy, in less code.
  constexpr int P = R == 1 && kWidth == 8 ? 2 : 1;
  const int panels = w.panels();
  auto store_panels = [&](const auto& tile, int panel, int count) {
    for (int r = 0; r < R; ++r) {
      for (int p = 0; p < count; ++p) {
        const int column = (panel + p) * kInt8Panel;
        float lanes[kInt8Panel];
        const bool whole = column + kInt8Panel <= w.cols;
        float* out = whole ? y + r * y_stride + column : lanes;
        for (int v = 0; v < kPanelVectors; ++v) {
          store(out + v * kWidth,
                dequantize(tile.sums[r][p][v], x_scales[r], w, column + v * kWidth));
        }
        if (!whole) std::copy(lanes, lanes + (w.cols - column), y + r * y_stride + column);
      }
    }
  };
  int panel = 0;
  for (; panel + P <= panels; panel += P) {
    store_panels(int8_tile<R, P>(x, x_stride, w, panel), panel, P);
  }
  for (; panel < panels; ++panel) store_panels(int8_tile<R, 1>(x, x_stride, w, panel), panel, 1);
}

}  // namespace

void tanh(const float* x, float* y, int n) {
  map(x, y, n, [](Vec v) { return tanh(v); });
}

void sigmoid(const float* x, float* y, int n) {
  map(x, y, n, [](Vec v) { return sigmoid(v); });
}

void gru_step(const float* x, const float* g, const float* h, float* next, int units) {
  const int u = units;
  auto update = [&](int j) {
    return gru_update(load(x + j), load(x + u + j), load(x + 2 * u + j), load(g + j),
                      load(g + u + j), load(g + 2 * u + j), load(h + j));
  };
  if (u >= kWidth) {
    for (int j = 0; j < u; j += kWidth) {
      // The last vector ends at the last unit: it may recompute a few units to the same values
      // (next does not overlap h), cheaper than assembling a partial vector.
      const int at = std::min(j, u - kWidth);
      store(next + at, update(at));
    }
    return;
  }
  auto part = [u](const float* p) { return load_partial(p, u); };
  store_partial(next,
                gru_update(part(x), part(x + u), part(x + 2 * u), part(g), part(g + u),
                           part(g + 2 * u), part(h)),
                u);
}

void gemv(const float* x, ConstMatrixView w, const float* bias, float* y) {
  gemm_rows<1>(x, 0, w, bias, y, 0);
}

void gemm(ConstMatrixView x, ConstMatrixView w, const float* bias, MatrixView y) {
  int r = 0;
  for (; r + 4 <= x.rows; r += 4) {
    gemm_rows<4>(x.data + r * x.stride, x.stride, w, bias, y.data + r * y.stride, y.stride);
  }
  // The last 2 or 3 rows as one more tile of 4 ending at the last row, as for the columns: it
  // recomputes a row or two to the same values, but each load of W feeds four rows instead of
  // one (the recurrent products of a document's few sentences often end this way).
  if (x.rows - r >= 2 && x.rows >= 4) {
    const int last = x.rows - 4;
    gemm_rows<4>(x.data + last * x.stride, x.stride, w, bias, y.data + last * y.stride, y.stride);
    return;
  }
  for (; r < x.rows; ++r) {
    gemm_rows<1>(x.data + r * x.stride, x.stride, w, bias, y.data + r * y.stride, y.stride);
  }
}

void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* projections, float* weights, float* pooled) {
  const int units = a.kernel.cols;
  gemm(h, a.kernel, a.bias, {projections, h.rows, units, units});
  attention_scores(projections, h.rows, units, a.context, a.activation, weights);
  masked_softmax(weights, h.rows, mask);
  gemv(weights, h, nullptr, pooled);  // p = alpha H
}

void quantize_rows(ConstMatrixView x, int16_t* q, int stride, float* scales) {
  const float limit = static_cast<float>(int16_limit(x.cols));
  for (int r = 0; r < x.rows; ++r) {
    const float* row = x.data + r * x.stride;
    int16_t* out = q + r * stride;
    Vec largest_lanes = splat(0.0f);
    int k = 0;
    for (; k + kWidth <= x.cols; k += kWidth)
      largest_lanes = max(largest_lanes, abs(load(row + k)));
    float lanes[kWidth];
    store(lanes, largest_lanes);
    float largest = *std::max_element(lanes, lanes + kWidth);
    for (int rest = k; rest < x.cols; ++rest) largest = std::max(largest, std::abs(row[rest]));
    const float inverse = largest > 0 ? limit / largest : 0.0f;
    scales[r] = largest / limit;
    const Vec factor = splat(inverse);
    for (k = 0; k + kWidth <= x.cols; k += kWidth)
      store_rounded_int16(out + k, mul(load(row + k), factor));
    for (; k < x.cols; ++k) out[k] = static_cast<int16_t>(std::nearbyint(row[k] * inverse));
    std::fill(out + x.cols, out + stride, int16_t{0});
  }
}

void gemm_int8(Int16RowsView x, Int8MatrixView w, MatrixView y) {
  int r = 0;
  for (; r + 4 <= x.rows; r += 4) {
    gemm_int8_rows<4>(x.data + r * x.stride, x.stride, x.scales + r, w, y.data + r * y.stride,
                      y.stride);
  }
  if (x.rows - r >= 2 && x.rows >= 4) {  // one more tile of 4 ending at the last row, as in gemm
    const int last = x.rows - 4;
    gemm_int8_rows<4>(x.data + last * x.stride, x.stride, x.scales + last, w,
                      y.data + last * y.stride, y.stride);
    return;
  }
  for (; r < x.rows; ++r) {
    gemm_int8_rows<1>(x.data + r * x.stride, x.stride, x.scales + r, w, y.data + r * y.stride,
                      y.stride);
  }
}

void attention_int8(ConstMatrixView h, Int16RowsView hq, Int8MatrixView w, const float* context,
                    Activation activation, const std::vector<bool>& mask, float* projections,
                    float* weights, float* pooled) {
  gemm_int8(hq, w, {projections, h.rows, w.cols, w.cols});
  attention_scores(projections, h.rows, w.cols, context, activation, weights);
  masked_softmax(weights, h.rows, mask);
  gemv(weights, h, nullptr, pooled);  // p = alpha H
}

}  // namespace han::kernels::vectorised

#endif  // HAN_VECTORISED_KERNELS
