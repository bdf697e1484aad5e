#include "train/metrics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace han {

size_t ConfusionMatrix::total() const {
  size_t n = 0;
  for (size_t c : counts_) n += c;
  return n;
}

double ConfusionMatrix::accuracy() const {
  size_t correct = 0;
  for (size_t k = 0; k < classes_; ++k) correct += count(k, k);
  return total() ? static_cast<double>(correct) / static_cast<double>(total()) : 0.0;
}

double ConfusionMatrix::precision(size_t k) const {
  size_t predicted = 0;
  for (size_t t = 0; t < classes_; ++t) predicted += count(t, k);
  return predicted ? static_cast<double>(count(k, k)) / static_cast<double>(predicted) : 0.0;
}

double ConfusionMatrix::recall(size_t k) const {
  return support(k) ? static_cast<double>(count(k, k)) / static_cast<double>(support(k)) : 0.0;
}

double ConfusionMatrix::f1(size_t k) const {
  const double p = precision(k), r = recall(k);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

size_t ConfusionMatrix::support(size_t k) const {
  size_t n = 0;
  for (size_t p = 0; p < classes_; ++p) n += count(k, p);
  return n;
}

std::string ConfusionMatrix::report(const std::vector<std::string>& labels) const {
  size_t width = 9;
  for (const std::string& l : labels) width = std::max(width, l.size() + 2);
  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << std::left << std::setw(static_cast<int>(width)) << ""
      << std::right << std::setw(11) << "precision" << std::setw(9) << "recall" << std::setw(9)
      << "f1" << std::setw(10) << "support"
      << "\n";
  double macro_f1 = 0;
  for (size_t k = 0; k < classes_; ++k) {
    out << std::left << std::setw(static_cast<int>(width)) << labels[k] << std::right
        << std::setw(11) << precision(k) << std::setw(9) << recall(k) << std::setw(9) << f1(k)
        << std::setw(10) << support(k) << "\n";
    macro_f1 += f1(k);
  }
  out << std::left << std::setw(static_cast<int>(width)) << "macro f1" << std::right
      << std::setw(29) << macro_f1 / static_cast<double>(classes_) << std::setw(10) << total()
      << "\n\nconfusion matrix (rows: true label, columns: predicted)\n"
      << std::left << std::setw(static_cast<int>(width)) << "";
  for (size_t k = 0; k < classes_; ++k)
    out << std::right << std::setw(static_cast<int>(width)) << labels[k];
  out << "\n";
  for (size_t t = 0; t < classes_; ++t) {
    out << std::left << std::setw(static_cast<int>(width)) << labels[t];
    for (size_t p = 0; p < classes_; ++p) {
      out << std::right << std::setw(static_cast<int>(width)) << count(t, p);
    }
    out << "\n";
  }
  out << "\naccuracy: " << accuracy() << "\n";
  return out.str();
}

}  // namespace han
