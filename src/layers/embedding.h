#pragma once
// Embedding lookup. Id 0 is padding and id 1 the unknown word; both are ordinary rows here, the
// HAN drops padding before it gets this far.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace han {

// Row i of the result is row ids[i] of the table.
template <typename T>
Matrix<T> embedding_lookup(const Matrix<T>& table, const std::vector<int32_t>& ids) {
  Matrix<T> out(static_cast<Eigen::Index>(ids.size()), table.cols());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= table.rows()) {
      throw Error("word id " + std::to_string(ids[i]) + " is outside the vocabulary of " +
                  std::to_string(table.rows()) + " words");
    }
    out.row(static_cast<Eigen::Index>(i)) = table.row(ids[i]);
  }
  return out;
}

}  // namespace han
