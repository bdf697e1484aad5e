// han predict: classify documents and print their attention.
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "io/model_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kPredictHelp = R"(usage: han predict MODEL [FILE|-] [options]

Classifies the text in FILE (or standard input) and prints the label, the probability of every
label, and the attention weight of every sentence and word, with byte offsets into the input.

options:
  --format json|text   json (default): one JSON object; text: the review with its weights
  --lines              one document per input line (JSON Lines with --format json), read and
                       classified in batches of 64 lines
  --threads N          encode the sentences of a batch on N threads (default: all cores)
  --pretty             indent the JSON
  --no-verify          skip the golden test cases stored in the model
  --help               show this help

limits on what one document may hold (0 for no limit); past one, the rest of the document is not
read and the output says "truncated": true (the model file's own tokenizer limits apply too):
  --max-text-bytes N            bytes of text (default 16777216; with --lines, of each line)
  --max-sentences N             sentences (default 100000)
  --max-words N                 words (default 1000000)
  --max-words-per-sentence N    words in one sentence (default 10000)
)";

}  // namespace

int cmd_predict(const std::vector<std::string>& argv) {
  const Args args(argv, {"lines", "pretty", "no-verify", "help"},
                  {"format", "threads", "max-text-bytes", "max-sentences", "max-words",
                   "max-words-per-sentence"},
                  "predict");
  if (args.has("help")) {
    std::cout << kPredictHelp;
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.empty() || pos.size() > 2) throw UsageError("han predict: expected MODEL [FILE|-]");
  const std::string format = args.get("format", "json");
  if (format != "json" && format != "text") {
    throw UsageError("han predict: --format must be json or text");
  }
  han::InputLimits limits;
  auto limit = [&](const std::string& flag, size_t& value) {
    value = parse_limit(args.get(flag, ""), "predict", "--" + flag, value);
  };
  limit("max-text-bytes", limits.max_text_bytes);
  limit("max-sentences", limits.max_sentences);
  limit("max-words", limits.max_words);
  limit("max-words-per-sentence", limits.max_words_per_sentence);
  const size_t threads =
      parse_count(args.get("threads", ""), "predict", "--threads", han::default_thread_count());
  han::Model model = han::read_model_file(pos[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  model.cache_sentences(han::Model::kDefaultSentenceCacheBytes);  // repeated sentences: once
  model.set_threads(threads);
  const std::string path = pos.size() == 2 ? pos[1] : "-";
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw han::Error("cannot open input file '" + path + "'");
  }
  std::istream& in = path == "-" ? std::cin : file;

  const int indent = args.has("pretty") ? 2 : -1;
  size_t count = 0;
  auto print = [&](const std::vector<std::string>& documents) {
    const std::vector<std::string_view> texts(documents.begin(), documents.end());
    for (const han::Prediction& p : model.predict_batch(texts, limits)) {
      if (format == "json") {
        std::cout << dump(prediction_json(model, p), indent) << "\n";
      } else {
        if (count) std::cout << "\n────────\n\n";
        print_prediction_text(model, p);
      }
      ++count;
    }
    std::cout.flush();
  };
  if (args.has("lines")) {
    constexpr size_t kBatch = 64;
    std::vector<std::string> batch;
    for (std::string line; read_line(in, limits.max_text_bytes, line);) {
      batch.push_back(std::move(line));
      if (batch.size() == kBatch) {
        print(batch);
        batch.clear();
      }
    }
    if (!batch.empty()) print(batch);
  } else {
    print({read_input(in, limits.max_text_bytes)});
  }
  if (in.bad()) throw han::Error("cannot read input file '" + path + "'");
  return 0;
}

}  // namespace han::cli
