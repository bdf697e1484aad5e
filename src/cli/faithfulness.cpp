// han faithfulness: ERASER's comprehensiveness and sufficiency of each attribution method over a
// labelled data set, beside a random ranking.
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "explain/faithfulness.h"
#include "explain/gradient_attribution.h"
#include "io/model_file.h"
#include "tools/data_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kFaithfulnessHelp = R"(usage: han faithfulness MODEL DATA [options]

Measures how faithful each attribution method is to MODEL on the texts of DATA (label<TAB>text
lines, plain or .gz; the labels are not used: each review is explained for its predicted label).
For the top k = 1, 5, 10, 20 and 50% of a review's words by the method (at least one word):
  comprehensiveness = p(label) - p(label | the review without them)   higher is more faithful
  sufficiency       = p(label) - p(label | only them)                 lower is more faithful
averaged over the reviews, and AOPC, their mean over the five k (ERASER, DeYoung et al. 2020).
"random" ranks the words at random: a method is only informative where it beats it.
ms/review is the attribution's time per review on one thread (the erasures not included).

options:
  --methods A,B,...   methods to compare (default: all; see han explain --help) and random
  --limit N           only the first N reviews of DATA
  --steps N           integrated gradients: steps of the integral (default 20)
  --seed N            seed of the random rankings (default 1)
  --threads N         reviews explained in parallel (default: all cores)
  --json              print the results as one JSON object
  --skip-malformed    pass over malformed lines instead of stopping at the first
  --no-verify         skip the golden test cases stored in the model
  --help              show this help
)";

// A method, or the random ranking (method unset).
struct Ranker {
  std::string name;
  bool random = false;
  explain::Method method = explain::Method::Attention;
};

struct Totals {
  std::vector<double> comprehensiveness, sufficiency;
  double seconds = 0;
};

}  // namespace

int cmd_faithfulness(const std::vector<std::string>& argv) {
  const Args args(argv, {"json", "skip-malformed", "no-verify", "help"},
                  {"methods", "limit", "steps", "seed", "threads"}, "faithfulness");
  if (args.has("help")) {
    std::cout << kFaithfulnessHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han faithfulness: expected MODEL DATA");
  std::vector<Ranker> rankers;
  try {
    const std::string list = args.get("methods", "all");
    const std::vector<explain::Method> methods =
        list == "all" ? explain::all_methods() : std::vector<explain::Method>{};
    for (explain::Method m : methods) rankers.push_back({explain::method_name(m), false, m});
    if (list != "all") {
      for (const std::string& name : split_list(list)) {
        if (name == "random") continue;
        const explain::Method m = explain::parse_method(name);
        rankers.push_back({explain::method_name(m), false, m});
      }
    }
  } catch (const Error& e) {
    throw UsageError(std::string("han faithfulness: --methods: ") + e.what());
  }
  rankers.push_back({"random", true});
  const size_t limit = parse_count(args.get("limit", ""), "faithfulness", "--limit", 0);
  const size_t steps = parse_count(args.get("steps", ""), "faithfulness", "--steps", 20);
  if (steps > explain::Options::kMaxSteps) {
    throw UsageError("han faithfulness: --steps is limited to " +
                     std::to_string(explain::Options::kMaxSteps));
  }
  const uint32_t seed = static_cast<uint32_t>(
      parse_number(args.get("seed", "1"), "faithfulness", "--seed", 0, 4294967295.0));
  const size_t threads =
      parse_count(args.get("threads", ""), "faithfulness", "--threads", default_thread_count());

  Model model = read_model_file(args.positional()[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  const std::string& data_path = args.positional()[1];
  Dataset data = read_labelled_text(data_path, args.has("skip-malformed"));
  if (limit && data.examples.size() > limit) data.examples.resize(limit);
  if (data.examples.empty()) throw Error(data_path + ": no examples");

  const std::vector<double>& fractions = explain::aopc_fractions();
  // results[review][ranker]: comprehensiveness then sufficiency at each fraction; empty when the
  // review has no word.
  std::vector<std::vector<Totals>> results(data.examples.size());
  const auto start = std::chrono::steady_clock::now();
  parallel_for(data.examples.size(), threads, [&](size_t i) {
    const Prediction p = model.predict(data.examples[i].text);
    const Document doc = explain::prediction_ids(p);
    std::vector<explain::WordIndex> words =
        explain::random_ranking(doc, seed + static_cast<uint32_t>(i));
    if (words.empty()) return;
    const std::vector<size_t> counts = explain::top_counts(words.size(), fractions);
    for (const Ranker& r : rankers) {
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<explain::WordIndex> ranking = words;
      if (!r.random) {
        const explain::Attribution a = explain::attribute_with_gradients(
            model.params, doc, {r.method, static_cast<int>(steps)}, model.network_options());
        ranking = explain::rank_words(doc, a);
      }
      const double seconds = seconds_since(t0);
      const explain::Erasure e = explain::erase_top_words(model.params, doc, p.label, ranking,
                                                          counts, model.network_options());
      results[i].push_back({e.comprehensiveness, e.sufficiency, seconds});
    }
  });
  const double total_seconds = seconds_since(start);

  size_t reviews = 0;
  std::vector<Totals> mean(rankers.size(), {std::vector<double>(fractions.size(), 0.0),
                                            std::vector<double>(fractions.size(), 0.0), 0});
  for (const std::vector<Totals>& review : results) {
    if (review.empty()) continue;
    ++reviews;
    for (size_t r = 0; r < rankers.size(); ++r) {
      for (size_t f = 0; f < fractions.size(); ++f) {
        mean[r].comprehensiveness[f] += review[r].comprehensiveness[f];
        mean[r].sufficiency[f] += review[r].sufficiency[f];
      }
      mean[r].seconds += review[r].seconds;
    }
  }
  if (reviews == 0) throw Error(data_path + ": no review has a word the model reads");
  for (Totals& t : mean) {
    for (double& x : t.comprehensiveness) x /= static_cast<double>(reviews);
    for (double& x : t.sufficiency) x /= static_cast<double>(reviews);
    t.seconds /= static_cast<double>(reviews);
  }

  if (args.has("json")) {
    json j = {{"model", args.positional()[0]}, {"data", data_path}, {"reviews", reviews},
              {"fractions", fractions},        {"steps", steps},    {"seconds", total_seconds},
              {"methods", json::array()}};
    for (size_t r = 0; r < rankers.size(); ++r) {
      j["methods"].push_back({{"method", rankers[r].name},
                              {"comprehensiveness", mean[r].comprehensiveness},
                              {"aopc_comprehensiveness", explain::mean(mean[r].comprehensiveness)},
                              {"sufficiency", mean[r].sufficiency},
                              {"aopc_sufficiency", explain::mean(mean[r].sufficiency)},
                              {"milliseconds_per_review", mean[r].seconds * 1000}});
    }
    std::cout << dump(j, 2) << "\n";
    return 0;
  }
  std::cout << reviews << " reviews of " << data_path << ", each explained for its predicted "
            << "label; k = 1, 5, 10, 20, 50% of its words (" << format_duration(total_seconds)
            << " on " << threads << " thread" << (threads == 1 ? "" : "s") << ")\n\n"
            << std::left << std::setw(22) << "" << std::setw(43)
            << "comprehensiveness (higher: more faithful)"
            << "sufficiency (lower: more faithful)\n"
            << std::setw(22) << "method";
  for (int part = 0; part < 2; ++part) {
    for (double f : fractions) {
      std::cout << std::right << std::setw(6) << static_cast<int>(f * 100 + 0.5) << "%";
    }
    std::cout << std::setw(7) << "AOPC" << (part ? "" : " ");
  }
  std::cout << std::setw(12) << "ms/review"
            << "\n";
  std::cout << std::fixed << std::setprecision(3);
  for (size_t r = 0; r < rankers.size(); ++r) {
    std::cout << std::left << std::setw(22) << rankers[r].name << std::right;
    for (const std::vector<double>* v : {&mean[r].comprehensiveness, &mean[r].sufficiency}) {
      for (double x : *v) std::cout << std::setw(7) << x;
      std::cout << std::setw(7) << explain::mean(*v)
                << (v == &mean[r].comprehensiveness ? " " : "");
    }
    std::cout << std::setw(12) << std::setprecision(1) << mean[r].seconds * 1000
              << std::setprecision(3) << "\n";
  }
  return 0;
}

}  // namespace han::cli
