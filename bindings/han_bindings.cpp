// The Embind layer of the han-wasm package: a thin wrapper over the core for web/src/index.js,
// which is the only caller (users never see these names).
//
// Errors: every call returns {value} or {error: message} (outcome.h) and core.js throws the
// message as a JavaScript Error.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "outcome.h"

#include "core/error.h"
#include "explain/attribution.h"
#include "explain/faithfulness.h"
#ifdef HAN_WASM_GRADIENTS
#include "explain/gradient_attribution.h"
#endif
#include "io/model_file.h"
#include "model/config.h"
#include "model/model.h"

namespace {

using emscripten::val;
using han::bindings::copy_from_js;
using han::bindings::outcome;

// What runs once per model load is optimised for size, like the loader (bindings/CMakeLists.txt);
// predict, which runs on every call, is not.
#define HAN_ONCE_PER_LOAD __attribute__((minsize))

// Encodes into memory allocated here, so that a text too large for the heap is a std::bad_alloc,
// not a failed malloc inside Embind. TextEncoder turns each lone surrogate into U+FFFD, one UTF-16
// code unit like the surrogate, so offsets still index the caller's string. It encodes whole code
// points only, so past max_bytes (0: no limit) it stops at most 4 bytes later: enough for predict
// to see that the text is longer than it reads, and never more than the limit's worth of memory.
std::string utf8_from_js(const val& text, size_t max_bytes) {
  static const val encoder = val::global("TextEncoder").new_();
  size_t capacity = text["length"].as<size_t>() * 3;  // at most 3 bytes per UTF-16 unit
  if (max_bytes > 0) capacity = std::min(capacity, max_bytes + 4);
  std::string utf8(capacity, '\0');
  const val view(
      emscripten::typed_memory_view(utf8.size(), reinterpret_cast<uint8_t*>(utf8.data())));
#ifdef __EMSCRIPTEN_PTHREADS__
  // Browsers' encodeInto refuses a view of shared memory: encode into a JavaScript array first.
  const val scratch = val::global("Uint8Array").new_(capacity);
  const size_t written = encoder.call<val>("encodeInto", text, scratch)["written"].as<size_t>();
  view.call<void>("set", scratch.call<val>("subarray", 0, written));
  utf8.resize(written);
#else
  utf8.resize(encoder.call<val>("encodeInto", text, view)["written"].as<size_t>());
#endif
  return utf8;
}

// Calls visit(field) for each limit, in the order of LIMIT_NAMES in web/src/core.js. The limits
// travel as a Uint32Array, which keeps the glue small: every limit's range fits in 32 bits.
template <typename Visit>
void visit_limits(han::ModelLimits& model, han::InputLimits& input, Visit&& visit) {
  visit(model.max_file_bytes);
  visit(model.max_parameters);
  visit(model.max_vocabulary);
  visit(model.max_dimension);
  visit(model.max_labels);
  visit(input.max_text_bytes);
  visit(input.max_sentences);
  visit(input.max_words);
  visit(input.max_words_per_sentence);
}
constexpr size_t kLimitCount = 9;

// The defaults; for the model limits, also the largest values allowed (web/src/core.js checks).
HAN_ONCE_PER_LOAD val default_limits() {
  han::ModelLimits model;
  han::InputLimits input;
  uint32_t values[kLimitCount];
  size_t i = 0;
  visit_limits(model, input, [&](auto value) { values[i++] = static_cast<uint32_t>(value); });
  return val(emscripten::typed_memory_view(kLimitCount, values)).call<val>("slice");
}

// A Float32Array or Int32Array copy of the values (a view would dangle once the heap grows).
val float32_to_js(const float* values, size_t size) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(size, values));
}

val int32_to_js(const std::vector<int32_t>& values) {
  return val::global("Int32Array")
      .new_(emscripten::typed_memory_view(values.size(), values.data()));
}

// The prediction as typed arrays, which web/src/core.js turns into objects: offsets in UTF-16
// code units (core.js slices each word's text out of the caller's string), weights, ids, and the
// number of words of each sentence. Typed arrays cross into JavaScript as one copy each, where
// an object per word would cost a call into JavaScript per property (and a string decoded from
// the heap per word, slow from the threads build's shared memory).
val prediction_arrays(const han::Prediction& prediction) {
  std::vector<int32_t> sentence_spans, word_counts, word_spans, word_ids;
  std::vector<float> sentence_weights, word_weights;
  for (const han::SentenceAttention& sentence : prediction.sentences) {
    sentence_spans.push_back(static_cast<int32_t>(sentence.span.utf16_start));
    sentence_spans.push_back(static_cast<int32_t>(sentence.span.utf16_end));
    sentence_weights.push_back(sentence.weight);
    word_counts.push_back(static_cast<int32_t>(sentence.words.size()));
    for (const han::WordAttention& word : sentence.words) {
      word_spans.push_back(static_cast<int32_t>(word.span.utf16_start));
      word_spans.push_back(static_cast<int32_t>(word.span.utf16_end));
      word_weights.push_back(word.weight);
      word_ids.push_back(word.id);
    }
  }
  val object = val::object();
  object.set("label", prediction.label);
  object.set("probabilities",
             float32_to_js(prediction.probabilities.data(), prediction.probabilities.size()));
  object.set("truncated", prediction.truncated);
  object.set("sentencesReused", prediction.sentences_reused);
  object.set("sentenceSpans", int32_to_js(sentence_spans));
  object.set("sentenceWeights", float32_to_js(sentence_weights.data(), sentence_weights.size()));
  object.set("wordCounts", int32_to_js(word_counts));
  object.set("wordSpans", int32_to_js(word_spans));
  object.set("wordWeights", float32_to_js(word_weights.data(), word_weights.size()));
  object.set("wordIds", int32_to_js(word_ids));
  return object;
}

// The trainer variant computes every attribution; the inference ones leave out the backward pass
// (and say so when a method needs it).
#ifdef HAN_WASM_GRADIENTS
constexpr auto kAttribute = han::explain::attribute_with_gradients;
#else
constexpr auto kAttribute = han::explain::attribute;
#endif

class LoadedModel {
 public:
  HAN_ONCE_PER_LOAD LoadedModel(han::Model model, const han::InputLimits& limits,
                                bool cache_projections, size_t sentence_cache_bytes, size_t threads)
      : model_(std::move(model)), limits_(limits) {
    if (cache_projections) model_.cache_input_projections();
    model_.cache_sentences(sentence_cache_bytes);
#ifdef __EMSCRIPTEN_PTHREADS__
    if (threads > 1) model_.set_threads(threads);
#else
    (void)threads;  // always 1: the single-thread builds link no thread-starting code
#endif
    han::visit_han_params(model_.params, [this](const std::string&, han::Matrix<float>& m, bool) {
      parameters_ += static_cast<double>(m.size());
    });
  }

  bool threads_stalled() const {
    return model_.threads_stalled();
  }

  // text: a JavaScript string.
  val predict(const val& text) const {
    return outcome([&] {
      return prediction_arrays(model_.predict(utf8_from_js(text, limits_.max_text_bytes), limits_));
    });
  }

  // texts: an array of JavaScript strings; one batch (Model::predict_batch), one array of
  // predictions, or one error for all.
  val predict_batch(const val& texts) const {
    return outcome([&] {
      const size_t count = texts["length"].as<size_t>();
      std::vector<std::string> utf8;
      utf8.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        utf8.push_back(utf8_from_js(texts[i], limits_.max_text_bytes));
      }
      const std::vector<han::Prediction> predictions =
          model_.predict_batch(std::vector<std::string_view>(utf8.begin(), utf8.end()), limits_);
      val array = val::array();
      for (size_t i = 0; i < predictions.size(); ++i)
        array.set(i, prediction_arrays(predictions[i]));
      return array;
    });
  }

  // ids: an Int32Array of the word ids of every sentence, one sentence after another;
  // lengths: an Int32Array of the number of words of each sentence.
  val predict_ids(const val& ids, const val& lengths) const {
    return outcome([&] {
      const std::vector<int32_t> flat = copy_from_js<int32_t>(ids),
                                 counts = copy_from_js<int32_t>(lengths);
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
      object.set("sentencesReused", out.sentences_reused);
      return object;
    });
  }

  // text: a JavaScript string; method: a name of explain::parse_method; steps: integrated
  // gradients' steps; top_words: k of the comprehensiveness reported (0: none).
  val explain(const val& text, const std::string& method, int steps, int top_words) const {
    return outcome([&] {
      const han::explain::Explanation e =
          han::explain::explain(model_, utf8_from_js(text, limits_.max_text_bytes),
                                {han::explain::parse_method(method), steps}, limits_, kAttribute);
      val object = prediction_arrays(e.prediction);
      object.set("method", std::string(han::explain::method_name(e.method)));
      if (e.method == han::explain::Method::IntegratedGradients) {
        val ig = val::object();
        ig.set("steps", e.steps);
        ig.set("baselineProbability", e.baseline_probability);
        ig.set("completenessError", e.completeness_error);
        object.set("integratedGradients", ig);
      }
      if (top_words > 0) {
        const han::explain::Erasure erased =
            han::explain::erase_top_words(model_, e, {static_cast<size_t>(top_words)});
        val removal = val::object();
        removal.set("words", erased.counts[0]);
        removal.set("change", erased.comprehensiveness[0]);
        removal.set("label", erased.labels_without[0]);
        object.set("comprehensiveness", removal);
      }
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

  // The bytes the sentence cache holds (0 without one): the tests check its bound with it.
  double cached_sentence_bytes() const {
    const han::SentenceCache* cache = model_.sentence_cache.value.get();
    return cache ? static_cast<double>(cache->bytes()) : 0;
  }

  HAN_ONCE_PER_LOAD val info() const {
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
      object.set("compute", std::string(han::compute_name(model_.compute())));
      return object;
    });
  }

 private:
  han::Model model_;
  han::InputLimits limits_;
  double parameters_ = 0;  // a JavaScript number
};

// bytes: the model file as a Uint8Array; limits: a Uint32Array of every limit (see visit_limits);
// cache_projections: whether predictions use the input projection cache; sentence_cache_bytes:
// the bound of the sentence cache (0: none); threads: how many threads each prediction runs on
// (more than 1 in the threads build only, whose workers web/src/core.js has ready).
// Allocating the copy in C++ turns a model too large for the heap into a catchable std::bad_alloc.
HAN_ONCE_PER_LOAD val load_model(const val& bytes, bool verify_golden, const val& limits,
                                 bool cache_projections, double sentence_cache_bytes,
                                 size_t threads) {
  return outcome([&] {
    han::LoadOptions options;
    options.verify_golden = verify_golden;
    uint32_t values[kLimitCount];
    val(emscripten::typed_memory_view(kLimitCount, values)).call<void>("set", limits);
    han::InputLimits input;
    size_t i = 0;
    visit_limits(options.limits, input, [&](auto& value) { value = values[i++]; });
    const std::vector<uint8_t> data = copy_from_js<uint8_t>(bytes);
    return val(LoadedModel(han::read_model(data.data(), data.size(), options), input,
                           cache_projections, static_cast<size_t>(sentence_cache_bytes), threads));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(han) {
  emscripten::class_<LoadedModel>("LoadedModel")
      .function("predict", &LoadedModel::predict)
      .function("predictBatch", &LoadedModel::predict_batch)
      .function("predictIds", &LoadedModel::predict_ids)
      .function("explain", &LoadedModel::explain)
      .function("info", &LoadedModel::info)
      .function("cachedWords", &LoadedModel::cached_words)
      .function("cachedSentenceBytes", &LoadedModel::cached_sentence_bytes)
      .function("threadsStalled", &LoadedModel::threads_stalled);
  emscripten::function("loadModel", &load_model);
  emscripten::function("defaultLimits", &default_limits);
}
