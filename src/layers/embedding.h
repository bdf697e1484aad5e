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

// The rows of a table that a sparse gradient has touched, each listed once, in first-touch order,
// so that an optimiser can update (and the trainer clear) only those rows.
class TouchedRows {
 public:
  void add(int32_t row) {
    const size_t index = static_cast<size_t>(row);
    if (index >= is_touched_.size()) is_touched_.resize(index + 1, false);
    if (is_touched_[index]) return;
    is_touched_[index] = true;
    rows_.push_back(row);
  }
  const std::vector<int32_t>& rows() const { return rows_; }
  void clear() {
    for (int32_t row : rows_) is_touched_[static_cast<size_t>(row)] = false;
    rows_.clear();
  }

 private:
  std::vector<int32_t> rows_;
  std::vector<bool> is_touched_;
};

// Backward of embedding_lookup: d table[ids[i]] += d_out[i]. Only those rows change, and they are
// added to `touched`.
template <typename T>
void embedding_backward(const std::vector<int32_t>& ids, const Matrix<T>& d_out, Matrix<T>& d_table,
                        TouchedRows& touched) {
  for (size_t i = 0; i < ids.size(); ++i) {
    d_table.row(ids[i]) += d_out.row(static_cast<Eigen::Index>(i));
    touched.add(ids[i]);
  }
}

}  // namespace han
