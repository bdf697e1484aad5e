// han pretrain: word2vec word vectors for train --pretrained.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "model/config.h"
#include "tools/word2vec.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kPretrainHelp = R"(usage: han pretrain OUT FILE... [options]

Learns word vectors from unlabelled text with skip-gram and negative sampling (word2vec), on the
words of han's own tokenizer, and writes them to OUT in the word2vec text format, ready for
`han train --pretrained OUT`. Each FILE (plain or .gz) holds one document per line; from a line
`label<TAB>text` only the text is used. The result is the same on every run with the same seed.

options:
  --dim N          vector size; use the model's --embedding-dim (default 100)
  --window N       context words on each side (default 5)
  --negatives N    negative samples per context word (default 5)
  --epochs N       passes over the text (default 3)
  --min-count N    minimum occurrences of a word (default 5)
  --max-vocab N    most frequent words kept (default 200000)
  --lr RATE        initial learning rate, falling linearly to 0 (default 0.025)
  --seed N         (default 1)
  --threads N      threads for reading and tokenizing (default: all cores)
  --help           show this help
)";

}  // namespace

int cmd_pretrain(const std::vector<std::string>& argv) {
  const Args args(
      argv, {"help"},
      {"dim", "window", "negatives", "epochs", "min-count", "max-vocab", "lr", "seed", "threads"},
      "pretrain");
  if (args.has("help")) {
    std::cout << kPretrainHelp;
    return 0;
  }
  if (args.positional().size() < 2) throw UsageError("han pretrain: expected OUT FILE...");
  auto count = [&](const std::string& flag, size_t fallback) {
    return parse_count(args.get(flag, ""), "pretrain", "--" + flag, fallback);
  };
  han::Word2VecOptions o;
  o.dimension = static_cast<int>(count("dim", 100));
  o.window = static_cast<int>(count("window", 5));
  o.negatives = static_cast<int>(count("negatives", 5));
  o.epochs = static_cast<int>(count("epochs", 3));
  o.min_count = count("min-count", 5);
  o.max_vocabulary = count("max-vocab", 200000);
  o.learning_rate = parse_number(args.get("lr", "0.025"), "pretrain", "--lr", 1e-6, 1);
  o.seed = static_cast<uint32_t>(count("seed", 1));
  if (o.dimension > han::kMaxDimension) throw UsageError("han pretrain: --dim is limited to 4096");

  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> files(args.positional().begin() + 1, args.positional().end());
  const han::Corpus corpus =
      han::read_corpus(files, o.tokenizer, count("threads", han::default_thread_count()));
  std::cerr << "read " << corpus.documents.size() << " documents, " << corpus.words.size()
            << " distinct words\n";
  const bool terminal = isatty(fileno(stderr));
  int last_percent = -1;
  const han::WordVectors vectors =
      han::train_word2vec(corpus, o, [&](double done, double words_per_second) {
        const int percent = static_cast<int>(done * 100);
        if (percent == last_percent || (!terminal && percent % 10 != 0)) return;
        last_percent = percent;
        std::cerr << (terminal ? "\r" : "") << "word2vec " << std::setw(3) << percent << "%  "
                  << std::fixed << std::setprecision(0) << words_per_second / 1000 << "k words/s"
                  << (terminal ? "\033[K" : "\n") << std::flush;
      });
  if (terminal) std::cerr << "\n";
  han::write_word_vectors(vectors, args.positional()[0]);
  std::cout << "wrote " << vectors.words.size() << " vectors of " << o.dimension << " to "
            << args.positional()[0] << " in " << format_duration(seconds_since(start)) << "\n";
  return 0;
}

}  // namespace han::cli
