// Fuzzes incremental re-prediction: the input is a sequence of edits to a text (inserts,
// deletions, pastes of large text, arbitrary bytes); after each, a model with the sentence cache
// and two threads must predict exactly (bit for bit) what a model without them predicts, and the
// cache must stay within its bound. The models persist across inputs, so one input's edits meet
// the sentences earlier inputs left in the cache.
// The first input byte chooses the model (a small fixture, the bundled model, the bundled model
// computing in int8); then each edit is an operation byte, a position byte, a length byte and,
// for inserts, that many bytes of text; at most kMaxEdits of them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/model_file.h"

namespace {

// A bound small enough that the fuzzer keeps evicting sentences.
constexpr size_t kCacheBytes = 16 << 10;
// Edits per input and the size pastes stop at: each edit costs two predictions of the text.
constexpr int kMaxEdits = 32;
constexpr size_t kMaxPasteFrom = 8 << 10;

struct Pair {
  han::Model fresh, incremental;
};
std::vector<Pair>* pairs;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_edit: %s\n", what);
  std::abort();
}

void require_identical(const han::Prediction& a, const han::Prediction& b) {
  require(a.probabilities == b.probabilities, "the same probabilities");
  require(a.sentences.size() == b.sentences.size(), "the same sentences");
  for (size_t s = 0; s < a.sentences.size(); ++s) {
    require(a.sentences[s].weight == b.sentences[s].weight, "the same sentence weights");
    require(a.sentences[s].words.size() == b.sentences[s].words.size(), "the same words");
    for (size_t w = 0; w < a.sentences[s].words.size(); ++w) {
      require(a.sentences[s].words[w].weight == b.sentences[s].words[w].weight,
              "the same word weights");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pairs = new std::vector<Pair>;
  for (const std::string path : {std::string(HAN_FIXTURE_DIR) + "/gru_reset_after.han",
                                 std::string(HAN_MODEL_DIR) + "/imdb-sentiment.han"}) {
    Pair& pair = pairs->emplace_back();
    pair.fresh = han::read_model_file(path);
    pair.incremental = pair.fresh;
    pair.incremental.cache_sentences(kCacheBytes);
    pair.incremental.set_threads(2);
    require(pair.incremental.sentence_cache.value != nullptr, "the model has a sentence cache");
  }
  // The bundled model again, computing in int8.
  Pair& int8 = pairs->emplace_back();
  int8.fresh = han::with_compute(pairs->at(1).fresh, han::ComputeType::Int8);
  int8.incremental = int8.fresh;
  int8.incremental.cache_sentences(kCacheBytes);
  int8.incremental.set_threads(2);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Pair& pair = (*pairs)[data[0] % pairs->size()];
  std::string text;
  for (size_t at = 1, edits = 0; at + 3 <= size && edits < kMaxEdits; ++edits) {
    const uint8_t op = data[at], position = data[at + 1], length = data[at + 2];
    at += 3;
    const size_t where = text.empty() ? 0 : position * text.size() / 255;
    switch (op % 4) {
      case 0: {  // insert the next `length` bytes
        const size_t n = std::min<size_t>(length, size - at);
        text.insert(where, reinterpret_cast<const char*>(data + at), n);
        at += n;
        break;
      }
      case 1:  // delete
        text.erase(where, std::min<size_t>(length, text.size() - where));
        break;
      case 2:  // paste a copy of the text so far
        if (text.size() < kMaxPasteFrom) text.insert(where, text);
        break;
      default:  // a sentence break
        text.insert(where, ". ");
    }
    require_identical(pair.incremental.predict(text), pair.fresh.predict(text));
    require(pair.incremental.sentence_cache.value->bytes() <= kCacheBytes,
            "the cache within its bound");
  }
  return 0;
}
