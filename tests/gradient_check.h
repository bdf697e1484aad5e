#pragma once
// Shared by the gradient tests: random parameters, and backward passes held to central finite
// differences in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/sequence_model.h"
#include "train/han_train.h"

namespace han::testing {

constexpr double kStep = 1e-6;
// |analytic - numeric| must be within kRelativeTolerance of the larger of the two, or within
// kAbsoluteTolerance: central differences with a 1e-6 step carry about 1e-10 of rounding noise.
constexpr double kRelativeTolerance = 1e-6;
constexpr double kAbsoluteTolerance = 1e-8;
constexpr size_t kSamplesPerTensor = 20;

inline Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed,
                                    double scale = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-scale, scale);
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  return m;
}

// Fills every parameter that `visit_params` visits with uniform values in [-scale, scale].
template <typename Params, typename VisitParams>
void randomize(Params& p, VisitParams&& visit_params, unsigned seed, double scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-scale, scale);
  visit_params(p, [&](const std::string&, Matrix<double>& m, bool) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  });
}

inline const auto visit_encoder = [](auto& p, auto&& visit) { visit_encoder_params(p, visit); };
inline const auto visit_attention = [](auto& p, auto&& visit) { visit_attention_params(p, visit); };
inline const auto visit_dense = [](auto& p, auto&& visit) { visit_dense_params(p, visit); };

// sum(out ⊙ weights): a loss whose gradient with respect to `out` is `weights`.
inline double weighted_sum(const Matrix<double>& out, const Matrix<double>& weights) {
  return (out.array() * weights.array()).sum();
}

// Compares `analytic` with central differences of `loss` at up to kSamplesPerTensor of the
// `candidates` (flat indices into `value`; all entries when empty).
inline void expect_matches_finite_differences(const std::string& name, Matrix<double>& value,
                                              const Matrix<double>& analytic,
                                              const std::function<double()>& loss,
                                              std::vector<Eigen::Index> candidates = {}) {
  ASSERT_EQ(value.rows(), analytic.rows()) << name;
  ASSERT_EQ(value.cols(), analytic.cols()) << name;
  if (candidates.empty()) {
    for (Eigen::Index i = 0; i < value.size(); ++i) candidates.push_back(i);
  }
  if (candidates.size() > kSamplesPerTensor) {
    std::shuffle(candidates.begin(), candidates.end(),
                 std::mt19937(static_cast<unsigned>(name.size())));
    candidates.resize(kSamplesPerTensor);
  }
  for (Eigen::Index i : candidates) {
    double& entry = value.data()[i];
    const double saved = entry;
    entry = saved + kStep;
    const double up = loss();
    entry = saved - kStep;
    const double down = loss();
    entry = saved;
    const double numeric = (up - down) / (2 * kStep);
    const double exact = analytic.data()[i];
    const double tolerance = std::max(
        kAbsoluteTolerance, kRelativeTolerance * std::max(std::abs(numeric), std::abs(exact)));
    EXPECT_NEAR(exact, numeric, tolerance) << name << " entry " << i;
  }
}

// Every slot's gradient; for a sparse slot, entries of the touched rows (the others must be 0).
inline void expect_gradients_match(const std::vector<ParamSlot<double>>& slots,
                                   const std::function<double()>& loss) {
  for (const ParamSlot<double>& slot : slots) {
    std::vector<Eigen::Index> candidates;
    if (slot.sparse_rows) {
      const std::vector<int32_t>& touched = slot.sparse_rows->rows();
      for (Eigen::Index row = 0; row < slot.gradient->rows(); ++row) {
        if (std::find(touched.begin(), touched.end(), row) != touched.end()) {
          for (Eigen::Index col = 0; col < slot.gradient->cols(); ++col) {
            candidates.push_back(row * slot.gradient->cols() + col);
          }
        } else {
          EXPECT_EQ(slot.gradient->row(row).cwiseAbs().sum(), 0.0) << slot.name << " row " << row;
        }
      }
      ASSERT_FALSE(candidates.empty()) << slot.name;
    }
    expect_matches_finite_differences(slot.name, *slot.value, *slot.gradient, loss, candidates);
  }
}

inline EncoderParams<double> random_encoder(const EncoderConfig& config, int input_dim,
                                            unsigned seed, double scale) {
  EncoderParams<double> e = make_encoder<double>(config, input_dim);
  randomize(e, visit_encoder, seed, scale);
  return e;
}

// True when some gate of the cache sits on a flat part of hard_sigmoid (exactly 0 or 1), where
// the backward must give 0.
inline bool has_saturated_entries(const Matrix<double>& gate) {
  return (gate.array() == 0.0).any() || (gate.array() == 1.0).any();
}

}  // namespace han::testing
