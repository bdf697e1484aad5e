// han test: accuracy, precision, recall and F1 on labelled data.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "io/model_file.h"
#include "tools/data_file.h"
#include "train/metrics.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kTestHelp = R"(usage: han test MODEL DATA [options]

Evaluates MODEL on DATA, a file of `label<TAB>text` lines (plain or .gz). A label is a label name
of the model or its index ("0", "1", ...). Prints per-label precision, recall and F1, the
confusion matrix, and as its last line exactly `accuracy: 0.XXXX`.

options:
  --threads N        predict on N threads (default: all cores)
  --skip-malformed   pass over malformed lines instead of stopping at the first
  --no-verify        skip the golden test cases stored in the model
  --help             show this help
)";

}  // namespace

int cmd_test(const std::vector<std::string>& argv) {
  const Args args(argv, {"skip-malformed", "no-verify", "help"}, {"threads"}, "test");
  if (args.has("help")) {
    std::cout << kTestHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han test: expected MODEL DATA");
  const std::string& data_path = args.positional()[1];
  const size_t threads =
      parse_count(args.get("threads", ""), "test", "--threads", han::default_thread_count());
  han::Model model = han::read_model_file(args.positional()[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  const han::Dataset data = han::read_labelled_text(data_path, args.has("skip-malformed"));
  if (data.examples.empty()) throw han::Error(data_path + ": no examples");

  std::vector<size_t> truth(data.examples.size()), predicted(data.examples.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    truth[i] = han::resolve_label(model.labels, data.examples[i], data_path);
  }
  const auto start = std::chrono::steady_clock::now();
  han::parallel_for(data.examples.size(), threads,
                    [&](size_t i) { predicted[i] = model.predict(data.examples[i].text).label; });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  han::ConfusionMatrix confusion(model.labels.size());
  for (size_t i = 0; i < truth.size(); ++i) confusion.add(truth[i], predicted[i]);
  std::cout << "examples  " << data.examples.size();
  if (data.skipped_lines) std::cout << " (" << data.skipped_lines << " malformed lines skipped)";
  std::cout << "\nspeed     " << std::fixed << std::setprecision(0)
            << static_cast<double>(data.examples.size()) / seconds << " documents/s on " << threads
            << " thread" << (threads == 1 ? "" : "s") << "\n\n"
            << confusion.report(model.labels);
  return 0;
}

}  // namespace han::cli
