#pragma once
// Matrix conventions of the core: a sequence is a matrix with one row per time step, a single
// step is a row vector, and weights use the Keras layout (y = x * kernel + bias). Row-major
// storage keeps each time step contiguous.
#include <Eigen/Core>

namespace han {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

}  // namespace han
