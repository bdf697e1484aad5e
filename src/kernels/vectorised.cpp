// The vectorised kernels (kernels.h), written once against the vector operations of simd.h.
#include "kernels/kernels.h"

#ifdef HAN_VECTORISED_KERNELS

#include <algorithm>
#include <cmath>

#include "kernels/simd.h"

namespace han::kernels::vectorised {
namespace {

using namespace simd;

// tanh(x) ≈ x P(x²) / Q(x²) on x clamped to ±7.9053, where the quotient reaches 1: the rational
// approximation Eigen uses for float (generic_fast_tanh_float), within a few ulp of std::tanh.
// Written once for vectors and for single floats (the columns after the last whole vector).
template <typename V, typename Ops>
V rational_tanh(V x, Ops ops) {
  const V limit = ops.splat(7.90531110763549805f);
  x = ops.max(ops.min(x, limit), ops.splat(-7.90531110763549805f));
  const V x2 = ops.mul(x, x);
  V p = ops.mul_add(x2, ops.splat(-2.76076847742355e-16f), ops.splat(2.00018790482477e-13f));
  p = ops.mul_add(x2, p, ops.splat(-8.60467152213735e-11f));
  p = ops.mul_add(x2, p, ops.splat(5.12229709037114e-08f));
  p = ops.mul_add(x2, p, ops.splat(1.48572235717979e-05f));
  p = ops.mul_add(x2, p, ops.splat(6.37261928875436e-04f));
  p = ops.mul_add(x2, p, ops.splat(4.89352455891786e-03f));
  V q = ops.mul_add(x2, ops.splat(1.19825839466702e-06f), ops.splat(1.18534705686654e-04f));
  q = ops.mul_add(x2, q, ops.splat(2.26843463243900e-03f));
  q = ops.mul_add(x2, q, ops.splat(4.89352518554385e-03f));
  return ops.div(ops.mul(x, p), q);
}

struct VectorOps {
  static Vec splat(float x) { return simd::splat(x); }
  static Vec add(Vec a, Vec b) { return simd::add(a, b); }
  static Vec sub(Vec a, Vec b) { return simd::sub(a, b); }
  static Vec mul(Vec a, Vec b) { return simd::mul(a, b); }
  static Vec div(Vec a, Vec b) { return simd::div(a, b); }
  static Vec mul_add(Vec a, Vec b, Vec c) { return simd::mul_add(a, b, c); }
  static Vec min(Vec a, Vec b) { return simd::min(a, b); }
  static Vec max(Vec a, Vec b) { return simd::max(a, b); }
};

struct FloatOps {
  static float splat(float x) { return x; }
  static float add(float a, float b) { return a + b; }
  static float sub(float a, float b) { return a - b; }
  static float mul(float a, float b) { return a * b; }
  static float div(float a, float b) { return a / b; }
  static float mul_add(float a, float b, float c) { return a * b + c; }
  static float min(float a, float b) { return std::min(a, b); }
  static float max(float a, float b) { return std::max(a, b); }
};

Vec tanh(Vec x) {
  return rational_tanh(x, VectorOps{});
}

// σ(x) = (1 + tanh(x / 2)) / 2 exactly, so σ costs one tanh and no exponential.
template <typename V, typename Ops>
V rational_sigmoid(V x, Ops ops) {
  const V half = ops.splat(0.5f);
  return ops.mul_add(rational_tanh(ops.mul(x, half), ops), half, half);
}

// One unit-vector of the GRU step (kernels.h), for vectors or single floats.
template <typename V, typename Ops>
V gru_update(V xz, V xr, V xh, V gz, V gr, V gh, V h, Ops ops) {
  const V z = rational_sigmoid(ops.add(xz, gz), ops);
  const V r = rational_sigmoid(ops.add(xr, gr), ops);
  const V candidate = rational_tanh(ops.mul_add(r, gh, xh), ops);
  return ops.mul_add(z, ops.sub(h, candidate), candidate);  // z h + (1 - z) h~
}

// The attention activations: tanh, relu max(u, 0), linear u.
Vec activate(Activation activation, Vec u) {
  if (activation == Activation::Tanh) return tanh(u);
  if (activation == Activation::Relu) return max(u, splat(0.0f));
  return u;
}

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
  for (; j + kWidth <= w.cols; j += kWidth) {
    store_tile(product_tile<R, 1>(x, x_stride, w, bias, j), y + j, y_stride);
  }
  if (j < w.cols && w.cols >= kWidth) {
    const int last = w.cols - kWidth;
    store_tile(product_tile<R, 1>(x, x_stride, w, bias, last), y + last, y_stride);
    return;
  }
  for (; j < w.cols; ++j) {
    for (int r = 0; r < R; ++r) y[r * y_stride + j] = product_element(x + r * x_stride, w, bias, j);
  }
}

// partial_r += act(u_r) ⊙ c, u_r the tile's row r and c the context at the tile's columns.
template <int R, int V>
void add_scores(const Tile<R, V>& tile, Activation activation, const float* context,
                Vec (&partial)[R]) {
  for (int v = 0; v < V; ++v) {
    const Vec c = load(context + v * kWidth);
    for (int r = 0; r < R; ++r) {
      partial[r] = mul_add(activate(activation, tile.rows[r][v]), c, partial[r]);
    }
  }
}

// s_t = act(h_t W + b) · c for rows [0, R) of H, without storing the projection. As in
// gemm_rows, one more vector ends at the last column; the lanes of the columns already counted
// are cleared in its copy of c.
template <int R>
void attention_scores(const float* h, int h_stride, const AttentionWeights& a, float* scores) {
  constexpr int V = kTileVectors<R>;
  const ConstMatrixView& w = a.kernel;
  Vec partial[R];
  for (int r = 0; r < R; ++r) partial[r] = splat(0.0f);
  int j = 0;
  for (; j + V * kWidth <= w.cols; j += V * kWidth) {
    add_scores(product_tile<R, V>(h, h_stride, w, a.bias, j), a.activation, a.context + j, partial);
  }
  for (; j + kWidth <= w.cols; j += kWidth) {
    add_scores(product_tile<R, 1>(h, h_stride, w, a.bias, j), a.activation, a.context + j, partial);
  }
  if (j < w.cols && w.cols >= kWidth) {
    const int last = w.cols - kWidth, counted = j - last;
    float context[kWidth];
    for (int lane = 0; lane < kWidth; ++lane) {
      context[lane] = lane < counted ? 0.0f : a.context[last + lane];
    }
    add_scores(product_tile<R, 1>(h, h_stride, w, a.bias, last), a.activation, context, partial);
    j = w.cols;
  }
  for (int r = 0; r < R; ++r) {
    scores[r] = sum(partial[r]);
    for (int column = j; column < w.cols; ++column) {
      const float u = product_element(h + r * h_stride, w, a.bias, column);
      scores[r] += activate(a.activation, u) * a.context[column];
    }
  }
}

template <typename Apply>
void map(const float* x, float* y, int n, Apply apply) {
  int i = 0;
  for (; i + kWidth <= n; i += kWidth) store(y + i, apply(load(x + i), VectorOps{}));
  for (; i < n; ++i) y[i] = apply(x[i], FloatOps{});
}

}  // namespace

void tanh(const float* x, float* y, int n) {
  map(x, y, n, [](auto v, auto ops) { return rational_tanh(v, ops); });
}

void sigmoid(const float* x, float* y, int n) {
  map(x, y, n, [](auto v, auto ops) { return rational_sigmoid(v, ops); });
}

void gru_step(const float* x, const float* g, const float* h, float* next, int units) {
  const int u = units;
  int j = 0;
  for (; j + kWidth <= u; j += kWidth) {
    store(next + j, gru_update(load(x + j), load(x + u + j), load(x + 2 * u + j), load(g + j),
                               load(g + u + j), load(g + 2 * u + j), load(h + j), VectorOps{}));
  }
  for (; j < u; ++j) {
    next[j] =
        gru_update(x[j], x[u + j], x[2 * u + j], g[j], g[u + j], g[2 * u + j], h[j], FloatOps{});
  }
}

void gemv(const float* x, ConstMatrixView w, const float* bias, float* y) {
  gemm_rows<1>(x, 0, w, bias, y, 0);
}

void gemm(ConstMatrixView x, ConstMatrixView w, const float* bias, MatrixView y) {
  int r = 0;
  for (; r + 4 <= x.rows; r += 4) {
    gemm_rows<4>(x.data + r * x.stride, x.stride, w, bias, y.data + r * y.stride, y.stride);
  }
  for (; r < x.rows; ++r) {
    gemm_rows<1>(x.data + r * x.stride, x.stride, w, bias, y.data + r * y.stride, y.stride);
  }
}

void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* weights, float* pooled) {
  int t = 0;
  for (; t + 4 <= h.rows; t += 4) {
    attention_scores<4>(h.data + t * h.stride, h.stride, a, weights + t);
  }
  for (; t < h.rows; ++t) attention_scores<1>(h.data + t * h.stride, h.stride, a, weights + t);
  masked_softmax(weights, h.rows, mask);
  gemv(weights, h, nullptr, pooled);  // p = alpha H
}

}  // namespace han::kernels::vectorised

#endif  // HAN_VECTORISED_KERNELS
