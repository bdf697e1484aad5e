#pragma once
// A model's parameters paired with their gradients, as the optimiser and the training loop walk
// them. Gradients live in a second params-shaped struct (e.g. a HanParams holding gradients), so
// the one visitor of a model (visit_han_params, ...) names both, in the same order.
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "layers/embedding.h"

namespace han {

template <typename T>
struct ParamSlot {
  std::string name;
  Matrix<T>* value = nullptr;
  Matrix<T>* gradient = nullptr;
  // Set for a sparse gradient (the embedding): only these rows of `gradient` can be non-zero.
  TouchedRows* sparse_rows = nullptr;
};

// Pairs every parameter with its gradient by walking both with `visit_params`, a callable such as
// [](auto& p, auto&& visit) { visit_han_params(p, visit); }.
template <typename T, typename Params, typename VisitParams>
std::vector<ParamSlot<T>> pair_params(Params& params, Params& gradients,
                                      VisitParams&& visit_params) {
  std::vector<ParamSlot<T>> slots;
  visit_params(params, [&](const std::string& name, Matrix<T>& value, bool) {
    slots.push_back({name, &value, nullptr, nullptr});
  });
  size_t next = 0;
  visit_params(gradients, [&](const std::string& name, Matrix<T>& gradient, bool) {
    if (next == slots.size() || slots[next].name != name ||
        slots[next].value->rows() != gradient.rows() ||
        slots[next].value->cols() != gradient.cols()) {
      throw Error("gradient " + name + " does not match the parameters");
    }
    slots[next++].gradient = &gradient;
  });
  if (next != slots.size()) throw Error("the gradients lack " + slots[next].name);
  return slots;
}

// Calls f(first_row, row_count) for the parts of the slot's gradient that can be non-zero: all
// rows at once for a dense gradient, each touched row for a sparse one.
template <typename T, typename F>
void for_each_gradient_rows(const ParamSlot<T>& slot, F&& f) {
  if (!slot.sparse_rows) {
    f(Eigen::Index{0}, slot.gradient->rows());
    return;
  }
  for (int32_t row : slot.sparse_rows->rows()) f(Eigen::Index{row}, Eigen::Index{1});
}

// The L2 norm of all gradients together.
template <typename T>
double gradient_norm(const std::vector<ParamSlot<T>>& slots) {
  double sum_of_squares = 0;
  for (const ParamSlot<T>& slot : slots) {
    for_each_gradient_rows(slot, [&](Eigen::Index first, Eigen::Index count) {
      sum_of_squares +=
          slot.gradient->middleRows(first, count).template cast<double>().squaredNorm();
    });
  }
  return std::sqrt(sum_of_squares);
}

template <typename T>
void scale_gradients(const std::vector<ParamSlot<T>>& slots, T factor) {
  for (const ParamSlot<T>& slot : slots) {
    for_each_gradient_rows(slot, [&](Eigen::Index first, Eigen::Index count) {
      slot.gradient->middleRows(first, count) *= factor;
    });
  }
}

// Zeroes every gradient (a sparse one on its touched rows only) and forgets the touched rows.
template <typename T>
void zero_gradients(const std::vector<ParamSlot<T>>& slots) {
  for (const ParamSlot<T>& slot : slots) {
    for_each_gradient_rows(slot, [&](Eigen::Index first, Eigen::Index count) {
      slot.gradient->middleRows(first, count).setZero();
    });
    if (slot.sparse_rows) slot.sparse_rows->clear();
  }
}

}  // namespace han
