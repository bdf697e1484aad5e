// han._core: the pybind11 layer over the core for the Python package (python/han/), which is its
// only caller. Predictions come out as the CLI's JSON structure, with offsets in code points
// (Python string indices). han::Error becomes han.ModelError; bad arguments are ValueError.
// Work on the core runs without the GIL, so threads (Dask's, the caller's) predict in parallel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/parallel.h"
#include "explain/faithfulness.h"
#include "explain/gradient_attribution.h"
#include "import/convert.h"
#include "import/safetensors.h"
#include "io/model_file.h"
#include "model/config.h"
#include "model/model.h"

namespace py = pybind11;

namespace {

// Python str -> UTF-8. A lone surrogate (which a str may hold, UTF-8 may not) becomes U+FFFD, one
// code point like the surrogate, so code point offsets still index the caller's string (the
// JavaScript package's TextEncoder does the same).
std::string utf8_from_str(const py::handle& text) {
  if (!PyUnicode_Check(text.ptr())) throw py::type_error("text must be a str");
  Py_ssize_t size = 0;
  if (const char* utf8 = PyUnicode_AsUTF8AndSize(text.ptr(), &size)) {
    return std::string(utf8, static_cast<size_t>(size));
  }
  PyErr_Clear();
  std::string out;
  const Py_ssize_t length = PyUnicode_GET_LENGTH(text.ptr());
  const int kind = PyUnicode_KIND(text.ptr());
  const void* data = PyUnicode_DATA(text.ptr());
  for (Py_ssize_t i = 0; i < length; ++i) {
    uint32_t c = PyUnicode_READ(kind, data, i);
    if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Byte offsets into valid UTF-8 -> code point offsets. Identity for ASCII, the common case.
class CodePoints {
 public:
  explicit CodePoints(const std::string& utf8) {
    bool ascii = true;
    for (unsigned char c : utf8) ascii = ascii && c < 0x80;
    if (ascii) return;
    index_.resize(utf8.size() + 1);
    uint32_t count = 0;
    for (size_t i = 0; i < utf8.size(); ++i) {
      index_[i] = count;  // offsets fall on the first byte of a code point
      if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) ++count;
    }
    index_[utf8.size()] = count;
  }
  size_t operator()(size_t byte) const { return index_.empty() ? byte : index_[byte]; }

 private:
  std::vector<uint32_t> index_;
};

py::dict span_dict(const std::string& text, const han::TextSpan& span, float weight,
                   const CodePoints& points) {
  py::dict d;
  d["text"] = py::str(text);
  d["start"] = points(span.byte_start);
  d["end"] = points(span.byte_end);
  d["weight"] = static_cast<double>(weight);
  return d;
}

py::dict prediction_dict(const han::Model& model, const han::Prediction& p,
                         const std::string& utf8) {
  const CodePoints points(utf8);
  py::dict probabilities;
  for (size_t k = 0; k < model.labels.size(); ++k) {
    probabilities[py::str(model.labels[k])] = static_cast<double>(p.probabilities[k]);
  }
  py::list sentences;
  for (const han::SentenceAttention& s : p.sentences) {
    py::list words;
    for (const han::WordAttention& w : s.words) {
      py::dict word = span_dict(w.text, w.span, w.weight, points);
      word["id"] = w.id;
      words.append(std::move(word));
    }
    py::dict sentence = span_dict(s.text, s.span, s.weight, points);
    sentence["words"] = std::move(words);
    sentences.append(std::move(sentence));
  }
  py::dict d;
  d["label"] = py::str(model.labels[p.label]);
  d["probabilities"] = std::move(probabilities);
  d["truncated"] = p.truncated;
  d["sentences"] = std::move(sentences);
  return d;
}

py::object json_to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

size_t thread_count(const py::object& threads) {
  if (threads.is_none()) return han::default_thread_count();
  const long n = threads.cast<long>();
  if (n < 1) throw py::value_error("threads must be a positive integer, got " + std::to_string(n));
  return static_cast<size_t>(n);
}

class PyModel {
 public:
  PyModel(han::Model model, const han::InputLimits& limits)
      : model_(std::move(model)), limits_(limits) {
    model_.cache_input_projections();
    han::visit_han_params(model_.params, [this](const std::string&, han::Matrix<float>& m, bool) {
      parameters_ += static_cast<uint64_t>(m.size());
    });
  }

  py::dict predict(const py::handle& text) const {
    const std::string utf8 = utf8_from_str(text);
    han::Prediction p;
    {
      py::gil_scoped_release release;
      p = model_.predict(utf8, limits_);
    }
    return prediction_dict(model_, p, utf8);
  }

  py::list predict_batch(const py::iterable& texts, const py::object& threads) const {
    std::vector<std::string> utf8;
    for (const py::handle& text : texts) utf8.push_back(utf8_from_str(text));
    std::vector<han::Prediction> predictions(utf8.size());
    {
      py::gil_scoped_release release;
      han::parallel_for(utf8.size(), thread_count(threads),
                        [&](size_t i) { predictions[i] = model_.predict(utf8[i], limits_); });
    }
    py::list out;
    for (size_t i = 0; i < utf8.size(); ++i) {
      out.append(prediction_dict(model_, predictions[i], utf8[i]));
    }
    return out;
  }

  // A prediction whose weights are `method`'s attributions (src/explain/attribution.h), as
  // `han explain` prints it; with top_words > 0 also what erasing its top words does.
  py::dict explain(const py::handle& text, const std::string& method, long steps,
                   long top_words) const {
    han::explain::Options options;
    try {
      options.method = han::explain::parse_method(method);
    } catch (const han::Error& e) {
      throw py::value_error(std::string("explain: ") + e.what());
    }
    using Options = han::explain::Options;
    if (steps < Options::kMinSteps || steps > Options::kMaxSteps) {
      throw py::value_error("explain: steps must be from " + std::to_string(Options::kMinSteps) +
                            " to " + std::to_string(Options::kMaxSteps) + ", got " +
                            std::to_string(steps));
    }
    if (top_words < 0) {
      throw py::value_error("explain: top_words must be 0 or more, got " +
                            std::to_string(top_words));
    }
    options.steps = static_cast<int>(steps);
    const std::string utf8 = utf8_from_str(text);
    han::explain::Explanation e;
    han::explain::Erasure erased;
    {
      py::gil_scoped_release release;
      e = han::explain::explain(model_, utf8, options, limits_,
                                han::explain::attribute_with_gradients);
      if (top_words > 0) {
        erased = han::explain::erase_top_words(model_, e, {static_cast<size_t>(top_words)});
      }
    }
    py::dict d = prediction_dict(model_, e.prediction, utf8);
    d["method"] = han::explain::method_name(e.method);
    if (e.method == han::explain::Method::IntegratedGradients) {
      py::dict ig;
      ig["steps"] = e.steps;
      ig["baseline_probability"] = e.baseline_probability;
      ig["completeness_error"] = e.completeness_error;
      d["integrated_gradients"] = std::move(ig);
    }
    if (top_words > 0) {
      py::dict removal;
      removal["words"] = erased.counts[0];
      removal["change"] = erased.comprehensiveness[0];
      removal["label"] = py::str(model_.labels[erased.labels_without[0]]);
      d["comprehensiveness"] = std::move(removal);
    }
    return d;
  }

  // Probabilities only: one row per text, without building the attention structure.
  py::array_t<float> probabilities(const py::iterable& texts, const py::object& threads) const {
    std::vector<std::string> utf8;
    for (const py::handle& text : texts) utf8.push_back(utf8_from_str(text));
    const size_t labels = model_.labels.size();
    py::array_t<float> out({utf8.size(), labels});
    float* rows = out.mutable_data();
    {
      py::gil_scoped_release release;
      han::parallel_for(utf8.size(), thread_count(threads), [&](size_t i) {
        const han::Prediction p = model_.predict(utf8[i], limits_);
        std::memcpy(rows + i * labels, p.probabilities.data(), labels * sizeof(float));
      });
    }
    return out;
  }

  // The network on word ids, without the tokenizer: NumPy arrays of the probabilities, the
  // sentence weights and each sentence's word weights.
  py::dict predict_ids(const py::iterable& sentences) const {
    han::Document doc;
    const int32_t vocabulary = static_cast<int32_t>(model_.vocabulary.size());
    for (const py::handle& sentence : sentences) {
      const auto ids =
          py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(sentence);
      if (!ids || ids.ndim() != 1) {
        throw py::value_error("predict_ids: each sentence must be a 1-D sequence of word ids");
      }
      std::vector<int32_t>& words = doc.emplace_back();
      for (py::ssize_t w = 0; w < ids.shape(0); ++w) {
        const int64_t id = ids.at(w);
        if (id < 0 || id >= vocabulary) {
          throw py::value_error("predict_ids: word id " + std::to_string(id) +
                                " is outside the vocabulary [0, " + std::to_string(vocabulary) +
                                ")");
        }
        words.push_back(static_cast<int32_t>(id));
      }
    }
    han::HanOutput<float> out;
    {
      py::gil_scoped_release release;
      out = model_.predict_ids(doc);
    }
    auto array = [](const auto& vector) {
      return py::array_t<float>(static_cast<py::ssize_t>(vector.size()), vector.data());
    };
    py::list words;
    for (const auto& weights : out.word_weights) words.append(array(weights));
    py::dict d;
    d["probabilities"] = array(out.probabilities);
    d["sentence_weights"] = array(out.sentence_weights);
    d["word_weights"] = std::move(words);
    return d;
  }

  py::dict info() const {
    py::dict d;
    d["labels"] = model_.labels;
    d["vocabulary_size"] = model_.vocabulary.size();
    d["parameters"] = parameters_;
    d["config"] = json_to_python(han::to_json(model_.config()));
    d["tokenizer"] = json_to_python(han::to_json(model_.tokenizer));
    d["metadata"] = json_to_python(nlohmann::json::parse(model_.metadata_json));
    d["compute"] = han::compute_name(model_.compute());
    py::dict limits;
    limits["max_text_bytes"] = limits_.max_text_bytes;
    limits["max_sentences"] = limits_.max_sentences;
    limits["max_words"] = limits_.max_words;
    limits["max_words_per_sentence"] = limits_.max_words_per_sentence;
    d["input_limits"] = std::move(limits);
    return d;
  }

  py::bytes to_bytes() const {
    const std::vector<uint8_t> bytes = han::write_model(model_);
    return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  void save(const std::string& path) const { han::write_model_file(model_, path); }

 private:
  han::Model model_;
  han::InputLimits limits_;
  uint64_t parameters_ = 0;
};

// The limits as keyword values from Python (han/__init__.py has already checked their names and
// types); the model limits may only be lowered from their defaults.
struct Limits {
  han::ModelLimits model;
  han::InputLimits input;
};

Limits limits_from(const py::dict& values) {
  Limits limits;
  auto take = [&](const char* name, auto& field, uint64_t most) {
    if (!values.contains(name)) return;
    const long long value = values[name].cast<long long>();
    if (value < 0 || static_cast<uint64_t>(value) > most) {
      throw py::value_error(std::string("limits: ") + name + " must be between 0 and " +
                            std::to_string(most) + ", got " + std::to_string(value));
    }
    field = static_cast<std::decay_t<decltype(field)>>(value);
  };
  const han::ModelLimits defaults;
  take("max_file_bytes", limits.model.max_file_bytes, defaults.max_file_bytes);
  take("max_parameters", limits.model.max_parameters, defaults.max_parameters);
  take("max_vocabulary", limits.model.max_vocabulary, defaults.max_vocabulary);
  take("max_dimension", limits.model.max_dimension, defaults.max_dimension);
  take("max_labels", limits.model.max_labels, defaults.max_labels);
  const uint64_t any = uint64_t{1} << 62;
  take("max_text_bytes", limits.input.max_text_bytes, any);
  take("max_sentences", limits.input.max_sentences, any);
  take("max_words", limits.input.max_words, any);
  take("max_words_per_sentence", limits.input.max_words_per_sentence, any);
  return limits;
}

py::dict default_limits() {
  const han::ModelLimits model;
  const han::InputLimits input;
  py::dict d;
  d["max_file_bytes"] = model.max_file_bytes;
  d["max_parameters"] = model.max_parameters;
  d["max_vocabulary"] = model.max_vocabulary;
  d["max_dimension"] = model.max_dimension;
  d["max_labels"] = model.max_labels;
  d["max_text_bytes"] = input.max_text_bytes;
  d["max_sentences"] = input.max_sentences;
  d["max_words"] = input.max_words;
  d["max_words_per_sentence"] = input.max_words_per_sentence;
  return d;
}

std::vector<uint8_t> bytes_of(const py::buffer& data) {
  const py::buffer_info info = data.request();
  const auto* begin = static_cast<const uint8_t*>(info.ptr);
  return std::vector<uint8_t>(begin, begin + info.size * info.itemsize);
}

PyModel load_bytes(const py::buffer& data, const py::dict& limit_values, bool verify) {
  const Limits limits = limits_from(limit_values);
  const std::vector<uint8_t> bytes = bytes_of(data);
  py::gil_scoped_release release;
  return PyModel(han::read_model(bytes.data(), bytes.size(), {verify, limits.model}), limits.input);
}

PyModel load_file(const std::string& path, const py::dict& limit_values, bool verify) {
  const Limits limits = limits_from(limit_values);
  py::gil_scoped_release release;
  return PyModel(han::read_model_file(path, {verify, limits.model}), limits.input);
}

// config: the converter's JSON as text; weights: the safetensors bytes; reference: the JSON of
// `han convert --check` as text, or empty. Returns the model and the converter's warnings.
py::tuple convert(const py::buffer& weights, const std::string& config, const std::string& base_dir,
                  bool ignore_extra, const std::string& reference, const py::dict& limit_values) {
  const Limits limits = limits_from(limit_values);
  nlohmann::json config_json, reference_json;
  try {
    config_json = nlohmann::json::parse(config);
    if (!reference.empty()) reference_json = nlohmann::json::parse(reference);
  } catch (const nlohmann::json::exception& e) {
    throw py::value_error(std::string("convert: invalid JSON (") + e.what() + ")");
  }
  han::SafetensorsFile file(bytes_of(weights));
  han::ConvertResult result = han::convert_model(config_json, file, base_dir, {ignore_extra});
  if (!reference.empty()) {
    const han::ParityReport parity = han::check_parity(result.model, reference_json);
    if (!parity.failure.empty()) throw han::Error("check: " + parity.failure);
  }
  return py::make_tuple(PyModel(std::move(result.model), limits.input), result.ignored,
                        result.unreachable_words);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "The C++ core of han (use the han package, not this module).";
  py::register_exception<han::Error>(m, "ModelError", PyExc_Exception);

  py::class_<PyModel>(m, "Model")
      .def("predict", &PyModel::predict, py::arg("text"))
      .def("predict_batch", &PyModel::predict_batch, py::arg("texts"),
           py::arg("threads") = py::none())
      .def("probabilities", &PyModel::probabilities, py::arg("texts"),
           py::arg("threads") = py::none())
      .def("predict_ids", &PyModel::predict_ids, py::arg("sentences"))
      .def("explain", &PyModel::explain, py::arg("text"), py::kw_only(),
           py::arg("method") = "attention", py::arg("steps") = 20, py::arg("top_words") = 0)
      .def_property_readonly("info", &PyModel::info)
      .def("to_bytes", &PyModel::to_bytes)
      .def("save", &PyModel::save, py::arg("path"));

  m.def("load_bytes", &load_bytes);
  m.def("load_file", &load_file);
  m.def("convert", &convert);
  m.def("default_limits", &default_limits);
}
