// The Embind layer of the han-wasm package: a thin wrapper over the core for web/src/index.js,
// which is the only caller (users never see these names).
//
// Errors: every call returns {value} or {error: message} and index.js throws the message as a
// JavaScript Error. Catching here rather than throwing into JavaScript lets C++ unwind normally,
// so an error frees everything it allocated and the module stays usable.
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "core/error.h"
#include "io/model_file.h"
#include "model/config.h"
#include "model/model.h"

namespace {

using emscripten::val;

template <typename Compute>
val outcome(Compute&& compute) {
  val result = val::object();
  try {
    result.set("value", compute());
  } catch (const std::bad_alloc&) {
    result.set("error", std::string("out of memory (the WebAssembly heap is limited to 1 GiB)"));
  } catch (const std::exception& e) {
    result.set("error", std::string(e.what()));
  }
  return result;
}

val span_object(const std::string& text, const han::TextSpan& span, float weight) {
  val object = val::object();
  object.set("text", text);
  object.set("start", span.utf16_start);
  object.set("end", span.utf16_end);
  object.set("weight", weight);
  return object;
}

// The prediction with the label as an index and offsets in UTF-16 code units.
val prediction_object(const han::Prediction& prediction) {
  val probabilities = val::array();
  for (size_t k = 0; k < prediction.probabilities.size(); ++k) {
    probabilities.set(k, prediction.probabilities[k]);
  }
  val sentences = val::array();
  for (size_t s = 0; s < prediction.sentences.size(); ++s) {
    const han::SentenceAttention& sentence = prediction.sentences[s];
    val words = val::array();
    for (size_t w = 0; w < sentence.words.size(); ++w) {
      const han::WordAttention& word = sentence.words[w];
      val word_object = span_object(word.text, word.span, word.weight);
      word_object.set("id", word.id);
      words.set(w, word_object);
    }
    val sentence_object = span_object(sentence.text, sentence.span, sentence.weight);
    sentence_object.set("words", words);
    sentences.set(s, sentence_object);
  }
  val object = val::object();
  object.set("label", prediction.label);
  object.set("probabilities", probabilities);
  object.set("truncated", prediction.truncated);
  object.set("sentences", sentences);
  return object;
}

// Encodes into memory allocated here, so that a text too large for the heap is a std::bad_alloc,
// not a failed malloc inside Embind. TextEncoder turns each lone surrogate into U+FFFD, one UTF-16
// code unit like the surrogate, so offsets still index the caller's string.
std::string utf8_from_js(const val& text) {
  static const val encoder = val::global("TextEncoder").new_();
  std::string utf8(text["length"].as<size_t>() * 3, '\0');  // at most 3 bytes per UTF-16 unit
  const val view(
      emscripten::typed_memory_view(utf8.size(), reinterpret_cast<uint8_t*>(utf8.data())));
  utf8.resize(encoder.call<val>("encodeInto", text, view)["written"].as<size_t>());
  return utf8;
}

std::vector<int32_t> int32_from_js(const val& array) {
  std::vector<int32_t> values(array["length"].as<size_t>());
  val(emscripten::typed_memory_view(values.size(), values.data())).call<void>("set", array);
  return values;
}

// A Float32Array copy of the values (a view would dangle once the heap grows).
val float32_to_js(const float* values, size_t size) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(size, values));
}

class LoadedModel {
 public:
  explicit LoadedModel(han::Model model) : model_(std::move(model)) {
    model_.cache_input_projections();
    han::visit_han_params(model_.params, [this](const std::string&, han::Matrix<float>& m, bool) {
      parameters_ += static_cast<double>(m.size());
    });
  }

  // text: a JavaScript string.
  val predict(const val& text) const {
    return outcome([&] { return prediction_object(model_.predict(utf8_from_js(text))); });
  }

  // ids: an Int32Array of the word ids of every sentence, one sentence after another;
  // lengths: an Int32Array of the number of words of each sentence.
  val predict_ids(const val& ids, const val& lengths) const {
    return outcome([&] {
      const std::vector<int32_t> flat = int32_from_js(ids), counts = int32_from_js(lengths);
      han::Document doc(counts.size());
      size_t next = 0;
      for (size_t s = 0; s < counts.size(); ++s) {
        if (counts[s] < 0 || static_cast<size_t>(counts[s]) > flat.size() - next) {
          throw han::Error("predictIds: the sentence lengths do not add up to the number of ids");
        }
        doc[s].assign(flat.begin() + next, flat.begin() + next + counts[s]);
        next += counts[s];
      }
      if (next != flat.size()) {
        throw han::Error("predictIds: the sentence lengths do not add up to the number of ids");
      }
      const han::HanOutput<float> out = model_.predict_ids(doc);
      std::vector<float> words;
      for (const auto& sentence : out.word_weights) {
        words.insert(words.end(), sentence.data(), sentence.data() + sentence.size());
      }
      val object = val::object();
      object.set("probabilities",
                 float32_to_js(out.probabilities.data(), out.probabilities.size()));
      object.set("sentenceWeights",
                 float32_to_js(out.sentence_weights.data(), out.sentence_weights.size()));
      object.set("wordWeights", float32_to_js(words.data(), words.size()));
      return object;
    });
  }

  // The words whose input projections the predictions have cached so far
  // (Model::cache_input_projections), 0 for networks without the cache: the tests see with it
  // that the model kept its cache through Embind.
  int32_t cached_words() const {
    const han::InputProjectionCache* cache = model_.projection_cache.value.get();
    return cache ? cache->filled_rows() : 0;
  }

  val info() const {
    return outcome([&] {
      val labels = val::array();
      for (size_t k = 0; k < model_.labels.size(); ++k) labels.set(k, model_.labels[k]);
      val object = val::object();
      object.set("config", han::to_json(model_.config()).dump());
      object.set("tokenizer", han::to_json(model_.tokenizer).dump());
      object.set("labels", labels);
      object.set("vocabularySize", model_.vocabulary.size());
      object.set("parameters", parameters_);
      object.set("metadata", model_.metadata_json);
      return object;
    });
  }

 private:
  han::Model model_;
  double parameters_ = 0;  // a JavaScript number
};

// bytes: the model file as a Uint8Array. Allocating the copy in C++ turns a model too large for
// the heap into a catchable std::bad_alloc.
val load_model(const val& bytes, bool verify_golden) {
  return outcome([&] {
    std::vector<uint8_t> data(bytes["length"].as<size_t>());
    val(emscripten::typed_memory_view(data.size(), data.data())).call<void>("set", bytes);
    han::LoadOptions options;
    options.verify_golden = verify_golden;
    return val(LoadedModel(han::read_model(data.data(), data.size(), options)));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(han) {
  emscripten::class_<LoadedModel>("LoadedModel")
      .function("predict", &LoadedModel::predict)
      .function("predictIds", &LoadedModel::predict_ids)
      .function("info", &LoadedModel::info)
      .function("cachedWords", &LoadedModel::cached_words);
  emscripten::function("loadModel", &load_model);
}
