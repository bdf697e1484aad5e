// han: the command-line tool. Each command is a function taking its arguments; errors are one line
// on stderr and a non-zero exit code (1 for a failure, 2 for a usage mistake).
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/model_file.h"
#include "model/config.h"
#include "tools/convert.h"
#include "tools/dataset.h"
#include "tools/experiments.h"
#include "tools/metrics.h"
#include "tools/parallel.h"
#include "tools/trainer.h"
#include "tools/word2vec.h"

namespace {

// Keys come out in the order written: label before sentences, start before end.
using json = nlohmann::ordered_json;

struct UsageError : han::Error {
  using han::Error::Error;
};

// Positional arguments and --flags (with or without a value) of one command.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& switches,
       const std::vector<std::string>& options, const std::string& command) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      const bool long_flag = a.size() > 2 && a.rfind("--", 0) == 0;
      const bool short_flag = a.size() == 2 && a[0] == '-' && std::isalpha(a[1]);  // e.g. -o
      if (long_flag || short_flag) {
        std::string name = a.substr(long_flag ? 2 : 1), value;
        const size_t eq = name.find('=');
        if (eq != std::string::npos) {
          value = name.substr(eq + 1);
          name = name.substr(0, eq);
        }
        if (contains(switches, name) && eq == std::string::npos) {
          flags_[name] = "";
        } else if (contains(options, name)) {
          if (eq == std::string::npos) {
            if (i + 1 >= argv.size())
              throw UsageError("han " + command + ": --" + name + " needs a value");
            value = argv[++i];
          }
          flags_[name] = value;
        } else {
          throw UsageError("han " + command + ": unknown option '" + a + "' (see 'han " + command +
                           " --help')");
        }
      } else {
        positional_.push_back(a);
      }
    }
  }
  bool has(const std::string& flag) const { return flags_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& fallback) const {
    auto it = flags_.find(flag);
    return it == flags_.end() ? fallback : it->second;
  }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  static bool contains(const std::vector<std::string>& list, const std::string& s) {
    for (const std::string& x : list) {
      if (x == s) return true;
    }
    return false;
  }
  std::map<std::string, std::string> flags_;
  std::vector<std::string> positional_;
};

// A positive integer option; `fallback` when it is absent (empty).
size_t parse_count(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback) {
  if (value.empty()) return fallback;
  if (value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(value) == 0) {
    throw UsageError("han " + command + ": " + flag + " expects a positive integer, found '" +
                     value + "'");
  }
  return std::stoul(value);
}

// A limit option: a non-negative integer, 0 for no limit; `fallback` when it is absent.
size_t parse_limit(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback) {
  if (value.empty()) return fallback;
  if (value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError("han " + command + ": " + flag +
                     " expects a non-negative integer (0 for no limit), found '" + value + "'");
  }
  return static_cast<size_t>(std::stoull(value));
}

// Reads at most max_bytes + 1 bytes (0: all): enough for predict to see that the text is longer
// than it reads, without holding an unbounded input in memory.
std::string read_input(std::istream& in, size_t max_bytes) {
  std::string text;
  char buffer[1 << 16];
  while (in && (max_bytes == 0 || text.size() <= max_bytes)) {
    const size_t want =
        max_bytes == 0 ? sizeof buffer : std::min(sizeof buffer, max_bytes + 1 - text.size());
    in.read(buffer, static_cast<std::streamsize>(want));
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  return text;
}

// One line without its '\n', keeping at most max_bytes + 1 bytes of it (0: all) and skipping
// the rest. False at the end of the input.
bool read_line(std::istream& in, size_t max_bytes, std::string& line) {
  line.clear();
  int c = in.get();
  if (c == EOF) return false;
  for (; c != EOF && c != '\n'; c = in.get()) {
    if (max_bytes == 0 || line.size() <= max_bytes) line.push_back(static_cast<char>(c));
  }
  return true;
}

// Invalid UTF-8 in the input shows as U+FFFD in the JSON instead of failing the whole output.
std::string dump(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json prediction_json(const han::Model& model, const han::Prediction& p) {
  json probabilities = json::object();
  for (size_t k = 0; k < model.labels.size(); ++k) {
    probabilities[model.labels[k]] = p.probabilities[k];
  }
  json sentences = json::array();
  for (const han::SentenceAttention& s : p.sentences) {
    json words = json::array();
    for (const han::WordAttention& w : s.words) {
      words.push_back({{"text", w.text},
                       {"start", w.span.byte_start},
                       {"end", w.span.byte_end},
                       {"weight", w.weight}});
    }
    sentences.push_back({{"text", s.text},
                         {"start", s.span.byte_start},
                         {"end", s.span.byte_end},
                         {"weight", s.weight},
                         {"words", words}});
  }
  return {{"label", model.labels[p.label]},
          {"probabilities", probabilities},
          {"truncated", p.truncated},
          {"sentences", sentences}};
}

std::string bar(double fraction, int width) {
  const int filled = static_cast<int>(fraction * width + 0.5);
  std::string s;
  for (int i = 0; i < width; ++i) s += i < filled ? "█" : "·";
  return s;
}

void print_prediction_text(const han::Model& model, const han::Prediction& p) {
  std::cout << model.labels[p.label] << "  " << std::fixed << std::setprecision(4)
            << p.probabilities[p.label] << "  (";
  for (size_t k = 0; k < model.labels.size(); ++k) {
    std::cout << (k ? ", " : "") << model.labels[k] << " " << p.probabilities[k];
  }
  std::cout << ")" << (p.truncated ? "  [text truncated by the model's limits]" : "") << "\n";
  if (p.sentences.empty()) std::cout << "(no words)\n";
  for (size_t s = 0; s < p.sentences.size(); ++s) {
    const han::SentenceAttention& sentence = p.sentences[s];
    std::cout << "\n"
              << bar(sentence.weight, 10) << " " << std::setprecision(3) << sentence.weight << "  "
              << sentence.text << "\n    ";
    for (size_t w = 0; w < sentence.words.size(); ++w) {
      std::cout << (w ? "  " : "") << sentence.words[w].text << " " << std::setprecision(2)
                << sentence.words[w].weight;
    }
    std::cout << "\n";
  }
}

const char* kPredictHelp = R"(usage: han predict MODEL [FILE|-] [options]

Classifies the text in FILE (or standard input) and prints the label, the probability of every
label, and the attention weight of every sentence and word, with byte offsets into the input.

options:
  --format json|text   json (default): one JSON object; text: the review with its weights
  --lines              one document per input line (JSON Lines with --format json)
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

int cmd_predict(const std::vector<std::string>& argv) {
  const Args args(
      argv, {"lines", "pretty", "no-verify", "help"},
      {"format", "max-text-bytes", "max-sentences", "max-words", "max-words-per-sentence"},
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
  han::Model model = han::read_model_file(pos[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  const std::string path = pos.size() == 2 ? pos[1] : "-";
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw han::Error("cannot open input file '" + path + "'");
  }
  std::istream& in = path == "-" ? std::cin : file;

  const int indent = args.has("pretty") ? 2 : -1;
  size_t count = 0;
  auto print = [&](const std::string& document) {
    const han::Prediction p = model.predict(document, limits);
    if (format == "json") {
      std::cout << dump(prediction_json(model, p), indent) << "\n";
    } else {
      if (count) std::cout << "\n────────\n\n";
      print_prediction_text(model, p);
    }
    ++count;
  };
  if (args.has("lines")) {
    for (std::string line; read_line(in, limits.max_text_bytes, line);) print(line);
  } else {
    print(read_input(in, limits.max_text_bytes));
  }
  if (in.bad()) throw han::Error("cannot read input file '" + path + "'");
  return 0;
}

const char* kInspectHelp = R"(usage: han inspect MODEL [options]

Shows the model's architecture with per-layer parameter counts, its vocabulary size, labels and
tokenizer settings, and runs its golden test cases (the exit code is 1 if one fails).

options:
  --json   print the same as one JSON object
  --help   show this help
)";

std::string describe_encoder(const han::EncoderConfig& e) {
  std::string s = e.bidirectional ? "bidirectional " : "";
  s += e.cell == han::CellType::Gru ? "GRU" : "LSTM";
  s += " " + std::to_string(e.units);
  if (e.bidirectional) {
    const char* merges[] = {"concat", "sum", "ave", "mul"};
    s += std::string(", merge ") + merges[static_cast<int>(e.merge)];
  }
  if (e.cell == han::CellType::Gru) s += e.reset_after ? ", reset_after" : ", reset_before";
  s += ", " + std::string(han::activation_name(e.recurrent_activation));
  return s;
}

std::string describe_attention(const han::AttentionConfig& a) {
  return std::to_string(a.units) + " units, " + std::string(han::activation_name(a.activation)) +
         (a.use_bias ? ", bias" : ", no bias");
}

int cmd_inspect(const std::vector<std::string>& argv) {
  const Args args(argv, {"json", "help"}, {}, "inspect");
  if (args.has("help")) {
    std::cout << kInspectHelp;
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("han inspect: expected MODEL");
  const std::string& path = args.positional()[0];
  han::Model model = han::read_model_file(path, {false, {}});
  const han::HanConfig& c = model.config();

  struct Layer {
    std::string name, description;
    int output;
    uint64_t parameters = 0;
    std::string storage = "float32";
  };
  std::vector<Layer> layers = {
      {"embedding", std::to_string(c.vocab_size) + " x " + std::to_string(c.embedding_dim),
       c.embedding_dim},
      {"word_encoder", describe_encoder(c.word_encoder), c.word_encoder.output_dim()},
      {"word_attention", describe_attention(c.word_attention), c.word_encoder.output_dim()},
      {"sentence_encoder", describe_encoder(c.sentence_encoder), c.sentence_encoder.output_dim()},
      {"sentence_attention", describe_attention(c.sentence_attention),
       c.sentence_encoder.output_dim()},
      {"output", std::string(han::activation_name(c.output_activation)), c.num_labels}};
  uint64_t total = 0;
  han::visit_han_params(model.params, [&](const std::string& name, han::Matrix<float>& m, bool) {
    const std::string layer = name.substr(0, name.find('.'));
    for (Layer& l : layers) {
      if (l.name != layer) continue;
      l.parameters += static_cast<uint64_t>(m.size());
      auto stored = model.storage.find(name);
      if (stored != model.storage.end()) l.storage = han::storage_name(stored->second);
    }
    total += static_cast<uint64_t>(m.size());
  });
  const han::GoldenReport golden = model.check_golden();

  if (args.has("json")) {
    json j = {{"file", path},
              {"labels", model.labels},
              {"vocabulary_size", model.vocabulary.size()},
              {"tokenizer", json(han::to_json(model.tokenizer))},
              {"metadata", json::parse(model.metadata_json)},
              {"parameters", total},
              {"layers", json::array()},
              {"golden",
               {{"cases", golden.cases},
                {"max_abs_diff", golden.max_abs_diff},
                {"tolerance", model.golden_tolerance},
                {"passed", golden.failure.empty()}}}};
    for (const Layer& l : layers) {
      j["layers"].push_back({{"name", l.name},
                             {"description", l.description},
                             {"output", l.output},
                             {"parameters", l.parameters},
                             {"storage", l.storage}});
    }
    if (!golden.failure.empty()) j["golden"]["failure"] = golden.failure;
    std::cout << dump(j, 2) << "\n";
  } else {
    std::cout << "model       " << path << "\n";
    std::cout << "labels      ";
    for (size_t k = 0; k < model.labels.size(); ++k)
      std::cout << (k ? ", " : "") << model.labels[k];
    std::cout << "\nvocabulary  " << model.vocabulary.size()
              << " entries (ids 0 and 1: padding, unknown)\n";
    std::cout << "tokenizer   " << han::to_json(model.tokenizer).dump() << "\n";
    std::cout << "metadata    " << model.metadata_json << "\n\n";
    std::cout << std::left << std::setw(20) << "layer" << std::setw(58) << "configuration"
              << std::setw(8) << "output" << std::right << std::setw(12) << "parameters"
              << std::setw(10) << "storage"
              << "\n";
    std::cout << std::string(108, '-') << "\n";
    for (const Layer& l : layers) {
      std::cout << std::left << std::setw(20) << l.name << std::setw(58) << l.description
                << std::setw(8) << l.output << std::right << std::setw(12) << l.parameters
                << std::setw(10) << l.storage << "\n";
    }
    std::cout << std::string(108, '-') << "\n";
    std::cout << std::left << std::setw(86) << "total" << std::right << std::setw(12) << total
              << "\n\n";
    std::cout << "golden tests  ";
    if (golden.failure.empty()) {
      std::cout << golden.cases << "/" << golden.cases << " passed (max |diff| " << std::scientific
                << std::setprecision(1) << golden.max_abs_diff << ", tolerance "
                << model.golden_tolerance << ")\n";
    } else {
      std::cout << "FAILED: " << golden.failure << "\n";
    }
  }
  return golden.failure.empty() ? 0 : 1;
}

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

const char* kQuantizeHelp = R"(usage: han quantize MODEL OUT --dtype float16|int8 [options]

Writes MODEL to OUT with its embedding stored as float16, or as int8 with one float32 scale per
row; with --all-matrices every weight matrix is stored that way. The golden test cases are
recomputed on the rounded weights, and the largest change of a golden probability is reported.
Measure the accuracy cost with `han test` on both files.

options:
  --dtype float16|int8|float32   storage type (float32 undoes a quantization's file format only)
  --all-matrices                 quantize every matrix, not only the embedding
  --help                         show this help
)";

int cmd_quantize(const std::vector<std::string>& argv) {
  const Args args(argv, {"all-matrices", "help"}, {"dtype"}, "quantize");
  if (args.has("help")) {
    std::cout << kQuantizeHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han quantize: expected MODEL OUT");
  if (!args.has("dtype")) throw UsageError("han quantize: --dtype is required");
  const han::StorageType type = han::parse_storage(args.get("dtype", ""));
  const han::Model model = han::read_model_file(args.positional()[0]);
  const han::Model quantized = han::quantize(model, type, args.has("all-matrices"));
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

double parse_number(const std::string& value, const std::string& command, const std::string& flag,
                    double lo, double hi) {
  char* end = nullptr;
  const double x = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(x >= lo && x <= hi)) {
    std::ostringstream message;
    message << "han " << command << ": " << flag << " expects a number from " << lo << " to " << hi
            << ", found '" << value << "'";
    throw UsageError(message.str());
  }
  return x;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  std::ostringstream out;
  out << s / 60 << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return out.str();
}

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

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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
  o.train_path = args.positional()[0];
  o.validation_path = args.get("validation", "");
  o.validation_split = number("validation-split", "0.1", 1e-6, 0.999);
  o.skip_malformed = args.has("skip-malformed");
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
  han::HanConfig& a = o.architecture;
  a.embedding_dim = static_cast<int>(count("embedding-dim", 100));
  a.word_encoder = {cell_type, static_cast<int>(count("word-units", 50)),
                    true,      han::MergeMode::Concat,
                    true,      han::Activation::Sigmoid};
  a.sentence_encoder = {cell_type, static_cast<int>(count("sentence-units", 50)),
                        true,      han::MergeMode::Concat,
                        true,      han::Activation::Sigmoid};
  const int attention = static_cast<int>(count("attention-units", 100));
  a.word_attention = {attention, true, han::Activation::Tanh};
  a.sentence_attention = {attention, true, han::Activation::Tanh};
  for (int dim : {a.embedding_dim, a.word_encoder.units, a.sentence_encoder.units, attention}) {
    if (dim > han::kMaxDimension) throw UsageError("han train: dimensions are limited to 4096");
  }

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

int cmd_train(const std::vector<std::string>& argv) {
  const Args args(argv, {"skip-malformed", "help"},
                  {"o",
                   "output",
                   "validation",
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
  const han::TrainOptions options = train_options(args);

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
  const han::TrainResult result = han::train_han(options, callbacks);
  han::write_model_file(result.model, output);
  std::cout << "saved " << output << " (epoch " << result.best_epoch << ", validation accuracy "
            << std::fixed << std::setprecision(4)
            << result.epochs[result.best_epoch - 1].validation_accuracy << ") after "
            << format_duration(ProgressPrinter::seconds_since(start)) << "\n";
  return 0;
}

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
            << args.positional()[0] << " in "
            << format_duration(ProgressPrinter::seconds_since(start)) << "\n";
  return 0;
}

const char* kConvertHelp = R"(usage: han convert WEIGHTS.safetensors CONFIG.json -o MODEL [options]

Converts a HAN trained in PyTorch (state_dict names and layouts) or Keras (layer weights) from
safetensors, described by CONFIG.json (architecture, vocabulary, labels, tokenizer settings,
name mapping; see docs/convert.md), into a model file with golden test cases computed by this
core. Missing, extra and mis-shaped tensors are all reported, by their names in WEIGHTS. For a
Keras .h5 file run scripts/keras_h5_to_safetensors.py first.

options:
  -o, --output MODEL   the model file to write (required)
  --check REFERENCE    JSON of the original framework's outputs ({"cases": [{"text",
                       "probabilities", "sentence_weights", "word_weights"}]}); fails unless
                       the converted model matches them within their tolerance (default 1e-5)
  --ignore-extra       tensors the architecture does not use are listed, not an error
  --help               show this help
)";

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw han::Error("cannot open " + what + " '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw han::Error(path + ": invalid JSON (" + e.what() + ")");
  }
}

int cmd_convert(const std::vector<std::string>& argv) {
  const Args args(argv, {"ignore-extra", "help"}, {"o", "output", "check"}, "convert");
  if (args.has("help")) {
    std::cout << kConvertHelp;
    return 0;
  }
  if (args.positional().size() != 2) {
    throw UsageError("han convert: expected WEIGHTS.safetensors CONFIG.json");
  }
  const std::string output = args.get("o", args.get("output", ""));
  if (output.empty()) throw UsageError("han convert: -o MODEL is required");
  const std::string& weights_path = args.positional()[0];
  const std::string& config_path = args.positional()[1];

  const han::SafetensorsFile weights = han::read_safetensors_file(weights_path);
  const nlohmann::json config = read_json_file(config_path, "configuration");
  const size_t slash = config_path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "" : config_path.substr(0, slash);
  han::ConvertResult result;
  try {
    result = han::convert_model(config, weights, base_dir, {args.has("ignore-extra")});
  } catch (const han::Error& e) {
    throw han::Error(weights_path + " with " + config_path + ": " + e.what());
  }
  for (const std::string& name : result.ignored) {
    std::cerr << "han convert: ignored tensor " << name << "\n";
  }
  if (!result.unreachable_words.empty()) {
    std::cerr << "han convert: warning: " << result.unreachable_words.size()
              << " vocabulary words are never produced by the tokenizer, e.g. \""
              << result.unreachable_words[0] << "\" (see docs/convert.md)\n";
  }
  std::string checked;
  if (args.has("check")) {
    const std::string reference_path = args.get("check", "");
    const han::ParityReport parity =
        han::check_parity(result.model, read_json_file(reference_path, "reference"));
    if (!parity.failure.empty()) {
      throw han::Error(reference_path + ": " + parity.failure + " (nothing written)");
    }
    std::ostringstream line;
    line << "; matches " << reference_path << " on " << parity.cases << " cases (max |diff| "
         << std::scientific << std::setprecision(1) << parity.max_abs_diff << ")";
    checked = line.str();
  }
  han::write_model_file(result.model, output);
  std::cout << "wrote " << output << ": " << result.tensors_read << " tensors, "
            << result.model.vocabulary.size() << " words, " << result.model.labels.size()
            << " labels, " << result.model.golden_cases.size() << " golden cases" << checked
            << "\n";
  return 0;
}

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

const char* kHelp = R"(han: explainable text classification with Hierarchical Attention Networks

usage: han <command> [arguments]

commands:
  predict     classify text; print label, probabilities and word/sentence attention
  inspect     show a model's architecture, parameter counts, vocabulary, labels and golden tests
  train       train a model on labelled text (label<TAB>text, plain or .gz)
  pretrain    learn word vectors from unlabelled text (word2vec) for train --pretrained
  test        evaluate a model on labelled data: accuracy, precision, recall, F1, confusion
  quantize    store a model's embedding (or all matrices) as float16 or int8
  convert     convert a PyTorch or Keras HAN (safetensors + JSON) into a model file
  experiment  run a seed experiment (select, masking, sum): attention on synthetic sequences

Run 'han <command> --help' for the options of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(const std::vector<std::string>&)>> commands = {
      {"predict", cmd_predict},   {"inspect", cmd_inspect},      {"test", cmd_test},
      {"quantize", cmd_quantize}, {"train", cmd_train},          {"pretrain", cmd_pretrain},
      {"convert", cmd_convert},   {"experiment", cmd_experiment}};
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kHelp;
    return args.empty() ? 2 : 0;
  }
  auto command = commands.find(args[0]);
  try {
    if (command == commands.end()) {
      throw UsageError("han: unknown command '" + args[0] + "' (see 'han --help')");
    }
    return command->second(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";  // it names the command: "han predict: ..."
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "han: error: " << e.what() << "\n";
    return 1;
  }
}
