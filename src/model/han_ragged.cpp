// The float path of the HAN on the kernels (han.h, detail::han_forward_ragged): documents run
// together, the sentences of all of them as one ragged batch at the word level.
#include <algorithm>
#include <memory>
#include <vector>

#include "core/worker_pool.h"
#include "model/han.h"
#include "model/int8_han.h"
#include "model/sentence_cache.h"

namespace han::detail {
namespace {

// Sequences stored one after another as the rows of a matrix: sequence k is rows
// [starts[k], starts[k] + lengths[k]). Every length is at least 1.
struct RaggedSequences {
  std::vector<int> starts, lengths;
  int rows = 0;

  void add(int length) {
    starts.push_back(rows);
    lengths.push_back(length);
    rows += length;
  }
  size_t count() const { return starts.size(); }
  void clear() {
    starts.clear();
    lengths.clear();
    rows = 0;
  }
};

// Working memory of the products, kept from call to call: the rows in int16 for int8 weights,
// and the attention's projections.
struct ProductScratch {
  std::vector<int16_t> values;
  std::vector<float> scales;
  std::vector<float> projections;

  // Room for `rows` rows of `stride` int16 and their scales. It only grows: the recurrence asks
  // for fewer rows at each step, and filling the new room with zeros cost more than its products
  // whenever the size went up and down.
  void at_least(int rows, int stride) {
    const size_t needed = static_cast<size_t>(rows) * static_cast<size_t>(stride);
    if (values.size() < needed) values.resize(needed);
    if (scales.size() < static_cast<size_t>(rows)) scales.resize(static_cast<size_t>(rows));
  }
};

// Y = X W + 1 b, with `int8` (W and b packed) in integers, else in float.
void multiply(kernels::ConstMatrixView x, const Matrix<float>& w, const float* bias,
              const Int8Matrix* int8, kernels::MatrixView y, ProductScratch& scratch) {
  if (!int8) {
    kernels::selected::gemm(x, const_view(w), bias, y);
    return;
  }
  const int stride = int8->row_stride();
  scratch.at_least(x.rows, stride);
  kernels::selected::quantize_rows(x, scratch.values.data(), stride, scratch.scales.data());
  kernels::selected::gemm_int8(
      {scratch.values.data(), scratch.scales.data(), x.rows, x.cols, stride}, int8->view(), y);
}

// What gru_forward_ragged reuses from call to call, so that the hot path does not allocate.
struct GruScratch {
  std::vector<int> order, at_least;       // sequences by decreasing length, and its counts
  std::vector<int> rows;                  // the input row of each sequence at this step
  std::vector<float> state, next, gates;  // h of each sequence, h', h U + b_rec
  ProductScratch products;                // h in int16, for int8 weights
  float touched = 0;                      // keeps the loads of touch_rows
};

// Loads a value of every 64-byte line of the rows at `rows[i] + offset` (`width` floats each), one
// row after another, so that their cache misses overlap: at the word level they are rows of the
// projection cache, scattered over megabytes, and the GRU step, reading one row at a time, waited
// on each in turn. WebAssembly has no prefetch instruction, hence loads; copying the rows instead
// costs more in WebAssembly, where memcpy is a loop of 4-byte copies.
void touch_rows(const float* const* projected, const std::vector<int>& rows, int count, int offset,
                int width, float& sink) {
  constexpr int kFloatsPerLine = 16;
  float sum = 0;
  for (int i = 0; i < count; ++i) {
    const float* row = projected[rows[static_cast<size_t>(i)]] + offset;
    for (int j = 0; j < width; j += kFloatsPerLine) sum += row[j];
    sum += row[width - 1];
  }
  sink += sum;
}

// gru_forward (reset_after = true, sigmoid) on every sequence of `seq` at once, the backward
// direction when `reverse`: step t advances each sequence longer than t together, so the
// recurrent products of a step are one matrix product with a row per sequence.
//   projected   x W + b_in of input row r at projected[r] + offset (3 units values); the rows
//               are pointers so that the word level reads them where the cache keeps them
//   out         h_t of each input row (units values, row stride out_stride)
//   int8        the recurrent kernel for the integer products, or null for float
void gru_forward_ragged(const GruParams<float>& p, const RaggedSequences& seq,
                        const float* const* projected, int offset, bool reverse, float* out,
                        int out_stride, const Int8Gru* int8, GruScratch& scratch) {
  const int u = p.units, count = static_cast<int>(seq.count());
  if (count == 0) return;
  // The sequences by decreasing length, by counting: at_least[L] sequences have L or more steps,
  // so those of length L go to `order` from position at_least[L + 1] on.
  const int longest = *std::max_element(seq.lengths.begin(), seq.lengths.end());
  std::vector<int>& at_least = scratch.at_least;
  at_least.assign(static_cast<size_t>(longest) + 2, 0);
  for (int length : seq.lengths) ++at_least[static_cast<size_t>(length)];
  for (size_t length = static_cast<size_t>(longest); length > 0; --length) {
    at_least[length - 1] += at_least[length];
  }
  std::vector<int>& order = scratch.order;
  order.resize(static_cast<size_t>(count));
  for (int k = 0; k < count; ++k) {
    int& position = at_least[static_cast<size_t>(seq.lengths[static_cast<size_t>(k)]) + 1];
    order[static_cast<size_t>(position++)] = k;
  }
  scratch.state.assign(static_cast<size_t>(count * u), 0.0f);
  scratch.next.resize(scratch.state.size());
  scratch.gates.resize(static_cast<size_t>(count * 3 * u));
  scratch.rows.resize(static_cast<size_t>(count));
  const float* recurrent_bias = p.bias.row(1).data();
  int active = count;
  for (int t = 0; active > 0; ++t) {
    while (active > 0 && seq.lengths[static_cast<size_t>(order[active - 1])] <= t) --active;
    if (active == 0) break;
    float* state = scratch.state.data();
    float* next = scratch.next.data();
    for (int i = 0; i < active; ++i) {
      const int k = order[static_cast<size_t>(i)], length = seq.lengths[static_cast<size_t>(k)];
      scratch.rows[static_cast<size_t>(i)] =
          seq.starts[static_cast<size_t>(k)] + (reverse ? length - 1 - t : t);
    }
    touch_rows(projected, scratch.rows, active, offset, 3 * u, scratch.touched);
    multiply({state, active, u, u}, p.recurrent_kernel, recurrent_bias,
             int8 ? &int8->recurrent : nullptr, {scratch.gates.data(), active, 3 * u, 3 * u},
             scratch.products);
    for (int i = 0; i < active; ++i) {
      float* h_next = next + i * u;
      const int row = scratch.rows[static_cast<size_t>(i)];
      kernels::selected::gru_step(projected[row] + offset, scratch.gates.data() + i * 3 * u,
                                  state + i * u, h_next, u);
      std::copy(h_next, h_next + u, out + row * out_stride);
    }
    std::swap(scratch.state, scratch.next);
  }
}

// x W + b_in of each direction of the encoder (with `int8`, in integers) for the input rows x
// (`input_dim` values each): row r of `projected` is [forward's 3 units values, then the
// backward's], and row_pointers[r] points at it.
void encoder_projections(const EncoderParams<float>& e, const Int8Encoder* int8, int rows,
                         const float* x, int input_dim, std::vector<float>& projected,
                         std::vector<const float*>& row_pointers, ProductScratch& scratch) {
  const int gates = 3 * e.config.units, width = (e.config.bidirectional ? 2 : 1) * gates;
  projected.resize(static_cast<size_t>(rows * width));
  row_pointers.resize(static_cast<size_t>(rows));
  if (rows == 0) return;  // and `projected` may have no storage to point into
  for (int direction = 0; direction < width / gates; ++direction) {
    const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
    const Int8Matrix* kernel =
        int8 ? &(direction ? int8->backward : int8->forward).kernel : nullptr;
    multiply({x, rows, input_dim, input_dim}, p.kernel, p.bias.row(0).data(), kernel,
             {projected.data() + direction * gates, rows, gates, width}, scratch);
  }
  for (int r = 0; r < rows; ++r)
    row_pointers[static_cast<size_t>(r)] = projected.data() + r * width;
}

// encoder_forward on every sequence of `seq` at once, from the input projections of each row
// (as encoder_projections lays them out); `out` gets one row of the encoder's output per input row.
void encoder_forward_ragged(const EncoderParams<float>& e, const Int8Encoder* int8,
                            const RaggedSequences& seq, const std::vector<const float*>& projected,
                            float* out, GruScratch& scratch) {
  if (seq.count() == 0) return;  // and `out` may have no storage to point into
  const int u = e.config.units, width = e.config.output_dim();
  const int directions = e.config.bidirectional ? 2 : 1;
  for (int direction = 0; direction < directions; ++direction) {
    const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
    const Int8Gru* cell = int8 ? (direction ? &int8->backward : &int8->forward) : nullptr;
    gru_forward_ragged(p, seq, projected.data(), direction * 3 * u, direction == 1,
                       out + direction * u, width, cell, scratch);
  }
}

// attention_forward on each sequence of `seq` (with `int8`, its projections in integers): the
// weights of row r go to weights[r], the pooled vector of sequence k to pooled[k * h_cols ...].
void attention_forward_ragged(const AttentionParams<float>& a, const Int8Matrix* int8,
                              const RaggedSequences& seq, const float* h, int h_cols,
                              float* weights, float* pooled, ProductScratch& scratch) {
  if (seq.count() == 0) return;
  const int longest = *std::max_element(seq.lengths.begin(), seq.lengths.end());
  const int units = a.config.units, stride = int8 ? int8->row_stride() : 0;
  if (scratch.projections.size() < static_cast<size_t>(longest * units)) {
    scratch.projections.resize(static_cast<size_t>(longest * units));
  }
  if (int8) {
    scratch.at_least(seq.rows, stride);
    kernels::selected::quantize_rows({h, seq.rows, h_cols, h_cols}, scratch.values.data(), stride,
                                     scratch.scales.data());
  }
  const kernels::AttentionWeights w{const_view(a.kernel),
                                    a.config.use_bias ? a.bias.data() : nullptr, a.context.data(),
                                    a.config.activation};
  for (size_t k = 0; k < seq.count(); ++k) {
    const int start = seq.starts[k], length = seq.lengths[k];
    const kernels::ConstMatrixView rows{h + start * h_cols, length, h_cols, h_cols};
    float* pooled_k = pooled + static_cast<int>(k) * h_cols;
    if (int8) {
      kernels::selected::attention_int8(rows,
                                        {scratch.values.data() + start * stride,
                                         scratch.scales.data() + start, length, h_cols, stride},
                                        int8->view(), a.context.data(), a.config.activation, {},
                                        scratch.projections.data(), weights + start, pooled_k);
    } else {
      kernels::selected::attention(rows, w, {}, scratch.projections.data(), weights + start,
                                   pooled_k);
    }
  }
}

// Working memory of the word level, kept per thread from call to call: once it has grown to the
// largest batch, the hot path allocates only its outputs.
struct WordScratch {
  RaggedSequences words;
  std::vector<float> inputs, projected, cache_miss, states, weights, vectors;
  std::vector<const float*> projected_rows;    // of each input row, into the cache or `projected`
  std::vector<std::pair<int, size_t>> copied;  // rows the cache could not give: row, offset
  ProductScratch products;
  GruScratch gru;
};

// The real sentences of a batch of documents, one after another: sentence k has the real word
// ids ids[starts[k], starts[k] + lengths[k]), its vector at row k of `vectors` and its word weights
// at weights[starts[k] ...].
struct SentenceBatch {
  std::vector<int32_t> ids;
  RaggedSequences sentences;
  std::vector<float> vectors, weights;
  std::vector<size_t> document;  // of each sentence, the index of its document
  std::vector<int> pending;      // the sentences the word level has to encode
};

// The word level (encoder and attention) of sentences pending[first, last) of `batch`, on this
// thread's scratch, into the batch's vectors and weights.
void encode_sentences(const HanParams<float>& p, const Int8Han* int8, SentenceBatch& batch,
                      size_t first, size_t last, InputProjectionCache* cache) {
  thread_local WordScratch scratch;
  const int embedding_dim = p.config.embedding_dim, word_dim = p.config.word_encoder.output_dim();
  RaggedSequences& words = scratch.words;
  words.clear();
  scratch.inputs.clear();
  scratch.projected.clear();
  scratch.projected_rows.clear();
  scratch.copied.clear();
  if (cache) scratch.cache_miss.resize(static_cast<size_t>(cache->width()));
  // With the cache, pointers to the words' projections: in the cache, or (when another thread is
  // writing the row) copied to `projected`. Without it, the embeddings as rows of `inputs`.
  for (size_t i = first; i < last; ++i) {
    const size_t k = static_cast<size_t>(batch.pending[i]);
    const int start = batch.sentences.starts[k], length = batch.sentences.lengths[k];
    for (int w = 0; w < length; ++w) {
      const int32_t id = batch.ids[static_cast<size_t>(start + w)];
      if (cache) {
        const float* row = cache->row(p, int8, id, scratch.cache_miss.data());
        if (row == scratch.cache_miss.data()) {
          scratch.copied.emplace_back(words.rows + w, scratch.projected.size());
          scratch.projected.insert(scratch.projected.end(), row, row + cache->width());
        }
        scratch.projected_rows.push_back(row);
      } else {
        const float* row = p.embedding.row(id).data();
        scratch.inputs.insert(scratch.inputs.end(), row, row + embedding_dim);
      }
    }
    words.add(length);
  }
  if (cache) {
    for (const auto& [row, offset] : scratch.copied) {
      scratch.projected_rows[static_cast<size_t>(row)] = scratch.projected.data() + offset;
    }
  } else {
    encoder_projections(p.word_encoder, int8 ? &int8->word_encoder : nullptr, words.rows,
                        scratch.inputs.data(), embedding_dim, scratch.projected,
                        scratch.projected_rows, scratch.products);
  }
  scratch.states.resize(static_cast<size_t>(words.rows * word_dim));
  scratch.weights.resize(static_cast<size_t>(words.rows));
  scratch.vectors.resize(words.count() * static_cast<size_t>(word_dim));
  encoder_forward_ragged(p.word_encoder, int8 ? &int8->word_encoder : nullptr, words,
                         scratch.projected_rows, scratch.states.data(), scratch.gru);
  attention_forward_ragged(p.word_attention, int8 ? &int8->word_attention : nullptr, words,
                           scratch.states.data(), word_dim, scratch.weights.data(),
                           scratch.vectors.data(), scratch.products);
  for (size_t i = first; i < last; ++i) {
    const size_t k = static_cast<size_t>(batch.pending[i]), local = i - first;
    const float* weights = scratch.weights.data() + words.starts[local];
    std::copy(weights, weights + words.lengths[local],
              batch.weights.begin() + batch.sentences.starts[k]);
    const float* vector = scratch.vectors.data() + local * static_cast<size_t>(word_dim);
    std::copy(vector, vector + word_dim,
              batch.vectors.begin() + static_cast<std::ptrdiff_t>(k) * word_dim);
  }
}

// Below this many words per thread, splitting the word level costs more than it gains.
constexpr int kWordsPerThread = 64;

// encode_sentences on every pending sentence: on the pool's threads, in contiguous parts of about
// equal numbers of words, when there is enough work; else on this thread.
void encode_pending(const HanParams<float>& p, SentenceBatch& batch, const RaggedOptions& options) {
  const size_t pending = batch.pending.size();
  if (pending == 0) return;
  std::vector<size_t> bounds{0};  // part t is pending[bounds[t], bounds[t + 1])
  if (options.pool && options.pool->size() > 1 && pending > 1) {
    int total = 0;
    for (int k : batch.pending) total += batch.sentences.lengths[static_cast<size_t>(k)];
    const size_t parts =
        std::min({options.pool->size(), pending, static_cast<size_t>(total / kWordsPerThread)});
    int seen = 0;
    for (size_t i = 0; i < pending && bounds.size() < parts; ++i) {
      seen += batch.sentences.lengths[static_cast<size_t>(batch.pending[i])];
      if (static_cast<size_t>(seen) * parts >= static_cast<size_t>(total) * bounds.size()) {
        bounds.push_back(i + 1);
      }
    }
  }
  bounds.push_back(pending);
  if (bounds.size() == 2) {
    encode_sentences(p, options.int8, batch, 0, pending, options.projections);
    return;
  }
  options.pool->run([&](size_t t) {
    if (t + 1 < bounds.size())
      encode_sentences(p, options.int8, batch, bounds[t], bounds[t + 1], options.projections);
  });
}

// Working memory of the sentence level, kept per thread from call to call.
struct DocumentScratch {
  SentenceBatch batch;
  RaggedSequences documents;
  std::vector<float> projected, states, weights, vectors;
  std::vector<const float*> projected_rows;
  ProductScratch products;
  std::vector<int> reused;  // of each document, the sentences the cache gave
  std::vector<int32_t> key;
  EncodedSentence found;
  GruScratch gru;
};

std::vector<HanOutput<float>> forward_ragged(const HanParams<float>& p, const Document* docs,
                                             size_t count, const RaggedOptions& options,
                                             DocumentScratch& scratch) {
  const HanConfig& c = p.config;
  const int word_dim = c.word_encoder.output_dim(), sentence_dim = c.sentence_encoder.output_dim();

  // The real sentences of every document, and one sequence per document with a real sentence.
  SentenceBatch& batch = scratch.batch;
  batch.ids.clear();
  batch.sentences.clear();
  batch.document.clear();
  RaggedSequences& documents = scratch.documents;
  documents.clear();
  for (size_t d = 0; d < count; ++d) {
    const size_t first_sentence = batch.sentences.count();
    for (const std::vector<int32_t>& sentence : docs[d]) {
      int length = 0;
      for (int32_t id : sentence) {
        if (id == 0) continue;
        if (id < 0 || id >= c.vocab_size) {
          throw Error("word id " + std::to_string(id) + " is outside the vocabulary of " +
                      std::to_string(c.vocab_size) + " words");
        }
        batch.ids.push_back(id);
        ++length;
      }
      if (length > 0) {
        batch.sentences.add(length);
        batch.document.push_back(d);
      }
    }
    if (batch.sentences.count() > first_sentence) {
      documents.add(static_cast<int>(batch.sentences.count() - first_sentence));
    }
  }
  batch.vectors.resize(batch.sentences.count() * static_cast<size_t>(word_dim));
  batch.weights.resize(batch.ids.size());

  // The word level: from the sentence cache where it has the sentence, else encoded (and cached).
  batch.pending.clear();
  scratch.reused.assign(count, 0);
  auto key = [&](size_t k) -> const std::vector<int32_t>& {
    const auto first = batch.ids.begin() + batch.sentences.starts[k];
    scratch.key.assign(first, first + batch.sentences.lengths[k]);
    return scratch.key;
  };
  for (size_t k = 0; k < batch.sentences.count(); ++k) {
    if (!options.sentences || !options.sentences->find(key(k), scratch.found)) {
      batch.pending.push_back(static_cast<int>(k));
      continue;
    }
    std::copy(scratch.found.weights.begin(), scratch.found.weights.end(),
              batch.weights.begin() + batch.sentences.starts[k]);
    std::copy(scratch.found.vector.begin(), scratch.found.vector.end(),
              batch.vectors.begin() + static_cast<std::ptrdiff_t>(k) * word_dim);
    ++scratch.reused[batch.document[k]];
  }
  encode_pending(p, batch, options);
  if (options.sentences) {
    for (int k : batch.pending) {
      const size_t s = static_cast<size_t>(k);
      const auto weights = batch.weights.begin() + batch.sentences.starts[s];
      const auto vector = batch.vectors.begin() + static_cast<std::ptrdiff_t>(s) * word_dim;
      scratch.found.weights.assign(weights, weights + batch.sentences.lengths[s]);
      scratch.found.vector.assign(vector, vector + word_dim);
      options.sentences->insert(key(s), scratch.found);
    }
  }

  // The sentence level, every document as one ragged batch.
  scratch.states.resize(static_cast<size_t>(documents.rows * sentence_dim));
  scratch.weights.resize(static_cast<size_t>(documents.rows));
  scratch.vectors.resize(documents.count() * static_cast<size_t>(sentence_dim));
  const Int8Han* int8 = options.int8;
  encoder_projections(p.sentence_encoder, int8 ? &int8->sentence_encoder : nullptr, documents.rows,
                      batch.vectors.data(), word_dim, scratch.projected, scratch.projected_rows,
                      scratch.products);
  encoder_forward_ragged(p.sentence_encoder, int8 ? &int8->sentence_encoder : nullptr, documents,
                         scratch.projected_rows, scratch.states.data(), scratch.gru);
  attention_forward_ragged(p.sentence_attention, int8 ? &int8->sentence_attention : nullptr,
                           documents, scratch.states.data(), sentence_dim, scratch.weights.data(),
                           scratch.vectors.data(), scratch.products);

  // Back to the documents as given, padding and empty sentences included.
  std::vector<HanOutput<float>> out(count);
  size_t word_row = 0, sentence_row = 0, document_row = 0;
  for (size_t d = 0; d < count; ++d) {
    const Document& doc = docs[d];
    HanOutput<float>& o = out[d];
    o.sentence_weights = RowVector<float>::Zero(static_cast<Eigen::Index>(doc.size()));
    o.word_weights.resize(doc.size());
    bool any_sentence = false;
    for (size_t s = 0; s < doc.size(); ++s) {
      o.word_weights[s] = RowVector<float>::Zero(static_cast<Eigen::Index>(doc[s].size()));
      bool any_word = false;
      for (size_t w = 0; w < doc[s].size(); ++w) {
        if (doc[s][w] == 0) continue;
        o.word_weights[s][static_cast<Eigen::Index>(w)] = batch.weights[word_row++];
        any_word = true;
      }
      if (!any_word) continue;
      o.sentence_weights[static_cast<Eigen::Index>(s)] = scratch.weights[sentence_row++];
      any_sentence = true;
    }
    RowVector<float> document = RowVector<float>::Zero(sentence_dim);
    if (any_sentence) {
      document = Eigen::Map<const RowVector<float>>(
          scratch.vectors.data() + document_row++ * static_cast<size_t>(sentence_dim),
          sentence_dim);
    }
    o.probabilities = dense_forward(p.output, document);
    o.sentences_reused = static_cast<size_t>(scratch.reused[d]);
  }
  return out;
}

}  // namespace

std::vector<HanOutput<float>> han_forward_ragged(const HanParams<float>& p, const Document* docs,
                                                 size_t count, const RaggedOptions& options) {
  // On the heap, so that it can be left to a worker that stalled in the middle of its part.
  thread_local std::unique_ptr<DocumentScratch> scratch;
  if (!scratch) scratch = std::make_unique<DocumentScratch>();
  try {
    return forward_ragged(p, docs, count, options, *scratch);
  } catch (const WorkerStalled&) {
    // The late worker may yet write into this scratch's batch: it keeps it (leaked), and this
    // prediction starts again on this thread alone, with new working memory.
    static_cast<void>(scratch.release());
    scratch = std::make_unique<DocumentScratch>();
    RaggedOptions alone = options;
    alone.pool = nullptr;
    return forward_ragged(p, docs, count, alone, *scratch);
  }
}

}  // namespace han::detail

namespace han {

void InputProjectionCache::compute(const HanParams<float>& params, const Int8Han* int8, int32_t id,
                                   float* out) {
  const EncoderParams<float>& e = params.word_encoder;
  const int gates = 3 * e.config.units, dim = params.config.embedding_dim;
  thread_local detail::ProductScratch scratch;
  for (int direction = 0; direction < (e.config.bidirectional ? 2 : 1); ++direction) {
    const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
    const Int8Matrix* kernel =
        int8 ? &(direction ? int8->word_encoder.backward : int8->word_encoder.forward).kernel
             : nullptr;
    detail::multiply({params.embedding.row(id).data(), 1, dim, dim}, p.kernel, p.bias.row(0).data(),
                     kernel, {out + direction * gates, 1, gates, gates}, scratch);
  }
}

}  // namespace han
