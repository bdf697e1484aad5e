#pragma once
// The matrix products of the layers' forward and backward passes: float, the inference and
// training type, runs on the kernels of src/kernels/ (which have a WebAssembly SIMD path, where
// Eigen has none); any other type (double in the gradient tests) on Eigen.
// Arguments are Eigen matrices, rows or blocks of them whose rows are contiguous in memory.
#include <type_traits>

#include "core/tensor.h"
#include "kernels/kernels.h"

namespace han {
namespace detail {

template <typename Derived>
kernels::ConstMatrixView const_view(const Eigen::MatrixBase<Derived>& m) {
  static_assert(Derived::IsRowMajor && Derived::InnerStrideAtCompileTime == 1);
  return {m.derived().data(), static_cast<int>(m.rows()), static_cast<int>(m.cols()),
          static_cast<int>(m.derived().outerStride())};
}

template <typename Derived>
kernels::MatrixView mutable_view(Eigen::MatrixBase<Derived>& m) {
  static_assert(Derived::IsRowMajor && Derived::InnerStrideAtCompileTime == 1);
  return {m.derived().data(), static_cast<int>(m.rows()), static_cast<int>(m.cols()),
          static_cast<int>(m.derived().outerStride())};
}

// out = x W + bias (bias a row, or null): a row vector x takes the matrix-vector kernel.
template <typename X, typename W, typename Out>
void kernel_product(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<W>& w, const float* bias,
                    Eigen::MatrixBase<Out>& out) {
  if constexpr (X::RowsAtCompileTime == 1) {
    kernels::selected::gemv(x.derived().data(), const_view(w), bias, out.derived().data());
  } else {
    kernels::selected::gemm(const_view(x), const_view(w), bias, mutable_view(out));
  }
}

}  // namespace detail

// out = x W, where out already has the shape of the product.
template <typename X, typename W, typename Out>
void multiply(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<W>& w, Out&& out) {
  if constexpr (std::is_same_v<typename X::Scalar, float>) {
    detail::kernel_product(x, w, nullptr, out);
  } else {
    out.noalias() = x * w;
  }
}

// out = x W + b, the row b added to every row, where out already has the shape of the product.
template <typename X, typename W, typename B, typename Out>
void multiply_add(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<W>& w,
                  const Eigen::MatrixBase<B>& b, Out&& out) {
  if constexpr (std::is_same_v<typename X::Scalar, float>) {
    static_assert(B::InnerStrideAtCompileTime == 1);
    detail::kernel_product(x, w, b.derived().data(), out);
  } else {
    out.noalias() = x * w;
    out.rowwise() += b;
  }
}

// The training passes' products: the backward passes, and the forward passes that keep what the
// backward needs. In WebAssembly they run on the kernels, since Eigen has no SIMD path there:
// fine-tuning the bundled model in Chromium took 15.2 s on Eigen, 11.0 s on the kernels. Natively
// they stay on Eigen, which vectorises them and is the faster: the same fine-tune took 6.1 s on
// Eigen, 7.4 s on the kernels (docs/benchmarks.md, "Training in the browser").
#ifdef __EMSCRIPTEN__
inline constexpr bool kTrainOnKernels = true;
#else
inline constexpr bool kTrainOnKernels = false;
#endif

template <typename Scalar>
inline constexpr bool kTrainKernels = kTrainOnKernels&& std::is_same_v<Scalar, float>;

// out = x W, as multiply, for the training passes.
template <typename X, typename W, typename Out>
void train_multiply(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<W>& w, Out&& out) {
  if constexpr (kTrainKernels<typename X::Scalar>) {
    detail::kernel_product(x, w, nullptr, out);
  } else {
    out.noalias() = x * w;
  }
}

// out = x W + b, as multiply_add, for the training passes.
template <typename X, typename W, typename B, typename Out>
void train_multiply_add(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<W>& w,
                        const Eigen::MatrixBase<B>& b, Out&& out) {
  if constexpr (kTrainKernels<typename X::Scalar>) {
    static_assert(B::InnerStrideAtCompileTime == 1);
    detail::kernel_product(x, w, b.derived().data(), out);
  } else {
    out.noalias() = x * w;
    out.rowwise() += b;
  }
}

// Wᵀ for the backward passes' products x Wᵀ (train_multiply(x, train_transpose(W), out)): a
// matrix of its own for the kernels, which read their right-hand side row by row; Eigen's
// transpose of W itself for Eigen.
template <typename W>
auto train_transpose(const Eigen::MatrixBase<W>& w) {
  if constexpr (kTrainKernels<typename W::Scalar>) {
    return Matrix<typename W::Scalar>(w.transpose());
  } else {
    return w.transpose();
  }
}

// g += aᵀ b, the parameter gradients' sum over steps of outer products.
template <typename A, typename B, typename G>
void add_transposed_product(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b, G&& g) {
  if constexpr (kTrainKernels<typename A::Scalar>) {
    const Matrix<float> at = a.transpose();
    Matrix<float> product(at.rows(), b.cols());
    multiply(at, b, product);
    g += product;
  } else {
    g.noalias() += a.transpose() * b;
  }
}

}  // namespace han
