#include "explain/gradient_attribution.h"

#include <cmath>

#include "core/error.h"
#include "explain/gradients.h"

namespace han::explain {
namespace {

// Gradient × input (steps = 0) or integrated gradients (steps > 0) from the gradients of p(y).
Attribution gradients(const HanParams<float>& p, const Document& doc, int steps,
                      const RaggedOptions& ragged) {
  Attribution a = shaped_like(doc, han_forward(p, doc, ragged).probabilities);
  const WordVectors<float> x = lookup_word_vectors(p, doc);
  WordVectors<float> mean_gradient;
  if (steps == 0) {
    mean_gradient = output_gradient(p, x, a.label).d_word_vectors;
  } else {
    for (const Matrix<float>& m : x)
      mean_gradient.push_back(Matrix<float>::Zero(m.rows(), m.cols()));
    WordVectors<float> scaled = x;
    for (int k = 0; k < steps; ++k) {
      const float alpha = (static_cast<float>(k) + 0.5f) / static_cast<float>(steps);
      for (size_t s = 0; s < x.size(); ++s) scaled[s] = alpha * x[s];
      const OutputGradient<float> g = output_gradient(p, scaled, a.label);
      for (size_t s = 0; s < x.size(); ++s) mean_gradient[s] += g.d_word_vectors[s];
    }
    for (Matrix<float>& m : mean_gradient) m /= static_cast<float>(steps);
    WordVectors<float> zero;
    for (const Matrix<float>& m : x) zero.push_back(Matrix<float>::Zero(m.rows(), m.cols()));
    a.baseline_probability = output_gradient(p, zero, a.label).outputs[a.label];
  }
  double total = 0;
  size_t real = 0;  // index into x: the sentences with a real word
  for (size_t s = 0; s < doc.size(); ++s) {
    size_t k = 0;  // the real words of sentence s, in order
    double sentence_total = 0;
    for (size_t w = 0; w < doc[s].size(); ++w) {
      if (doc[s][w] == 0) continue;
      const Eigen::Index row = static_cast<Eigen::Index>(k++);
      const float value = x[real].row(row).dot(mean_gradient[real].row(row));
      a.words[s][w] = value;
      sentence_total += value;
    }
    if (k == 0) continue;
    a.sentences[s] = static_cast<float>(sentence_total);
    total += sentence_total;
    ++real;
  }
  if (steps > 0) {
    const double change = a.probabilities[a.label] - a.baseline_probability;
    a.completeness_error = std::abs(total - change);
  }
  return a;
}

}  // namespace

Attribution attribute_with_gradients(const HanParams<float>& p, const Document& doc,
                                     const Options& options, const RaggedOptions& ragged) {
  switch (options.method) {
    case Method::GradientInput:
      return gradients(p, doc, 0, ragged);
    case Method::IntegratedGradients:
      if (options.steps < Options::kMinSteps || options.steps > Options::kMaxSteps) {
        throw Error("integrated gradients: steps must be from " +
                    std::to_string(Options::kMinSteps) + " to " +
                    std::to_string(Options::kMaxSteps) + ", not " + std::to_string(options.steps));
      }
      return gradients(p, doc, options.steps, ragged);
    default:
      return attribute(p, doc, options, ragged);
  }
}

}  // namespace han::explain
