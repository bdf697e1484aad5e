#include "train/optimizer.h"

#include <algorithm>
#include <string>

namespace han {

double LearningRateSchedule::factor(int64_t step) const {
  switch (kind) {
    case Kind::Constant:
      return 1;
    case Kind::StepDecay:
      return std::pow(decay_factor, static_cast<double>(step / decay_every));
    case Kind::WarmupLinearDecay:
      if (step < warmup_steps)
        return static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
      return std::max(0.0, static_cast<double>(total_steps - step) /
                               static_cast<double>(total_steps - warmup_steps));
  }
  return 1;
}

void LearningRateSchedule::validate() const {
  if (kind == Kind::StepDecay && (decay_every <= 0 || !(decay_factor > 0 && decay_factor <= 1))) {
    throw Error("step decay needs decay_every > 0 and a decay factor in (0, 1]");
  }
  if (kind == Kind::WarmupLinearDecay && (warmup_steps < 0 || total_steps <= warmup_steps)) {
    throw Error("linear warmup and decay needs 0 <= warmup_steps < total_steps");
  }
}

void OptimizerConfig::validate() const {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw Error("optimiser: " + message);
  };
  require(learning_rate > 0, "the learning rate must be positive");
  require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam's betas must be in [0, 1)");
  require(epsilon > 0, "Adam's epsilon must be positive");
  require(momentum >= 0 && momentum < 1, "the momentum must be in [0, 1)");
  require(weight_decay >= 0, "the weight decay must not be negative");
  require(clip_norm >= 0, "the clipping norm must not be negative");
  schedule.validate();
}

}  // namespace han
