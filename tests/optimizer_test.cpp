// The optimisers, and a small HAN trained end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gradient_check.h"
#include "test_util.h"
#include "train/optimizer.h"

namespace han {
namespace {

using namespace han::testing;

// ---- Optimisers ----

// One dense 2 x 2 parameter as a slot.
struct OneTensor {
  Matrix<double> value, gradient;
  std::vector<ParamSlot<double>> slots() { return {{"w", &value, &gradient, nullptr}}; }
};

TEST(Optimizer, AdamFirstStepIsLearningRateTimesTheSignOfTheGradient) {
  OneTensor t{random_matrix(2, 2, 36), (Matrix<double>(2, 2) << 3, -0.5, 1e-3, -20).finished()};
  const Matrix<double> before = t.value;
  OptimizerConfig config;
  config.learning_rate = 0.01;
  Optimizer<double> adam(config);
  adam.step(t.slots());
  const Matrix<double> expected = before - 0.01 * t.gradient.array().sign().matrix();
  // Without bias correction the step would be 0.01 * (1 - 0.9) / sqrt(1 - 0.999) = 0.0316 sign(g).
  EXPECT_LT((t.value - expected).cwiseAbs().maxCoeff(), 1e-7);
  EXPECT_EQ(adam.steps_taken(), 1);
}

TEST(Optimizer, SgdMomentumFollowsItsRecurrenceOnAQuadratic) {
  // f(w) = 0.5 Σ a_i w_i², so g = a ⊙ w.
  const Matrix<double> curvature = (Matrix<double>(2, 2) << 1, 4, 0.5, 2).finished();
  OneTensor t{(Matrix<double>(2, 2) << 1, -2, 3, 0.5).finished(), Matrix<double>()};
  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.learning_rate = 0.1;
  config.momentum = 0.9;
  Optimizer<double> sgd(config);
  Matrix<double> w = t.value, velocity = Matrix<double>::Zero(2, 2);
  for (int step = 0; step < 200; ++step) {
    t.gradient = curvature.cwiseProduct(t.value);
    sgd.step(t.slots());
    velocity = 0.9 * velocity + curvature.cwiseProduct(w);
    w -= 0.1 * velocity;
    ASSERT_LT((t.value - w).cwiseAbs().maxCoeff(), 1e-12) << "step " << step;
  }
  EXPECT_LT(t.value.cwiseAbs().maxCoeff(), 1e-2);  // heading for the minimum at 0
}

TEST(Optimizer, ClippingScalesAllGradientsTogetherToTheGivenNorm) {
  Matrix<double> w = Matrix<double>::Zero(2, 2),
                 dw = (Matrix<double>(2, 2) << 3, 0, 0, 4).finished();
  Matrix<double> table = Matrix<double>::Zero(3, 2), d_table = Matrix<double>::Zero(3, 2);
  d_table.row(1) << 0, 12;
  TouchedRows touched;
  touched.add(1);
  const std::vector<ParamSlot<double>> slots = {{"w", &w, &dw, nullptr},
                                                {"table", &table, &d_table, &touched}};
  EXPECT_DOUBLE_EQ(gradient_norm(slots), 13.0);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(slots, 20.0), 13.0);  // under the limit: unchanged
  EXPECT_EQ(dw(1, 1), 4.0);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(slots, 2.6), 13.0);
  EXPECT_NEAR(gradient_norm(slots), 2.6, 1e-12);
  EXPECT_NEAR(dw(0, 0), 0.6, 1e-12);
  EXPECT_NEAR(d_table(1, 1), 2.4, 1e-12);

  zero_gradients(slots);
  EXPECT_EQ(gradient_norm(slots), 0.0);
  EXPECT_TRUE(touched.rows().empty());
}

TEST(Optimizer, AdamUpdatesSparseSlotsOnTheirTouchedRowsOnly) {
  Matrix<double> table = random_matrix(4, 2, 37);
  Matrix<double> d_table = Matrix<double>::Zero(4, 2);
  TouchedRows touched;
  const std::vector<ParamSlot<double>> slots = {{"table", &table, &d_table, &touched}};
  OptimizerConfig config;
  config.learning_rate = 0.01;
  Optimizer<double> adam(config);

  d_table.row(1) << 2, -1;
  touched.add(1);
  Matrix<double> before = table;
  adam.step(slots);
  EXPECT_TRUE(table.row(0) == before.row(0));
  EXPECT_TRUE(table.row(2) == before.row(2));
  EXPECT_NEAR(table(1, 0) - before(1, 0), -0.01, 1e-9);

  // Row 3 is first touched at step 2: its moments start from 0 there ("lazy"), so with the
  // bias correction of step 2 the update is lr sqrt(1 + β2) / (1 + β1) sign(g).
  zero_gradients(slots);
  d_table.row(3) << -5, 0.25;
  touched.add(3);
  before = table;
  adam.step(slots);
  const double lazy_step = 0.01 * std::sqrt(1.999) / 1.9;
  EXPECT_NEAR(table(3, 0) - before(3, 0), lazy_step, 1e-9);
  EXPECT_NEAR(table(3, 1) - before(3, 1), -lazy_step, 1e-9);
  EXPECT_TRUE(table.row(1) == before.row(1));
}

TEST(Optimizer, WeightDecayIsL2OnTheParameters) {
  OneTensor t{random_matrix(2, 2, 38), Matrix<double>::Zero(2, 2)};
  const Matrix<double> before = t.value;
  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.momentum = 0;
  config.learning_rate = 0.1;
  config.weight_decay = 0.01;
  Optimizer<double> sgd(config);
  sgd.step(t.slots());
  EXPECT_LT((t.value - before * (1 - 0.1 * 0.01)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Optimizer, LearningRateSchedules) {
  LearningRateSchedule step_decay;
  step_decay.kind = LearningRateSchedule::Kind::StepDecay;
  step_decay.decay_every = 10;
  step_decay.decay_factor = 0.5;
  EXPECT_EQ(step_decay.factor(0), 1.0);
  EXPECT_EQ(step_decay.factor(9), 1.0);
  EXPECT_EQ(step_decay.factor(10), 0.5);
  EXPECT_EQ(step_decay.factor(25), 0.25);

  LearningRateSchedule warmup;
  warmup.kind = LearningRateSchedule::Kind::WarmupLinearDecay;
  warmup.warmup_steps = 4;
  warmup.total_steps = 10;
  EXPECT_EQ(warmup.factor(0), 0.25);
  EXPECT_EQ(warmup.factor(3), 1.0);
  EXPECT_EQ(warmup.factor(4), 1.0);
  EXPECT_EQ(warmup.factor(7), 0.5);
  EXPECT_EQ(warmup.factor(10), 0.0);
  EXPECT_EQ(warmup.factor(20), 0.0);

  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.momentum = 0;
  config.learning_rate = 0.2;
  config.schedule = warmup;
  OneTensor t{Matrix<double>::Zero(2, 2), Matrix<double>::Ones(2, 2)};
  Optimizer<double> sgd(config);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.05);
  sgd.step(t.slots());
  EXPECT_DOUBLE_EQ(t.value(0, 0), -0.05);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.1);
}

TEST(Optimizer, RejectsBadSettingsAndChangedParameters) {
  OptimizerConfig config;
  config.learning_rate = 0;
  EXPECT_THROW(Optimizer<double>{config}, Error);
  config.learning_rate = 0.1;
  config.schedule.kind = LearningRateSchedule::Kind::StepDecay;  // without decay_every
  EXPECT_THROW(Optimizer<double>{config}, Error);

  Optimizer<double> adam(OptimizerConfig{});
  OneTensor t{Matrix<double>::Zero(2, 2), Matrix<double>::Ones(2, 2)};
  adam.step(t.slots());
  OneTensor other{Matrix<double>::Zero(3, 2), Matrix<double>::Ones(3, 2)};
  EXPECT_THROW(adam.step(other.slots()), Error);
}

// ---- End to end ----

// Documents of filler words (ids 4..11) with one signal word: 2 for class 0, 3 for class 1.
struct LabelledDocument {
  Document words;
  int label;
};

std::vector<LabelledDocument> two_word_task(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int low, int high) { return low + static_cast<int>(rng() % (high - low + 1)); };
  std::vector<LabelledDocument> docs;
  for (size_t i = 0; i < count; ++i) {
    LabelledDocument doc{Document(static_cast<size_t>(pick(1, 3))), static_cast<int>(i % 2)};
    for (auto& sentence : doc.words) {
      for (int w = pick(2, 5); w > 0; --w) sentence.push_back(pick(4, 11));
    }
    auto& chosen = doc.words[static_cast<size_t>(pick(0, static_cast<int>(doc.words.size()) - 1))];
    chosen.insert(chosen.begin() + pick(0, static_cast<int>(chosen.size())), 2 + doc.label);
    docs.push_back(doc);
  }
  return docs;
}

TEST(OptimizerTraining, AdamFitsASmallHanToATwoWordTask) {
  const HanConfig c = testing::small_config();
  HanParams<float> p = testing::random_params<float>(c, 39, 0.3);
  const std::vector<LabelledDocument> docs = two_word_task(24, 40);
  auto mean_loss = [&] {
    double sum = 0;
    for (const LabelledDocument& doc : docs) {
      sum -= std::log(han_forward(p, doc.words).probabilities[doc.label]);
    }
    return sum / static_cast<double>(docs.size());
  };
  EXPECT_GT(mean_loss(), 0.5);

  HanGradients<float> grads(c);
  const std::vector<ParamSlot<float>> slots = han_param_slots(p, grads);
  OptimizerConfig config;
  config.learning_rate = 0.02;
  config.clip_norm = 5;
  Optimizer<float> adam(config);
  constexpr size_t kBatch = 4;
  for (size_t step = 0; step < 300; ++step) {
    zero_gradients(slots);
    for (size_t k = 0; k < kBatch; ++k) {
      const LabelledDocument& doc = docs[(step * kBatch + k) % docs.size()];
      han_backward(p, han_forward_train(p, doc.words), one_hot<float>(doc.label, 2), grads);
    }
    scale_gradients(slots, 1.0f / kBatch);
    adam.step(slots);
  }
  EXPECT_LT(mean_loss(), 0.02);
}

}  // namespace
}  // namespace han
