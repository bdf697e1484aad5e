#include "import/convert.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/error.h"
#include "io/model_file.h"
#include "model/config.h"

namespace han {
namespace {

using nlohmann::json;
using Shape = std::vector<uint64_t>;

enum class Convention { PyTorch, Keras };

constexpr size_t kMaxReportedProblems = 8;
constexpr uint64_t kMaxVocabularyFile = uint64_t{1} << 31;

// Maps the canonical tensor names of a convention (docs/convert.md) to the names in the file:
// the longest key of "names" that is the whole name or a prefix of it ending at a separator is
// replaced by its value, then "prefix" goes in front.
class NameMap {
 public:
  NameMap(const json& config, char separator) : separator_(separator) {
    if (config.contains("names")) {
      const json& names = config["names"];
      if (!names.is_object()) throw Error("names: expected an object of strings");
      for (const auto& [from, to] : names.items()) {
        if (!to.is_string()) throw Error("names." + from + ": expected a string");
        names_[from] = to.get<std::string>();
      }
    }
    if (config.contains("prefix")) {
      if (!config["prefix"].is_string()) throw Error("prefix: expected a string");
      prefix_ = config["prefix"].get<std::string>();
    }
  }

  std::string source(const std::string& canonical) const {
    // The whole name first, then each shorter prefix that ends before a separator.
    for (size_t end = canonical.size();;) {
      auto it = names_.find(canonical.substr(0, end));
      if (it != names_.end()) return prefix_ + it->second + canonical.substr(end);
      const size_t separator = end == 0 ? std::string::npos : canonical.rfind(separator_, end - 1);
      if (separator == std::string::npos) return prefix_ + canonical;
      end = separator;
    }
  }

 private:
  char separator_;
  std::map<std::string, std::string> names_;
  std::string prefix_;
};

// Takes tensors from the safetensors file by canonical name, checking each shape, and collects
// every problem so that one error can list them all.
class TensorReader {
 public:
  TensorReader(const SafetensorsFile& file, const NameMap& names) : file_(file), names_(names) {}

  // The tensor under the first of `candidates` (canonical names) present in the file, as a
  // matrix of the first of `shapes` (the other shapes hold the same values in the same order, e.g.
  // a context vector stored as n, 1 x n or n x 1). `meaning` explains the expected shape.
  Matrix<float> take(const std::vector<std::string>& candidates, const std::vector<Shape>& shapes,
                     const std::string& meaning) {
    const Shape& first = shapes.front();
    const Eigen::Index rows = first.size() == 2 ? static_cast<Eigen::Index>(first[0]) : 1;
    const Eigen::Index cols = static_cast<Eigen::Index>(first.back());
    Matrix<float> out = Matrix<float>::Zero(rows, cols);

    std::vector<std::string> present, tried;
    for (const std::string& canonical : candidates) {
      tried.push_back(names_.source(canonical));
      if (file_.tensors().count(tried.back())) present.push_back(tried.back());
    }
    std::string expected;
    for (const Shape& s : shapes) expected += (expected.empty() ? "" : " or ") + describe_shape(s);
    expected += " (" + meaning + ")";
    if (present.empty()) {
      std::string names;
      for (const std::string& t : tried) names += (names.empty() ? "" : " or ") + t;
      problems_.push_back("tensor " + names + ": missing (expected " + expected + ")");
      return out;
    }
    if (present.size() > 1) {
      problems_.push_back("tensors " + present[0] + " and " + present[1] +
                          ": both present, only one is expected");
    }
    const std::string& name = present.front();
    used_.insert(name);
    const SafetensorsTensor& tensor = file_.tensors().at(name);
    if (std::find(shapes.begin(), shapes.end(), tensor.shape) == shapes.end()) {
      problems_.push_back("tensor " + name + ": expected " + expected + ", found " +
                          describe_shape(tensor.shape));
      return out;
    }
    try {
      const std::vector<float> values = file_.values(name);
      std::copy(values.begin(), values.end(), out.data());
    } catch (const Error& e) {
      problems_.push_back(e.what());
    }
    return out;
  }

  Matrix<float> take(const std::string& canonical, const std::vector<Shape>& shapes,
                     const std::string& meaning) {
    return take(std::vector<std::string>{canonical}, shapes, meaning);
  }

  // Unused tensors become problems unless ignored; returns their names. The message lists the
  // first few problems of each kind, so a wrong name mapping shows both sides.
  std::vector<std::string> finish(bool ignore_extra) {
    std::vector<std::string> extra, unused;
    for (const auto& [name, tensor] : file_.tensors()) {
      if (used_.count(name)) continue;
      extra.push_back(name);
      unused.push_back("tensor " + name + " (" + describe_shape(tensor.shape) +
                       "): not used by this architecture");
    }
    if (ignore_extra) unused.clear();
    const size_t total = problems_.size() + unused.size();
    if (total == 0) return extra;
    std::string message = std::to_string(total) + (total == 1 ? " problem" : " problems");
    const char* separator = ": ";
    auto append = [&](const std::vector<std::string>& list, const char* kind) {
      for (size_t i = 0; i < list.size() && i < kMaxReportedProblems; ++i) {
        message += separator + list[i];
        separator = "; ";
      }
      if (list.size() > kMaxReportedProblems) {
        message += "; and " + std::to_string(list.size() - kMaxReportedProblems) + " more " + kind;
      }
    };
    append(problems_, "missing or mis-shaped");
    append(unused, "not used");
    throw Error(message);
  }

 private:
  const SafetensorsFile& file_;
  const NameMap& names_;
  std::set<std::string> used_;
  std::vector<std::string> problems_;
};

uint64_t u64(int n) {
  return static_cast<uint64_t>(n);
}

// Columns [begin, begin + n) of a Keras kernel hold gate block k; PyTorch stacks the same gates
// as row blocks of its weight, in its own order.
// PyTorch nn.GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
//                  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h
// is the Keras GRU with reset_after: true; its row blocks r, z, n become column blocks z, r, h.
Matrix<float> gru_blocks_to_keras(const Matrix<float>& torch_rows, int units) {
  const Eigen::Index u = units;
  Matrix<float> keras(torch_rows.cols(), 3 * u);
  keras.leftCols(u) = torch_rows.middleRows(u, u).transpose();       // z
  keras.middleCols(u, u) = torch_rows.topRows(u).transpose();        // r
  keras.rightCols(u) = torch_rows.middleRows(2 * u, u).transpose();  // n = h
  return keras;
}

RowVector<float> gru_bias_to_keras(const Matrix<float>& torch_bias, int units) {
  const Eigen::Index u = units;
  RowVector<float> keras(3 * u);
  keras << torch_bias.row(0).segment(u, u), torch_bias.row(0).head(u),
      torch_bias.row(0).segment(2 * u, u);
  return keras;
}

std::string direction_meaning(const std::string& what, const EncoderConfig& e) {
  return what + (e.cell == CellType::Gru ? ", GRU gates" : ", LSTM gates");
}

// nn.GRU / nn.LSTM: weight_ih_l0 (G·u x input), weight_hh_l0 (G·u x u), bias_ih_l0, bias_hh_l0
// (G·u); the backward direction adds "_reverse". nn.LSTM's gate order i, f, g, o is Keras's
// i, f, c, o, and it adds both biases: b = b_ih + b_hh.
void read_pytorch_encoder(TensorReader& in, const std::string& module, const EncoderConfig& e,
                          int input_dim, EncoderParams<float>& out) {
  const uint64_t g = u64(e.gate_count()), u = u64(e.units);
  auto direction = [&](const std::string& suffix, RecurrentParams<float>& params) {
    const std::string base = module + ".";
    const Matrix<float> w_ih = in.take(base + "weight_ih_l0" + suffix, {{g * u, u64(input_dim)}},
                                       direction_meaning("gates·units x input", e));
    const Matrix<float> w_hh = in.take(base + "weight_hh_l0" + suffix, {{g * u, u}},
                                       direction_meaning("gates·units x units", e));
    const Matrix<float> b_ih =
        in.take(base + "bias_ih_l0" + suffix, {{g * u}}, direction_meaning("gates·units", e));
    const Matrix<float> b_hh =
        in.take(base + "bias_hh_l0" + suffix, {{g * u}}, direction_meaning("gates·units", e));
    if (auto* gru = std::get_if<GruParams<float>>(&params)) {
      gru->kernel = gru_blocks_to_keras(w_ih, e.units);
      gru->recurrent_kernel = gru_blocks_to_keras(w_hh, e.units);
      gru->bias.row(0) = gru_bias_to_keras(b_ih, e.units);
      gru->bias.row(1) = gru_bias_to_keras(b_hh, e.units);
    } else {
      auto& lstm = std::get<LstmParams<float>>(params);
      lstm.kernel = w_ih.transpose();
      lstm.recurrent_kernel = w_hh.transpose();
      lstm.bias = b_ih + b_hh;
    }
  };
  direction("", out.forward);
  if (e.bidirectional) direction("_reverse", out.backward);
}

// Keras GRU / LSTM: kernel (input x G·u), recurrent_kernel (u x G·u), bias (G·u, or 2 x 3u for
// a GRU with reset_after: true): the layout of the model file, taken as it is. A Bidirectional
// layer's weights are "forward/..." and "backward/...".
void read_keras_encoder(TensorReader& in, const std::string& layer, const EncoderConfig& e,
                        int input_dim, EncoderParams<float>& out) {
  const uint64_t g = u64(e.gate_count()), u = u64(e.units);
  const bool two_bias_rows = e.cell == CellType::Gru && e.reset_after;
  const Shape bias_shape = two_bias_rows ? Shape{2, 3 * u} : Shape{g * u};
  const std::string bias_meaning =
      e.cell == CellType::Lstm ? "4·units, LSTM"
      : two_bias_rows ? "input and recurrent bias, 3·units each: GRU with reset_after: true"
                      : "3·units: GRU with reset_after: false";
  auto direction = [&](const std::string& prefix, RecurrentParams<float>& params) {
    std::visit(
        [&](auto& p) {
          p.kernel = in.take(prefix + "kernel", {{u64(input_dim), g * u}},
                             direction_meaning("input x gates·units", e));
          p.recurrent_kernel = in.take(prefix + "recurrent_kernel", {{u, g * u}},
                                       direction_meaning("units x gates·units", e));
          p.bias = in.take(prefix + "bias", {bias_shape}, bias_meaning);
        },
        params);
  };
  if (e.bidirectional) {
    direction(layer + "/forward/", out.forward);
    direction(layer + "/backward/", out.backward);
  } else {
    direction(layer + "/", out.forward);
  }
}

// PyTorch attention module: projection = nn.Linear(input, units) (weight units x input, so
// kernel = weightᵀ), and a context vector of `units` values (a parameter, or the weight of an
// nn.Linear(units, 1, bias=False)).
void read_pytorch_attention(TensorReader& in, const std::string& module, int input_dim,
                            AttentionParams<float>& out) {
  const uint64_t units = u64(out.config.units);
  out.kernel =
      in.take(module + ".projection.weight", {{units, u64(input_dim)}}, "attention units x input")
          .transpose();
  if (out.config.use_bias) {
    out.bias = in.take(module + ".projection.bias", {{units}}, "attention units");
  }
  out.context = in.take(module + ".context", {{units}, {1, units}, {units, 1}}, "attention units");
}

// Keras attention layers of the HAN libraries: W (input x units), b (units) and u, or W and
// context_vector without a bias; u and context_vector are stored as units or units x 1.
void read_keras_attention(TensorReader& in, const std::string& layer, int input_dim,
                          AttentionParams<float>& out) {
  const uint64_t units = u64(out.config.units);
  out.kernel = in.take(layer + "/W", {{u64(input_dim), units}}, "input x attention units");
  if (out.config.use_bias) out.bias = in.take(layer + "/b", {{units}}, "attention units");
  out.context =
      in.take({layer + "/u", layer + "/context_vector"}, {{units}, {units, 1}}, "attention units");
}

void read_tensors(TensorReader& in, Convention convention, HanParams<float>& p) {
  const HanConfig& c = p.config;
  const int word_dim = c.word_encoder.output_dim(), sentence_dim = c.sentence_encoder.output_dim();
  const uint64_t vocab = u64(c.vocab_size), dim = u64(c.embedding_dim);
  const uint64_t labels = u64(c.num_labels);
  if (convention == Convention::PyTorch) {
    p.embedding = in.take("embedding.weight", {{vocab, dim}}, "vocabulary size x embedding_dim");
    read_pytorch_encoder(in, "word_encoder", c.word_encoder, c.embedding_dim, p.word_encoder);
    read_pytorch_attention(in, "word_attention", word_dim, p.word_attention);
    read_pytorch_encoder(in, "sentence_encoder", c.sentence_encoder, word_dim, p.sentence_encoder);
    read_pytorch_attention(in, "sentence_attention", sentence_dim, p.sentence_attention);
    p.output.kernel =
        in.take("output.weight", {{labels, u64(sentence_dim)}}, "labels x input").transpose();
    p.output.bias = in.take("output.bias", {{labels}}, "labels");
  } else {
    p.embedding =
        in.take("embedding/embeddings", {{vocab, dim}}, "vocabulary size x embedding_dim");
    read_keras_encoder(in, "word_encoder", c.word_encoder, c.embedding_dim, p.word_encoder);
    read_keras_attention(in, "word_attention", word_dim, p.word_attention);
    read_keras_encoder(in, "sentence_encoder", c.sentence_encoder, word_dim, p.sentence_encoder);
    read_keras_attention(in, "sentence_attention", sentence_dim, p.sentence_attention);
    p.output.kernel = in.take("output/kernel", {{u64(sentence_dim), labels}}, "input x labels");
    p.output.bias = in.take("output/bias", {{labels}}, "labels");
  }
}

std::vector<std::string> read_word_list(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw Error("vocabulary_file: cannot open '" + path + "'");
  const std::streamoff size = file.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxVocabularyFile) {
    throw Error("vocabulary_file: '" + path + "' is larger than 2 GiB or unreadable");
  }
  file.seekg(0);
  std::vector<std::string> words;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    words.push_back(line);
  }
  return words;
}

std::vector<std::string> read_vocabulary(const json& config, const std::string& base_dir) {
  const bool inline_words = config.contains("vocabulary");
  if (inline_words == config.contains("vocabulary_file")) {
    throw Error("configuration: give exactly one of \"vocabulary\" and \"vocabulary_file\"");
  }
  std::vector<std::string> words;
  if (inline_words) {
    if (!config["vocabulary"].is_array()) throw Error("vocabulary: expected an array of strings");
    for (const json& w : config["vocabulary"]) {
      if (!w.is_string()) throw Error("vocabulary: every entry must be a string");
      words.push_back(w.get<std::string>());
    }
  } else {
    if (!config["vocabulary_file"].is_string()) throw Error("vocabulary_file: expected a path");
    const std::string path = config["vocabulary_file"].get<std::string>();
    words = read_word_list(
        path.empty() || path[0] == '/' || base_dir.empty() ? path : base_dir + "/" + path);
  }
  if (words.size() < 2 || words.size() > static_cast<size_t>(kMaxVocabulary)) {
    throw Error("vocabulary: " + std::to_string(words.size()) + " words; expected 2 to " +
                std::to_string(kMaxVocabulary) + " (ids 0 and 1 are padding and unknown)");
  }
  return words;
}

// A few texts over the vocabulary's own words, when the configuration gives none.
std::vector<std::string> default_golden_texts(const std::vector<std::string>& words) {
  std::string first, second;
  for (size_t i = 2; i < words.size() && i < 10; ++i) first += (i > 2 ? " " : "") + words[i];
  for (size_t i = words.size() - 1, n = 0; i >= 2 && n < 6; --i, ++n) {
    second += (n ? (n == 3 ? "! " : " ") : "") + words[i];
  }
  return {first + ".", second + "?", "zzqxv " + words.back() + " unheardofword."};
}

std::vector<std::string> unreachable_words(const Vocabulary& vocabulary,
                                           const TokenizerConfig& tokenizer) {
  std::vector<std::string> out;
  for (size_t id = 2; id < vocabulary.size(); ++id) {
    const std::string& word = vocabulary.word(static_cast<int32_t>(id));
    const TokenizedText tokens = tokenize(word, tokenizer);
    const bool one_token = tokens.sentences.size() == 1 && tokens.sentences[0].words.size() == 1;
    if (!one_token || tokens.sentences[0].words[0].text != word) out.push_back(word);
  }
  return out;
}

Convention read_convention(const json& config) {
  const json* value = config.contains("convention") ? &config["convention"] : nullptr;
  if (value && *value == "pytorch") return Convention::PyTorch;
  if (value && *value == "keras") return Convention::Keras;
  throw Error("convention: expected \"pytorch\" or \"keras\", found " +
              (value ? value->dump() : std::string("nothing")));
}

// Checked for count and type here; for empty and repeated names by the model file's loader.
std::vector<std::string> read_labels(const json& config) {
  if (!config.contains("labels") || !config["labels"].is_array() || config["labels"].empty() ||
      config["labels"].size() > static_cast<size_t>(kMaxLabels)) {
    throw Error("labels: expected an array of 1 to " + std::to_string(kMaxLabels) + " strings");
  }
  std::vector<std::string> labels;
  for (const json& label : config["labels"]) {
    if (!label.is_string()) throw Error("labels: every label must be a string");
    labels.push_back(label.get<std::string>());
  }
  return labels;
}

// The model file's CONF keys, validated by its own parser, and what PyTorch's cells imply.
HanConfig read_architecture(const json& config, Convention convention, size_t vocabulary_size,
                            size_t labels) {
  json conf = {{"architecture", "han"}, {"vocab_size", vocabulary_size}};
  for (const char* key : {"embedding_dim", "word_encoder", "word_attention", "sentence_encoder",
                          "sentence_attention"}) {
    if (config.contains(key)) conf[key] = config[key];
  }
  conf["output"] = config.value("output", json{{"activation", "softmax"}});
  const HanConfig architecture = han_config_from_json(conf, static_cast<int>(labels));
  if (convention == Convention::PyTorch) {
    for (const auto* e : {&architecture.word_encoder, &architecture.sentence_encoder}) {
      const std::string which = e == &architecture.word_encoder ? "word" : "sentence";
      if (e->cell == CellType::Gru && !e->reset_after) {
        throw Error(which + "_encoder.reset_after: PyTorch's nn.GRU is reset_after: true");
      }
      if (e->recurrent_activation != Activation::Sigmoid) {
        throw Error(which + "_encoder.recurrent_activation: PyTorch's cells use sigmoid");
      }
    }
  }
  return architecture;
}

std::vector<std::string> golden_texts(const json& config, const Vocabulary& vocabulary) {
  if (!config.contains("golden_texts")) return default_golden_texts(vocabulary.words());
  if (!config["golden_texts"].is_array()) throw Error("golden_texts: expected an array");
  std::vector<std::string> texts;
  for (const json& t : config["golden_texts"]) {
    if (!t.is_string()) throw Error("golden_texts: every entry must be a string");
    texts.push_back(t.get<std::string>());
  }
  return texts;
}

const std::set<std::string> kConfigKeys = {
    "convention",         "embedding_dim", "word_encoder", "word_attention", "sentence_encoder",
    "sentence_attention", "output",        "labels",       "vocabulary",     "vocabulary_file",
    "tokenizer",          "metadata",      "names",        "prefix",         "golden_texts"};

}  // namespace

ConvertResult convert_model(const json& config, const SafetensorsFile& weights,
                            const std::string& base_dir, const ConvertOptions& options) {
  if (!config.is_object()) throw Error("configuration: expected a JSON object");
  for (const auto& [key, value] : config.items()) {
    if (!kConfigKeys.count(key)) throw Error("configuration: unknown key \"" + key + "\"");
  }
  const Convention convention = read_convention(config);
  std::vector<std::string> words = read_vocabulary(config, base_dir);
  Model model;
  model.labels = read_labels(config);
  const HanConfig architecture =
      read_architecture(config, convention, words.size(), model.labels.size());
  if (config.contains("tokenizer")) {
    model.tokenizer = tokenizer_config_from_json(config["tokenizer"]);
  }
  json metadata = config.value("metadata", json::object());
  if (!metadata.is_object()) throw Error("metadata: expected a JSON object");
  if (!metadata.contains("converted_from")) metadata["converted_from"] = config["convention"];
  model.metadata_json = metadata.dump();

  // Every weight comes from the file in at least two bytes (F16, BF16): refuse an architecture
  // the file cannot hold before allocating it.
  const uint64_t parameters = han_parameter_count(architecture);
  if (parameters > weights.data_bytes() / 2) {
    throw Error("the architecture has " + std::to_string(parameters) +
                " weights, more than the safetensors file's " +
                std::to_string(weights.data_bytes()) + " bytes of tensor data can hold");
  }
  model.params = make_han<float>(architecture);
  const NameMap names(config, convention == Convention::PyTorch ? '.' : '/');
  TensorReader reader(weights, names);
  read_tensors(reader, convention, model.params);
  ConvertResult result;
  result.ignored = reader.finish(options.ignore_extra);
  result.tensors_read = weights.tensors().size() - result.ignored.size();

  model.vocabulary = Vocabulary(std::move(words));
  result.unreachable_words = unreachable_words(model.vocabulary, model.tokenizer);
  model.set_golden_texts(golden_texts(config, model.vocabulary));
  // Through the model file and back: the loader's checks (vocabulary, labels, finite weights,
  // golden cases) hold for what is returned.
  const std::vector<uint8_t> bytes = write_model(model);
  result.model = read_model(bytes.data(), bytes.size());
  return result;
}

namespace {

std::string mismatch(const std::string& where, double got, double expected, double tolerance) {
  char numbers[128];
  std::snprintf(numbers, sizeof numbers, " is %.7g, the reference %.7g (tolerance %.3g)", got,
                expected, tolerance);
  return where + numbers;
}

}  // namespace

ParityReport check_parity(const Model& model, const json& reference) {
  if (!reference.is_object() || !reference.contains("cases") || !reference["cases"].is_array()) {
    throw Error("reference: expected {\"cases\": [...]}");
  }
  const json tolerance_value = reference.value("tolerance", json(1e-5));
  if (!tolerance_value.is_number() || !(tolerance_value.get<double>() > 0)) {
    throw Error("reference: tolerance must be a positive number");
  }
  const double tolerance = tolerance_value.get<double>();
  ParityReport report;
  auto compare = [&](const std::string& where, double got, const json& expected) {
    if (!expected.is_number()) throw Error("reference: " + where + " is not a number");
    const double diff = std::abs(got - expected.get<double>());
    report.max_abs_diff = std::max(report.max_abs_diff, diff);
    if (!(diff <= tolerance) && report.failure.empty()) {
      report.failure = mismatch(where, got, expected.get<double>(), tolerance);
    }
  };
  auto list_size_error = [](const std::string& where, size_t got, size_t expected) {
    return where + ": the model gives " + std::to_string(got) + ", the reference " +
           std::to_string(expected);
  };
  for (const json& c : reference["cases"]) {
    const std::string where = "case " + std::to_string(++report.cases);
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string() ||
        !c.contains("probabilities") || !c["probabilities"].is_array()) {
      throw Error("reference " + where + ": expected {\"text\", \"probabilities\", ...}");
    }
    const Prediction p = model.predict(c["text"].get<std::string>());
    if (c["probabilities"].size() != p.probabilities.size()) {
      report.failure = list_size_error(where + " probabilities", p.probabilities.size(),
                                       c["probabilities"].size());
      return report;
    }
    for (size_t k = 0; k < p.probabilities.size(); ++k) {
      compare(where + ": probability of '" + model.labels[k] + "'", p.probabilities[k],
              c["probabilities"][k]);
    }
    for (const char* key : {"ids", "sentence_weights", "word_weights"}) {
      if (c.contains(key) && (!c[key].is_array() || c[key].size() != p.sentences.size())) {
        report.failure = list_size_error(where + " " + key + " (do the tokenizers agree?)",
                                         p.sentences.size(), c[key].size());
        return report;
      }
    }
    for (size_t s = 0; s < p.sentences.size(); ++s) {
      const std::string sentence = where + ", sentence " + std::to_string(s + 1);
      const SentenceAttention& got = p.sentences[s];
      if (c.contains("ids")) {
        std::vector<int32_t> ids;
        for (const WordAttention& w : got.words) ids.push_back(w.id);
        if (c["ids"][s] != json(ids) && report.failure.empty()) {
          report.failure =
              sentence + ": word ids " + json(ids).dump() + ", the reference " + c["ids"][s].dump();
        }
      }
      if (c.contains("sentence_weights")) {
        compare(sentence + " weight", got.weight, c["sentence_weights"][s]);
      }
      if (c.contains("word_weights")) {
        const json& words = c["word_weights"][s];
        if (!words.is_array() || words.size() != got.words.size()) {
          report.failure = list_size_error(sentence + " words", got.words.size(), words.size());
          return report;
        }
        for (size_t w = 0; w < words.size(); ++w) {
          compare(sentence + ", word " + std::to_string(w + 1) + " weight", got.words[w].weight,
                  words[w]);
        }
      }
    }
  }
  return report;
}

}  // namespace han
