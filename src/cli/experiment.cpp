// han experiment: the seed experiments on synthetic sequences.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/config.h"
#include "tools/experiments.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kExperimentHelp = R"(usage: han experiment select|masking|sum [options]

Runs one of the seed experiments: trains a sequence model (RNN -> attention -> dense) on a
synthetic task and reports its mean squared error on held-out samples and where its attention
goes. Every step is (value ~ U(0,1), flag); the target needs the values at the flagged steps.
  select   64 steps, one flagged; target = its value (variance 1/12)
  masking  select with 16 masked decoy steps prepended (random values, one flagged); the model
           must give them exactly zero weight
  sum      32 steps, two flagged; target = the sum of their values (variance 2/12)
Without attention (--no-attention) the RNN's final state feeds the dense layer. The result is
the same on every run with the same options.

options:
  --no-attention        plain RNN: the dense layer reads the final state
  --cell gru|lstm       recurrent cell (default gru)
  --units N             recurrent units (default 16)
  --attention-units N   (default 16)
  --train N             training samples (default 2000)
  --test N              held-out samples (default 500)
  --epochs N            (default 10)
  --batch-size N        (default 32)
  --lr RATE             Adam's learning rate (default 0.01)
  --clip NORM           clip the global gradient norm (default 1; 0: off)
  --seed N              seed of the data, initialisation and order (default 1)
  --help                show this help
)";

// One character per step, its height the step's weight relative to the largest.
std::string attention_sparkline(const han::RowVector<float>& weights) {
  static const char* const levels[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  const float largest = weights.maxCoeff();
  std::string line;
  for (Eigen::Index t = 0; t < weights.size(); ++t) {
    const int level = largest > 0 ? static_cast<int>(std::lround(weights[t] / largest * 8)) : 0;
    line += levels[weights[t] > 0 ? std::max(level, 1) : 0];
  }
  return line;
}

// The attention of the first held-out sample as a sparkline over a line marking the flagged and
// the masked steps.
void print_example_attention(const han::ExperimentResult& r) {
  const han::ExperimentSample& s = r.example;
  const han::RowVector<float>& weights = r.example_output.attention_weights;
  std::string marks;
  for (Eigen::Index t = 0; t < weights.size(); ++t) {
    const bool masked = !s.mask.empty() && !s.mask[static_cast<size_t>(t)];
    const bool flagged =
        std::find(s.flagged.begin(), s.flagged.end(), static_cast<size_t>(t)) != s.flagged.end();
    marks += masked ? 'x' : flagged ? '^' : ' ';
  }
  marks.erase(marks.find_last_not_of(' ') + 1);
  std::cout << "\nattention on the first held-out sample (target " << std::setprecision(3)
            << s.target << ", prediction " << r.example_output.output[0]
            << "), one column per step:\n  " << attention_sparkline(weights) << "\n  " << marks
            << "\n  ^ flagged" << (s.mask.empty() ? "" : ", x masked")
            << "; weights at the flagged steps:";
  for (size_t t : s.flagged) {
    std::cout << " step " << t << " " << weights[static_cast<Eigen::Index>(t)];
  }
  std::cout << "\n";
}

}  // namespace

int cmd_experiment(const std::vector<std::string>& argv) {
  const Args args(argv, {"no-attention", "help"},
                  {"cell", "units", "attention-units", "train", "test", "epochs", "batch-size",
                   "lr", "clip", "seed"},
                  "experiment");
  if (args.has("help")) {
    std::cout << kExperimentHelp;
    return 0;
  }
  if (args.positional().size() != 1) {
    throw UsageError("han experiment: expected select, masking or sum (see --help)");
  }
  auto count = [&](const std::string& flag, size_t fallback) {
    return parse_count(args.get(flag, ""), "experiment", "--" + flag, fallback);
  };
  han::ExperimentOptions o;
  try {
    o.task = han::parse_experiment_task(args.positional()[0]);
  } catch (const han::Error& e) {
    throw UsageError(std::string("han experiment: ") + e.what());
  }
  o.use_attention = !args.has("no-attention");
  const std::string cell = args.get("cell", "gru");
  if (cell != "gru" && cell != "lstm") {
    throw UsageError("han experiment: --cell must be gru or lstm");
  }
  o.cell = cell == "gru" ? han::CellType::Gru : han::CellType::Lstm;
  o.units = static_cast<int>(count("units", 16));
  o.attention_units = static_cast<int>(count("attention-units", 16));
  if (o.units > han::kMaxDimension || o.attention_units > han::kMaxDimension) {
    throw UsageError("han experiment: dimensions are limited to 4096");
  }
  o.train_samples = count("train", 2000);
  o.test_samples = count("test", 500);
  o.epochs = count("epochs", 10);
  o.batch_size = count("batch-size", 32);
  o.optimizer.learning_rate = parse_number(args.get("lr", "0.01"), "experiment", "--lr", 1e-9, 10);
  o.optimizer.clip_norm = parse_number(args.get("clip", "1"), "experiment", "--clip", 0, 1e9);
  o.seed = static_cast<uint32_t>(
      parse_number(args.get("seed", "1"), "experiment", "--seed", 0, 4294967295.0));

  o.validate();
  const double variance = han::target_variance(o.task);
  std::cout << han::experiment_task_name(o.task) << " task, " << cell << " " << o.units
            << (o.use_attention ? " + attention " + std::to_string(o.attention_units)
                                : std::string(" without attention"))
            << ", " << o.train_samples << " training and " << o.test_samples
            << " held-out samples; the target's variance is " << variance * 12
            << "/12 = " << std::setprecision(3) << variance << "\n";
  const han::ExperimentResult r = han::run_experiment(o, [](const han::ExperimentEpoch& e) {
    std::cout << "epoch " << e.epoch << "  train MSE " << e.train_mse << "  held-out MSE "
              << e.test_mse << "  (" << format_duration(e.seconds) << ")" << std::endl;
  });
  std::cout << "\nheld-out MSE " << r.test_mse << " = " << r.test_mse / variance
            << " x the target variance (predicting the held-out mean: " << r.test_variance << ")\n";
  // When the model "learned" the task: a tenth of the variance is far below what ignoring the
  // flags allows, and far above where training ends once the flags are found.
  size_t learned = 0;
  for (const han::ExperimentEpoch& e : r.epochs) {
    if (e.test_mse < variance / 10) {
      learned = e.epoch;
      break;
    }
  }
  std::cout << "held-out MSE below a tenth of the variance: "
            << (learned ? "from epoch " + std::to_string(learned)
                        : "not within " + std::to_string(o.epochs) + " epochs")
            << "\n";
  if (!o.use_attention) return 0;
  const size_t peaks = r.example.flagged.size();
  std::cout << "attention: the "
            << (peaks == 1 ? "largest weight is at the flagged step"
                           : "two largest weights are at the flagged steps")
            << " for " << r.attention.peaks_at_flagged * 100
            << "% of held-out samples; mean weight on the flagged step" << (peaks == 1 ? "" : "s")
            << " " << r.attention.mean_flagged_weight << "\n";
  if (o.task == han::ExperimentTask::Masking) {
    std::cout << "masked steps: largest weight on any of them " << r.attention.max_masked_weight
              << (r.attention.max_masked_weight == 0 ? " (exactly zero)" : "") << "\n";
  }
  print_example_attention(r);
  return 0;
}

}  // namespace han::cli
