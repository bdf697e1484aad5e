// han quantize: store the weights as float16 or int8, or compute in int8.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "io/model_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kQuantizeHelp = R"(usage: han quantize MODEL OUT --dtype float16|int8 [options]
       han quantize MODEL OUT --compute int8|float32 [--dtype ...]

Writes MODEL to OUT with its embedding stored as float16, or as int8 with one float32 scale per
row; with --all-matrices every weight matrix is stored that way.

With --compute int8 the model computes its large products in integers: the word and sentence
encoders' input and recurrent kernels and both attention projections become int8 with one scale
per output (stored that way), multiplied with int16 activations into int32 sums. The file records
the choice, and every build computes the same. --compute float32 turns it back (the weights stay
rounded). Only GRU encoders with reset_after, a sigmoid and concatenated directions can.

Either way the golden test cases are recomputed on the new model, and the largest change of a
golden probability is reported. Measure the accuracy cost with `han test` on both files.

options:
  --dtype float16|int8|float32   storage type (float32 undoes a quantization's file format only)
  --all-matrices                 quantize every matrix, not only the embedding
  --compute int8|float32         what the large products compute in
  --help                         show this help
)";

}  // namespace

int cmd_quantize(const std::vector<std::string>& argv) {
  const Args args(argv, {"all-matrices", "help"}, {"dtype", "compute"}, "quantize");
  if (args.has("help")) {
    std::cout << kQuantizeHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han quantize: expected MODEL OUT");
  if (!args.has("dtype") && !args.has("compute")) {
    throw UsageError("han quantize: --dtype or --compute is required");
  }
  const han::Model model = han::read_model_file(args.positional()[0]);
  han::Model quantized = model;
  if (args.has("dtype")) {
    quantized = han::quantize(quantized, han::parse_storage(args.get("dtype", "")),
                              args.has("all-matrices"));
  }
  if (args.has("compute")) {
    quantized = han::with_compute(quantized, han::parse_compute(args.get("compute", "")));
  }
  double max_change = 0;
  for (size_t c = 0; c < model.golden_cases.size(); ++c) {
    for (size_t k = 0; k < model.labels.size(); ++k) {
      max_change = std::max(max_change, std::abs(model.golden_cases[c].probabilities[k] -
                                                 quantized.golden_cases[c].probabilities[k]));
    }
  }
  han::write_model_file(quantized, args.positional()[1]);
  const auto size = [](const han::Model& m) { return han::write_model(m).size(); };
  std::cout << "wrote " << args.positional()[1] << ": " << size(quantized) << " bytes (was "
            << size(model) << "); golden probabilities changed by at most " << std::scientific
            << std::setprecision(2) << max_change << "\n";
  return 0;
}

}  // namespace han::cli
