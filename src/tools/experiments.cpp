#include "tools/experiments.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <random>

#include "core/error.h"
#include "train/initialise.h"

namespace han {
namespace {

struct TaskShape {
  size_t steps;    // real steps
  size_t flagged;  // flagged among them
  size_t masked;   // masked decoy steps before them
};

TaskShape task_shape(ExperimentTask task) {
  switch (task) {
    case ExperimentTask::Select:
      return {64, 1, 0};
    case ExperimentTask::Masking:
      return {64, 1, 16};
    case ExperimentTask::Sum:
      return {32, 2, 0};
  }
  return {0, 0, 0};
}

// Streams of randomness derived from the one seed, so that e.g. more training samples leave the
// held-out samples and the initialisation unchanged.
enum Stream : uint64_t { kTrainData = 1, kTestData, kInitialisation, kOrder };

SequenceParams<float> initial_model(const ExperimentOptions& options) {
  SequenceConfig c;
  c.input_dim = 2;
  c.encoder = {options.cell, options.units, false, MergeMode::Concat, true, Activation::Sigmoid};
  c.use_attention = options.use_attention;
  c.attention = {options.attention_units, true, Activation::Tanh};
  c.output_activation = Activation::Linear;
  c.outputs = 1;
  SequenceParams<float> params = make_sequence_model<float>(c);
  std::mt19937 rng(mix_seed(options.seed, kInitialisation, 0));
  visit_sequence_params(params, [&](const std::string& name, Matrix<float>& m, bool) {
    initialise_weight(name, m, name.rfind("encoder", 0) == 0 ? &c.encoder : nullptr, rng);
  });
  return params;
}

RowVector<float> target_of(const ExperimentSample& sample) {
  return RowVector<float>::Constant(1, sample.target);
}

double mean_squared_error(const SequenceParams<float>& params,
                          const std::vector<ExperimentSample>& data) {
  double sum = 0;
  for (const ExperimentSample& s : data) {
    const double error = sequence_forward(params, s.x, s.mask).output[0] - s.target;
    sum += error * error;
  }
  return sum / static_cast<double>(data.size());
}

AttentionSummary summarise_attention(const SequenceParams<float>& params,
                                     const std::vector<ExperimentSample>& data) {
  AttentionSummary summary;
  if (!params.config.use_attention) return summary;
  size_t peaked = 0;
  for (const ExperimentSample& s : data) {
    const RowVector<float> weights = sequence_forward(params, s.x, s.mask).attention_weights;
    std::vector<size_t> by_weight(static_cast<size_t>(weights.size()));
    std::iota(by_weight.begin(), by_weight.end(), 0);
    // Ties go to the earlier step, so a uniform attention never counts as a peak at a later one.
    std::stable_sort(by_weight.begin(), by_weight.end(), [&](size_t a, size_t b) {
      return weights[static_cast<Eigen::Index>(a)] > weights[static_cast<Eigen::Index>(b)];
    });
    std::vector<size_t> top(by_weight.begin(),
                            by_weight.begin() + static_cast<std::ptrdiff_t>(s.flagged.size()));
    std::sort(top.begin(), top.end());
    peaked += top == s.flagged;
    for (size_t t : s.flagged) {
      summary.mean_flagged_weight += weights[static_cast<Eigen::Index>(t)];
    }
    for (size_t t = 0; t < s.mask.size(); ++t) {
      if (!s.mask[t]) {
        summary.max_masked_weight =
            std::max<double>(summary.max_masked_weight, weights[static_cast<Eigen::Index>(t)]);
      }
    }
  }
  summary.peaks_at_flagged = static_cast<double>(peaked) / static_cast<double>(data.size());
  summary.mean_flagged_weight /= static_cast<double>(data.size());
  return summary;
}

}  // namespace

const char* experiment_task_name(ExperimentTask task) {
  switch (task) {
    case ExperimentTask::Select:
      return "select";
    case ExperimentTask::Masking:
      return "masking";
    case ExperimentTask::Sum:
      return "sum";
  }
  return "?";
}

ExperimentTask parse_experiment_task(const std::string& name) {
  for (ExperimentTask task :
       {ExperimentTask::Select, ExperimentTask::Masking, ExperimentTask::Sum}) {
    if (name == experiment_task_name(task)) return task;
  }
  throw Error("unknown experiment '" + name + "' (expected select, masking or sum)");
}

double target_variance(ExperimentTask task) {
  return static_cast<double>(task_shape(task).flagged) / 12.0;
}

std::vector<ExperimentSample> make_experiment_data(ExperimentTask task, size_t count,
                                                   uint32_t seed) {
  const TaskShape shape = task_shape(task);
  const size_t rows = shape.masked + shape.steps;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(0, 1);
  std::vector<ExperimentSample> data(count);
  for (ExperimentSample& s : data) {
    s.x = Matrix<float>::Zero(static_cast<Eigen::Index>(rows), 2);
    for (size_t t = 0; t < rows; ++t) s.x(static_cast<Eigen::Index>(t), 0) = value(rng);
    if (shape.masked > 0) {
      s.mask.assign(rows, true);
      std::fill(s.mask.begin(), s.mask.begin() + static_cast<std::ptrdiff_t>(shape.masked), false);
      const size_t decoy = std::uniform_int_distribution<size_t>(0, shape.masked - 1)(rng);
      s.x(static_cast<Eigen::Index>(decoy), 1) = 1;
    }
    // Distinct flagged steps: a partial Fisher-Yates shuffle of the real steps.
    std::vector<size_t> steps(shape.steps);
    std::iota(steps.begin(), steps.end(), shape.masked);
    for (size_t k = 0; k < shape.flagged; ++k) {
      std::swap(steps[k], steps[std::uniform_int_distribution<size_t>(k, shape.steps - 1)(rng)]);
    }
    s.flagged.assign(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(shape.flagged));
    std::sort(s.flagged.begin(), s.flagged.end());
    for (size_t t : s.flagged) {
      s.x(static_cast<Eigen::Index>(t), 1) = 1;
      s.target += s.x(static_cast<Eigen::Index>(t), 0);
    }
  }
  return data;
}

void ExperimentOptions::validate() const {
  if (train_samples == 0 || test_samples == 0) {
    throw Error("the experiment needs at least one training and one held-out sample");
  }
  if (train_samples > kMaxExperimentSamples || test_samples > kMaxExperimentSamples) {
    const std::string limit = std::to_string(kMaxExperimentSamples);
    throw Error("the experiment takes at most " + limit + " training and " + limit +
                " held-out samples");
  }
  if (batch_size == 0) throw Error("batch size must be at least 1");
  if (epochs == 0) throw Error("epochs must be at least 1");
  if (units <= 0 || attention_units <= 0) {
    throw Error("the recurrent and attention units must be at least 1");
  }
  optimizer.validate();
}

ExperimentResult run_experiment(const ExperimentOptions& options,
                                const std::function<void(const ExperimentEpoch&)>& epoch_done) {
  options.validate();
  const std::vector<ExperimentSample> train = make_experiment_data(
      options.task, options.train_samples, mix_seed(options.seed, kTrainData, 0));
  const std::vector<ExperimentSample> test = make_experiment_data(
      options.task, options.test_samples, mix_seed(options.seed, kTestData, 0));

  ExperimentResult result;
  result.params = initial_model(options);
  SequenceParams<float> grads = make_sequence_model<float>(result.params.config);
  const std::vector<ParamSlot<float>> slots = sequence_param_slots(result.params, grads);
  Optimizer<float> optimizer(options.optimizer);
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), std::mt19937(mix_seed(options.seed, kOrder, epoch)));
    double loss_sum = 0;
    for (size_t first = 0; first < order.size(); first += options.batch_size) {
      const size_t count = std::min(options.batch_size, order.size() - first);
      for (size_t k = first; k < first + count; ++k) {
        const ExperimentSample& s = train[order[k]];
        const SequenceCache<float> cache = sequence_forward_train(result.params, s.x, s.mask);
        loss_sum += sequence_backward(result.params, cache, target_of(s), grads).loss;
      }
      scale_gradients(slots, 1.0f / static_cast<float>(count));  // mean over the batch
      optimizer.step(slots);
      zero_gradients(slots);
    }
    ExperimentEpoch report;
    report.epoch = epoch;
    report.train_mse = loss_sum / static_cast<double>(train.size());
    report.test_mse = mean_squared_error(result.params, test);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.epochs.push_back(report);
    if (epoch_done) epoch_done(report);
    if (!std::isfinite(report.train_mse)) throw Error("training diverged (the loss is not finite)");
  }

  result.test_mse = result.epochs.back().test_mse;
  double mean = 0;
  for (const ExperimentSample& s : test) mean += s.target;
  mean /= static_cast<double>(test.size());
  for (const ExperimentSample& s : test)
    result.test_variance += (s.target - mean) * (s.target - mean);
  result.test_variance /= static_cast<double>(test.size());
  result.attention = summarise_attention(result.params, test);
  result.example = test.front();
  result.example_output = sequence_forward(result.params, result.example.x, result.example.mask);
  return result;
}

}  // namespace han
