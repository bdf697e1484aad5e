// han train: train a HAN on labelled text.
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "io/model_file.h"
#include "model/config.h"
#include "tools/data_file.h"
#include "train/trainer.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kTrainHelp = R"(usage: han train DATA -o MODEL [options]

Trains a HAN on DATA, a file of `label<TAB>text` lines (plain or .gz), and saves the model of the
best validation epoch, with golden test cases, to MODEL.

data:
  --validation FILE         validate on FILE instead of holding out part of DATA
  --validation-split F      fraction of DATA held out for validation (default 0.1)
  --labels A,B,...          names of labels 0, 1, ... (default: the labels of DATA, sorted);
                            DATA may then give a label by name or by index
  --limit N                 use only the first N lines of DATA
  --skip-malformed          pass over malformed lines instead of stopping at the first
fine-tuning:
  --fine-tune MODEL         start from MODEL's weights, keeping its vocabulary, tokenizer and
                            labels (the vocabulary, tokenizer and architecture options are unused)
  --output-layer-only       with --fine-tune: train only the output layer, on document vectors
                            computed once (fast)
vocabulary and tokenizer:
  --min-count N             minimum occurrences of a word (default 2)
  --max-vocab N             vocabulary size including <pad> and <unk> (default 30000)
  --max-sentences N         sentences kept per document (default 0: all)
  --max-words N             words kept per sentence (default 0: all)
  --pretrained FILE         initial word vectors, text format "word v1 ... vd"
architecture:
  --cell gru|lstm           recurrent cell of both encoders (default gru)
  --embedding-dim N         (default 100)
  --word-units N            units per direction of the word encoder (default 50)
  --sentence-units N        units per direction of the sentence encoder (default 50)
  --attention-units N       size of both attention layers (default 100)
training:
  --epochs N                maximum epochs (default 10)
  --patience N              stop after N epochs without a better validation accuracy (default 2)
  --batch-size N            (default 32)
  --optimizer adam|sgd      (default adam; sgd uses --momentum, default 0.9)
  --lr RATE                 learning rate (default 0.001 for adam, 0.01 for sgd)
  --clip NORM               clip the global gradient norm (default 5; 0: off)
  --l2 DECAY                L2 weight decay (default 0)
  --dropout P               dropout on the word vectors and the document vector (default 0.2)
  --threads N               data-parallel threads (default: all cores)
  --seed N                  seed of the split, initialisation, order and dropout (default 1)
  --embedding-dtype TYPE    store the embedding as float32 (default), float16 or int8
  --help                    show this help

The result is deterministic for a given seed and thread count.
)";

// Progress on stderr: a bar redrawn in place on a terminal, a plain line per tenth otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(size_t epochs) : epochs_(epochs), terminal_(isatty(fileno(stderr))) {}

  void update(size_t epoch, size_t done, size_t total, double loss) {
    const size_t tenth = done * 10 / total;
    if (!terminal_ && tenth == last_tenth_ && done != total) return;
    last_tenth_ = tenth;
    const double elapsed = seconds_since(epoch_start_);
    const double rate = static_cast<double>(done) / std::max(elapsed, 1e-9);
    std::ostringstream line;
    line << "epoch " << epoch << "/" << epochs_ << " ";
    if (terminal_) {
      const size_t filled = done * 30 / total;
      line << "[" << std::string(filled, '#') << std::string(30 - filled, '.') << "] ";
    }
    line << std::setw(3) << done * 100 / total << "%  " << std::fixed << std::setprecision(0)
         << rate << " docs/s  ETA " << format_duration(static_cast<double>(total - done) / rate)
         << "  loss " << std::setprecision(4) << loss;
    std::cerr << (terminal_ ? "\r" : "") << line.str() << (terminal_ ? "\033[K" : "\n")
              << std::flush;
  }

  void epoch_done() {
    if (terminal_) std::cerr << "\n";
    epoch_start_ = std::chrono::steady_clock::now();
    last_tenth_ = 0;
  }

 private:
  size_t epochs_;
  bool terminal_;
  size_t last_tenth_ = 0;
  std::chrono::steady_clock::time_point epoch_start_ = std::chrono::steady_clock::now();
};

han::TrainOptions train_options(const Args& args) {
  auto count = [&](const std::string& flag, size_t fallback) {
    return parse_count(args.get(flag, ""), "train", "--" + flag, fallback);
  };
  auto number = [&](const std::string& flag, const char* fallback, double lo, double hi) {
    return parse_number(args.get(flag, fallback), "train", "--" + flag, lo, hi);
  };
  han::TrainOptions o;
  o.validation_split = number("validation-split", "0.1", 1e-6, 0.999);
  if (args.has("labels")) o.labels = split_list(args.get("labels", ""));
  o.limit = count("limit", 0);
  o.min_count = count("min-count", 2);
  o.max_vocabulary = count("max-vocab", 30000);
  if (o.max_vocabulary < 3) throw UsageError("han train: --max-vocab must be at least 3");
  o.tokenizer.max_sentences = count("max-sentences", 0);
  o.tokenizer.max_words_per_sentence = count("max-words", 0);
  o.pretrained_path = args.get("pretrained", "");

  const std::string cell = args.get("cell", "gru");
  if (cell != "gru" && cell != "lstm") throw UsageError("han train: --cell must be gru or lstm");
  const han::CellType cell_type = cell == "gru" ? han::CellType::Gru : han::CellType::Lstm;
  const size_t dims[] = {count("embedding-dim", 100), count("word-units", 50),
                         count("sentence-units", 50), count("attention-units", 100)};
  for (size_t dim : dims) {
    if (dim > static_cast<size_t>(han::kMaxDimension)) {
      throw UsageError("han train: dimensions are limited to 4096");
    }
  }
  o.architecture =
      han::han_architecture(cell_type, static_cast<int>(dims[0]), static_cast<int>(dims[1]),
                            static_cast<int>(dims[2]), static_cast<int>(dims[3]));

  const std::string method = args.get("optimizer", "adam");
  if (method != "adam" && method != "sgd") {
    throw UsageError("han train: --optimizer must be adam or sgd");
  }
  o.optimizer.method = method == "adam" ? han::OptimizerMethod::Adam : han::OptimizerMethod::Sgd;
  o.optimizer.learning_rate = number("lr", method == "adam" ? "0.001" : "0.01", 1e-9, 10);
  o.optimizer.momentum = number("momentum", "0.9", 0, 0.999999);
  o.optimizer.clip_norm = number("clip", "5", 0, 1e9);
  o.optimizer.weight_decay = number("l2", "0", 0, 1);
  const double dropout = number("dropout", "0.2", 0, 0.95);
  o.dropout = {dropout, dropout};
  o.epochs = count("epochs", 10);
  o.patience = count("patience", 2);
  o.batch_size = count("batch-size", 32);
  o.threads = count("threads", han::default_thread_count());
  o.seed = static_cast<uint32_t>(number("seed", "1", 0, 4294967295.0));
  o.embedding_storage = han::parse_storage(args.get("embedding-dtype", "float32"));
  return o;
}

}  // namespace

int cmd_train(const std::vector<std::string>& argv) {
  const Args args(argv, {"skip-malformed", "output-layer-only", "help"},
                  {"o",
                   "output",
                   "validation",
                   "fine-tune",
                   "validation-split",
                   "labels",
                   "limit",
                   "min-count",
                   "max-vocab",
                   "max-sentences",
                   "max-words",
                   "pretrained",
                   "cell",
                   "embedding-dim",
                   "word-units",
                   "sentence-units",
                   "attention-units",
                   "epochs",
                   "patience",
                   "batch-size",
                   "optimizer",
                   "lr",
                   "momentum",
                   "clip",
                   "l2",
                   "dropout",
                   "threads",
                   "seed",
                   "embedding-dtype"},
                  "train");
  if (args.has("help")) {
    std::cout << kTrainHelp;
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("han train: expected DATA (see --help)");
  const std::string output = args.get("o", args.get("output", ""));
  if (output.empty()) throw UsageError("han train: -o MODEL is required");
  han::TrainOptions options = train_options(args);
  std::optional<han::Model> start_model;
  if (args.has("fine-tune")) {
    start_model.emplace(han::read_model_file(args.get("fine-tune", "")));
    options.start_from = &*start_model;
  }
  options.output_layer_only = args.has("output-layer-only");

  const auto start = std::chrono::steady_clock::now();
  ProgressPrinter progress(options.epochs);
  han::TrainCallbacks callbacks;
  callbacks.message = [](const std::string& m) { std::cerr << m << "\n"; };
  callbacks.progress = [&](size_t epoch, size_t done, size_t total, double loss) {
    progress.update(epoch, done, total, loss);
  };
  callbacks.epoch_done = [&](const han::EpochReport& r) {
    progress.epoch_done();
    std::cout << std::fixed << std::setprecision(4) << "epoch " << r.epoch << "  train loss "
              << r.train_loss << " accuracy " << r.train_accuracy << "  validation loss "
              << r.validation_loss << " accuracy " << r.validation_accuracy << "  ("
              << format_duration(r.seconds) << ")" << std::endl;
  };
  const han::TrainResult result =
      han::train_han(han::read_train_data(args.positional()[0], args.get("validation", ""),
                                          args.has("skip-malformed")),
                     options, callbacks);
  han::write_model_file(result.model, output);
  std::cout << "saved " << output << " (epoch " << result.best_epoch << ", validation accuracy "
            << std::fixed << std::setprecision(4)
            << result.epochs[result.best_epoch - 1].validation_accuracy << ") after "
            << format_duration(seconds_since(start)) << "\n";
  return 0;
}

}  // namespace han::cli
