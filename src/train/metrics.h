#pragma once
// Classification metrics from a confusion matrix.
#include <cstddef>
#include <string>
#include <vector>

namespace han {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(size_t classes) : classes_(classes), counts_(classes * classes, 0) {}

  void add(size_t truth, size_t predicted) { ++counts_[truth * classes_ + predicted]; }
  size_t count(size_t truth, size_t predicted) const {
    return counts_[truth * classes_ + predicted];
  }
  size_t classes() const { return classes_; }
  size_t total() const;

  double accuracy() const;
  // Zero when undefined (no predictions of / no examples of the class).
  double precision(size_t k) const;
  double recall(size_t k) const;
  double f1(size_t k) const;
  size_t support(size_t k) const;  // examples whose true class is k

  // A report like scikit-learn's: per-class precision, recall, F1 and support, the confusion
  // matrix, and a last line that is exactly "accuracy: 0.XXXX".
  std::string report(const std::vector<std::string>& labels) const;

 private:
  size_t classes_;
  std::vector<size_t> counts_;
};

}  // namespace han
