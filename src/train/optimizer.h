#pragma once
// Optimisers over ParamSlot lists (han_param_slots, sequence_param_slots): Adam (the default) and
// SGD with momentum (Yang et al.'s choice), with global-norm gradient clipping, L2 weight decay
// and a learning-rate schedule.
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "train/parameters.h"

namespace han {

enum class OptimizerMethod { Adam, Sgd };

// The learning rate of update `step` (0-based) is the base rate times factor(step):
//   constant             1
//   step decay           decay_factor ^ floor(step / decay_every)
//   linear warmup+decay  rising linearly to 1 over warmup_steps, then falling linearly to 0 at
//                        total_steps (and staying there)
struct LearningRateSchedule {
  enum class Kind { Constant, StepDecay, WarmupLinearDecay };
  Kind kind = Kind::Constant;
  int64_t decay_every = 0;  // StepDecay
  double decay_factor = 0.5;
  int64_t warmup_steps = 0;  // WarmupLinearDecay
  int64_t total_steps = 0;

  double factor(int64_t step) const;
  void validate() const;  // throws han::Error on settings that make no sense
};

struct OptimizerConfig {
  OptimizerMethod method = OptimizerMethod::Adam;
  double learning_rate = 1e-3;
  LearningRateSchedule schedule;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // Adam
  double momentum = 0.9;                              // SGD
  // L2 regularisation: weight_decay * w is added to the gradient of every parameter (as PyTorch's
  // weight_decay does; for a sparse slot, on its touched rows).
  double weight_decay = 0;
  // When > 0, all gradients are scaled together so that their global L2 norm is at most this.
  double clip_norm = 0;

  void validate() const;  // throws han::Error on settings that make no sense
};

// Scales all gradients together so that their global L2 norm is at most max_norm; returns the norm
// before scaling.
template <typename T>
double clip_gradient_norm(const std::vector<ParamSlot<T>>& slots, double max_norm) {
  const double norm = gradient_norm(slots);
  if (norm > max_norm) scale_gradients(slots, static_cast<T>(max_norm / norm));
  return norm;
}

// One optimiser for one list of slots; it keeps per-slot state, so every step must get the same
// parameters in the same order. A sparse slot (the embedding) is updated on its touched rows only,
// and its state moves on those rows only ("lazy" Adam, as TensorFlow's LazyAdam and PyTorch's
// SparseAdam do); the bias correction uses the global step count.
//   Adam: m = β1 m + (1 - β1) g,  v = β2 v + (1 - β2) g²,
//         w -= lr (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε)
//   SGD:  v = μ v + g,  w -= lr v   (the PyTorch form)
// where g is the (clipped) gradient plus weight_decay * w.
template <typename T>
class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& config) : config_(config) { config_.validate(); }

  // Clips the gradients in place (if configured) and updates every parameter once. Does not zero
  // the gradients. Returns the global gradient norm before clipping.
  double step(const std::vector<ParamSlot<T>>& slots) {
    prepare_state(slots);
    const double norm =
        config_.clip_norm > 0 ? clip_gradient_norm(slots, config_.clip_norm) : gradient_norm(slots);
    const T rate = static_cast<T>(learning_rate());
    ++steps_;
    const T beta1 = static_cast<T>(config_.beta1), beta2 = static_cast<T>(config_.beta2);
    const T first_correction = static_cast<T>(1 - std::pow(config_.beta1, steps_));
    const T second_correction = static_cast<T>(1 - std::pow(config_.beta2, steps_));
    const T epsilon = static_cast<T>(config_.epsilon), momentum = static_cast<T>(config_.momentum);
    const T decay = static_cast<T>(config_.weight_decay);
    for (size_t i = 0; i < slots.size(); ++i) {
      const ParamSlot<T>& slot = slots[i];
      State& state = state_[i];
      for_each_gradient_rows(slot, [&](Eigen::Index first, Eigen::Index count) {
        auto w = slot.value->middleRows(first, count).array();
        auto m = state.first.middleRows(first, count).array();
        const auto g = slot.gradient->middleRows(first, count).array() + decay * w;
        if (config_.method == OptimizerMethod::Sgd) {
          m = momentum * m + g;
          w -= rate * m;
          return;
        }
        auto v = state.second.middleRows(first, count).array();
        m = beta1 * m + (T(1) - beta1) * g;
        v = beta2 * v + (T(1) - beta2) * g.square();
        w -= rate * (m / first_correction) / ((v / second_correction).sqrt() + epsilon);
      });
    }
    return norm;
  }

  int64_t steps_taken() const { return steps_; }
  // The rate the next step will use.
  double learning_rate() const { return config_.learning_rate * config_.schedule.factor(steps_); }

 private:
  struct State {
    Matrix<T> first;   // Adam's m; SGD's velocity
    Matrix<T> second;  // Adam's v
  };

  void prepare_state(const std::vector<ParamSlot<T>>& slots) {
    if (state_.empty()) {
      for (const ParamSlot<T>& slot : slots) {
        const Eigen::Index rows = slot.value->rows(), cols = slot.value->cols();
        state_.push_back({Matrix<T>::Zero(rows, cols), config_.method == OptimizerMethod::Adam
                                                           ? Matrix<T>::Zero(rows, cols)
                                                           : Matrix<T>()});
      }
    }
    bool same = state_.size() == slots.size();
    for (size_t i = 0; same && i < slots.size(); ++i) {
      same = state_[i].first.rows() == slots[i].value->rows() &&
             state_[i].first.cols() == slots[i].value->cols();
    }
    if (!same) throw Error("the optimiser got different parameters than at its first step");
  }

  OptimizerConfig config_;
  int64_t steps_ = 0;
  std::vector<State> state_;
};

}  // namespace han
