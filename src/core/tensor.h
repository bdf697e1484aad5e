#pragma once
// Matrix conventions of the core: a sequence is a matrix with one row per time step, a single
// step is a row vector, and weights use the Keras layout (y = x * kernel + bias). Row-major
// storage keeps each time step contiguous.
#include <string>

#include <Eigen/Core>

namespace han {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// Parameter visitors (visit_han_params and the like) call visit(name, matrix, is_vector). This
// passes each call on to `visit` with "prefix." in front of the name.
template <typename Visitor>
auto prefixed_visitor(const std::string& prefix, Visitor& visit) {
  return [&visit, prefix](const std::string& name, auto& matrix, bool is_vector) {
    visit(prefix + "." + name, matrix, is_vector);
  };
}

}  // namespace han
