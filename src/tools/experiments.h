#pragma once
// The seed experiments (issue 3): synthetic tasks that only attention solves easily, trained on
// the sequence model (RNN -> attention -> dense) with Adam on mini-batches.
//   select   64 steps of (value ~ U(0, 1), flag); one step is flagged; target = its value
//   masking  select with 16 masked steps prepended, filled with decoys (random values, one of them
//            flagged) that a model reading them would be misled by
//   sum      32 steps, two flagged; target = the sum of their values
// Predicting the mean scores the target's variance (1/12 for select and masking, 2/12 for sum); an
// attention model that finds the flagged steps scores far below it. Everything is deterministic
// for a given seed.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/sequence_model.h"
#include "train/optimizer.h"

namespace han {

enum class ExperimentTask { Select, Masking, Sum };

// "select", "masking", "sum"; parse_experiment_task throws han::Error on any other name.
const char* experiment_task_name(ExperimentTask task);
ExperimentTask parse_experiment_task(const std::string& name);

struct ExperimentSample {
  Matrix<float> x;              // one row per step: (value, flag)
  std::vector<bool> mask;       // empty: every step is real
  std::vector<size_t> flagged;  // the flagged real steps, ascending
  float target = 0;
};

// `count` samples of `task`, the same for the same seed.
std::vector<ExperimentSample> make_experiment_data(ExperimentTask task, size_t count,
                                                   uint32_t seed);

// The variance of the task's target: 1/12 per flagged U(0, 1) value.
double target_variance(ExperimentTask task);

// Samples are generated up front, about 0.8 kB each for the masking task; this bounds their memory.
constexpr size_t kMaxExperimentSamples = 100000;

struct ExperimentOptions {
  ExperimentTask task = ExperimentTask::Select;
  bool use_attention = true;
  CellType cell = CellType::Gru;
  int units = 16;
  int attention_units = 16;
  size_t train_samples = 2000;
  size_t test_samples = 500;
  size_t epochs = 10;
  size_t batch_size = 32;
  OptimizerConfig optimizer;  // Adam; the constructor sets rate 0.01, clipping at norm 1
  uint32_t seed = 1;          // data, initialisation and order

  ExperimentOptions() {
    optimizer.learning_rate = 0.01;
    optimizer.clip_norm = 1;
  }
  void validate() const;  // throws han::Error on settings that make no sense
};

struct ExperimentEpoch {
  size_t epoch = 0;  // 1-based
  double train_mse = 0, test_mse = 0;
  double seconds = 0;
};

// How the attention of the trained model sits on the held-out samples; all 0 without attention.
struct AttentionSummary {
  // Fraction of samples whose k largest weights are exactly their k flagged steps.
  double peaks_at_flagged = 0;
  double mean_flagged_weight = 0;  // mean total weight on the flagged steps
  double max_masked_weight = 0;    // largest weight on any masked step (masking task)
};

struct ExperimentResult {
  SequenceParams<float> params;
  std::vector<ExperimentEpoch> epochs;
  double test_mse = 0;       // after the last epoch
  double test_variance = 0;  // of the held-out targets: the MSE of predicting their mean
  AttentionSummary attention;
  ExperimentSample example;  // the first held-out sample
  SequenceOutput<float> example_output;
};

// Validates the options, trains a fresh model on options.train_samples samples and evaluates it
// on test_samples others. epoch_done, if set, is called after each epoch.
ExperimentResult run_experiment(const ExperimentOptions& options,
                                const std::function<void(const ExperimentEpoch&)>& epoch_done = {});

}  // namespace han
