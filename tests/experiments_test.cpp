// The seed experiments (issue 3): the tasks' data, and what training the sequence model on them
// shows. The training budgets here are smaller than the CLI's defaults, to run in seconds; they
// are the budgets at which an attention model has learned the task (seeds 1 to 10 all pass the
// bounds below but the sum task's peaks on seed 2, docs/experiments.md), and the plain RNN's
// comparison uses the same budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "tools/experiments.h"

namespace han {
namespace {

ExperimentOptions budget(ExperimentTask task, size_t epochs, bool use_attention = true) {
  ExperimentOptions o;
  o.task = task;
  o.use_attention = use_attention;
  o.train_samples = 1000;
  o.test_samples = 200;
  o.batch_size =
      16;  // as many updates as the CLI's 2000 samples in batches of 32, at half the cost
  o.epochs = epochs;
  o.seed = 1;
  return o;
}

// ---- The data ----

TEST(ExperimentData, SelectFlagsOneStepAndTargetsItsValue) {
  const std::vector<ExperimentSample> data = make_experiment_data(ExperimentTask::Select, 50, 7);
  ASSERT_EQ(data.size(), 50u);
  for (const ExperimentSample& s : data) {
    ASSERT_EQ(s.x.rows(), 64);
    ASSERT_EQ(s.x.cols(), 2);
    EXPECT_TRUE(s.mask.empty());
    ASSERT_EQ(s.flagged.size(), 1u);
    EXPECT_EQ(s.x.col(1).sum(), 1.0f);
    EXPECT_EQ(s.x(static_cast<Eigen::Index>(s.flagged[0]), 1), 1.0f);
    EXPECT_EQ(s.target, s.x(static_cast<Eigen::Index>(s.flagged[0]), 0));
    EXPECT_GE(s.x.col(0).minCoeff(), 0.0f);
    EXPECT_LT(s.x.col(0).maxCoeff(), 1.0f);
  }
}

TEST(ExperimentData, MaskingPrependsSixteenMaskedStepsWithAFlaggedDecoy) {
  for (const ExperimentSample& s : make_experiment_data(ExperimentTask::Masking, 50, 7)) {
    ASSERT_EQ(s.x.rows(), 80);
    ASSERT_EQ(s.mask.size(), 80u);
    EXPECT_EQ(std::count(s.mask.begin(), s.mask.begin() + 16, true), 0);
    EXPECT_EQ(std::count(s.mask.begin() + 16, s.mask.end(), false), 0);
    EXPECT_EQ(s.x.topRows(16).col(1).sum(), 1.0f);  // the decoy
    EXPECT_EQ(s.x.bottomRows(64).col(1).sum(), 1.0f);
    ASSERT_EQ(s.flagged.size(), 1u);
    EXPECT_GE(s.flagged[0], 16u);
    EXPECT_EQ(s.target, s.x(static_cast<Eigen::Index>(s.flagged[0]), 0));
  }
}

TEST(ExperimentData, SumFlagsTwoDistinctStepsAndTargetsTheirSum) {
  for (const ExperimentSample& s : make_experiment_data(ExperimentTask::Sum, 50, 7)) {
    ASSERT_EQ(s.x.rows(), 32);
    ASSERT_EQ(s.flagged.size(), 2u);
    EXPECT_LT(s.flagged[0], s.flagged[1]);
    EXPECT_EQ(s.x.col(1).sum(), 2.0f);
    const float sum = s.x(static_cast<Eigen::Index>(s.flagged[0]), 0) +
                      s.x(static_cast<Eigen::Index>(s.flagged[1]), 0);
    EXPECT_EQ(s.target, sum);
  }
}

TEST(ExperimentData, TargetsHaveTheStatedVarianceAndFlagsSpreadOverTheSteps) {
  for (ExperimentTask task : {ExperimentTask::Select, ExperimentTask::Sum}) {
    const std::vector<ExperimentSample> data = make_experiment_data(task, 4000, 3);
    double mean = 0, square = 0;
    std::vector<size_t> flags_at(static_cast<size_t>(data[0].x.rows()), 0);
    for (const ExperimentSample& s : data) {
      mean += s.target;
      square += static_cast<double>(s.target) * s.target;
      for (size_t t : s.flagged) ++flags_at[t];
    }
    mean /= 4000;
    const double variance = square / 4000 - mean * mean;
    EXPECT_NEAR(variance, target_variance(task), 0.1 * target_variance(task));
    EXPECT_GT(*std::min_element(flags_at.begin(), flags_at.end()), 0u);
  }
  EXPECT_DOUBLE_EQ(target_variance(ExperimentTask::Masking), 1.0 / 12);
}

TEST(ExperimentData, IsTheSameForTheSameSeedOnly) {
  const auto a = make_experiment_data(ExperimentTask::Sum, 5, 11);
  const auto b = make_experiment_data(ExperimentTask::Sum, 5, 11);
  const auto c = make_experiment_data(ExperimentTask::Sum, 5, 12);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].x, b[i].x);
  EXPECT_NE(a[0].x, c[0].x);
}

TEST(ExperimentTaskNames, RoundTripAndRejectOthers) {
  for (ExperimentTask task : {ExperimentTask::Select, ExperimentTask::Masking, ExperimentTask::Sum})
    EXPECT_EQ(parse_experiment_task(experiment_task_name(task)), task);
  EXPECT_THROW(parse_experiment_task("add"), Error);
}

// ---- Training ----

TEST(Experiment, AttentionLearnsSelectAndPeaksAtTheFlaggedStep) {
  const ExperimentResult r = run_experiment(budget(ExperimentTask::Select, 2));
  const double variance = target_variance(ExperimentTask::Select);
  EXPECT_LT(r.test_mse, variance / 10);
  EXPECT_GT(r.test_variance, variance / 2);  // the held-out targets are as hard as stated
  EXPECT_GE(r.attention.peaks_at_flagged, 0.9);
  EXPECT_GT(r.attention.mean_flagged_weight, 0.3);  // far above a uniform 1/64
  ASSERT_EQ(r.example_output.attention_weights.size(), 64);
  EXPECT_NEAR(r.example_output.attention_weights.sum(), 1.0, 1e-5);
}

TEST(Experiment, PlainRnnHasNotLearnedSelectWithTheSameBudget) {
  const ExperimentResult r = run_experiment(budget(ExperimentTask::Select, 2, false));
  EXPECT_GT(r.test_mse, 0.5 * target_variance(ExperimentTask::Select));
  EXPECT_EQ(r.example_output.attention_weights.size(), 0);
  EXPECT_EQ(r.attention.peaks_at_flagged, 0.0);
}

TEST(Experiment, MaskedDecoysGetExactlyZeroWeight) {
  const ExperimentResult r = run_experiment(budget(ExperimentTask::Masking, 2));
  EXPECT_EQ(r.attention.max_masked_weight, 0.0);
  const RowVector<float>& weights = r.example_output.attention_weights;
  ASSERT_EQ(weights.size(), 80);
  for (Eigen::Index t = 0; t < 16; ++t) EXPECT_EQ(weights[t], 0.0f) << "step " << t;
  EXPECT_NEAR(weights.tail(64).sum(), 1.0, 1e-5);  // all of it on the real steps
  // The flagged decoy among the masked steps does not mislead the model.
  EXPECT_LT(r.test_mse, target_variance(ExperimentTask::Masking) / 10);
  EXPECT_GE(r.attention.peaks_at_flagged, 0.9);
}

TEST(Experiment, AttentionLearnsSumWithTwoPeaksAtTheFlaggedSteps) {
  const ExperimentResult r = run_experiment(budget(ExperimentTask::Sum, 6));
  EXPECT_LT(r.test_mse, target_variance(ExperimentTask::Sum) / 10);
  EXPECT_GE(r.attention.peaks_at_flagged, 0.75);
  EXPECT_GT(r.attention.mean_flagged_weight, 0.3);
}

TEST(Experiment, IsDeterministicForASeed) {
  ExperimentOptions o = budget(ExperimentTask::Sum, 1);
  o.train_samples = 100;
  o.test_samples = 20;
  const ExperimentResult a = run_experiment(o), b = run_experiment(o);
  EXPECT_EQ(a.test_mse, b.test_mse);
  EXPECT_EQ(a.params.output.kernel, b.params.output.kernel);
  o.seed = 2;
  EXPECT_NE(run_experiment(o).test_mse, a.test_mse);
}

TEST(Experiment, ReportsEveryEpoch) {
  ExperimentOptions o = budget(ExperimentTask::Select, 3);
  o.train_samples = 64;
  o.test_samples = 8;
  std::vector<size_t> seen;
  const ExperimentResult r =
      run_experiment(o, [&](const ExperimentEpoch& e) { seen.push_back(e.epoch); });
  EXPECT_EQ(seen, (std::vector<size_t>{1, 2, 3}));
  ASSERT_EQ(r.epochs.size(), 3u);
  EXPECT_EQ(r.test_mse, r.epochs.back().test_mse);
}

TEST(Experiment, RejectsEmptyOrOversizedSettings) {
  ExperimentOptions o;
  o.train_samples = 0;
  EXPECT_THROW(run_experiment(o), Error);
  o = ExperimentOptions();
  o.epochs = 0;
  EXPECT_THROW(run_experiment(o), Error);
  o = ExperimentOptions();
  o.test_samples = kMaxExperimentSamples + 1;
  EXPECT_THROW(run_experiment(o), Error);
  o = ExperimentOptions();
  o.batch_size = 0;
  EXPECT_THROW(run_experiment(o), Error);
}

}  // namespace
}  // namespace han
