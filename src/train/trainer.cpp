#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/parallel.h"
#include "train/initialise.h"

namespace han {
namespace {

using Clock = std::chrono::steady_clock;

struct LabelledDocument {
  Document ids;
  size_t label = 0;
};

std::vector<std::string> choose_labels(const TrainOptions& options, const TrainData& data) {
  if (options.start_from) return options.start_from->labels;
  if (!options.labels.empty()) return options.labels;
  std::set<std::string> distinct;
  for (const Example& e : data.train.examples) distinct.insert(e.label);
  if (distinct.size() < 2) {
    throw Error(data.train_name + ": needs at least two labels, found " +
                (distinct.empty() ? std::string("none") : "only '" + *distinct.begin() + "'"));
  }
  return std::vector<std::string>(distinct.begin(), distinct.end());
}

// Words of the training split by count (descending, ties alphabetical), those with at least
// min_count occurrences, at most max_vocabulary entries including the two reserved ones.
Vocabulary build_vocabulary(const std::vector<TokenizedText>& texts, const TrainOptions& options) {
  std::unordered_map<std::string, size_t> counts;
  for (const TokenizedText& text : texts) {
    for (const TokenizedSentence& sentence : text.sentences) {
      for (const Token& word : sentence.words) ++counts[word.text];
    }
  }
  std::vector<std::pair<std::string, size_t>> words;
  for (auto& [word, count] : counts) {
    if (count >= options.min_count) words.emplace_back(word, count);
  }
  std::sort(words.begin(), words.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> vocabulary = {"<pad>", "<unk>"};
  for (const auto& [word, count] : words) {
    if (vocabulary.size() >= options.max_vocabulary) break;
    vocabulary.push_back(word);
  }
  return Vocabulary(vocabulary);
}

// Keras's defaults (initialise_weight), and embeddings uniform in ±0.05 with a zero padding row.
void initialise(HanParams<float>& params, uint32_t seed) {
  std::mt19937 rng(seed);
  const HanConfig& config = params.config;
  visit_han_params(params, [&](const std::string& name, Matrix<float>& m, bool) {
    if (name == "embedding") {
      std::uniform_real_distribution<float> uniform(-0.05f, 0.05f);
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
      m.row(0).setZero();  // padding
      return;
    }
    const EncoderConfig* encoder = name.rfind("word_encoder", 0) == 0 ? &config.word_encoder
                                   : name.rfind("sentence_encoder", 0) == 0
                                       ? &config.sentence_encoder
                                       : nullptr;
    initialise_weight(name, m, encoder, rng);
  });
}

// Reads "word v1 v2 ... vd" lines (word2vec/GloVe text format; a first "count dim" line is
// skipped) into the embedding rows of the words the vocabulary has. Returns how many it set.
size_t load_pretrained(const std::string& path, const Vocabulary& vocabulary,
                       Matrix<float>& table) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open word vectors '" + path + "'");
  size_t found = 0, line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    const int32_t id = vocabulary.id(word);
    if (id == Vocabulary::kUnknown) continue;
    std::vector<float> values;
    for (float v; fields >> v;) values.push_back(v);
    if (line_number == 1 && values.size() == 1) continue;  // word2vec's header
    if (values.size() != static_cast<size_t>(table.cols())) {
      throw Error(path + ":" + std::to_string(line_number) + ": " + std::to_string(values.size()) +
                  " values, the embedding has " + std::to_string(table.cols()));
    }
    table.row(id) = Eigen::Map<const RowVector<float>>(values.data(), table.cols());
    ++found;
  }
  return found;
}

struct Evaluation {
  double loss = 0, accuracy = 0;
};

// Mean cross-entropy (or the output's loss) and accuracy, without dropout.
Evaluation evaluate(const HanParams<float>& params, const std::vector<LabelledDocument>& docs,
                    size_t threads) {
  std::vector<double> losses(docs.size());
  std::vector<char> correct(docs.size());
  const Eigen::Index labels = params.config.num_labels;
  parallel_for(docs.size(), threads, [&](size_t i) {
    const HanCache<float> cache = han_forward_train(params, docs[i].ids);
    RowVector<float> target = RowVector<float>::Zero(labels);
    target[static_cast<Eigen::Index>(docs[i].label)] = 1;
    losses[i] = output_loss(params.output.activation, cache.output_layer, target).value;
    Eigen::Index best;
    cache.output.probabilities.maxCoeff(&best);
    correct[i] = static_cast<size_t>(best) == docs[i].label;
  });
  Evaluation e;
  for (size_t i = 0; i < docs.size(); ++i) {
    e.loss += losses[i];
    e.accuracy += correct[i];
  }
  e.loss /= static_cast<double>(docs.size());
  e.accuracy /= static_cast<double>(docs.size());
  return e;
}

// Adds one worker's gradients to the batch total; the embedding only on its touched rows.
void accumulate(const std::vector<ParamSlot<float>>& total,
                const std::vector<ParamSlot<float>>& part) {
  for (size_t s = 0; s < total.size(); ++s) {
    if (!part[s].sparse_rows) {
      *total[s].gradient += *part[s].gradient;
      continue;
    }
    for (int32_t row : part[s].sparse_rows->rows()) {
      total[s].gradient->row(row) += part[s].gradient->row(row);
      total[s].sparse_rows->add(row);
    }
  }
}

nlohmann::json training_metadata(const TrainOptions& options, const std::string& train_name,
                                 const TrainResult& result, size_t train_size,
                                 size_t validation_size) {
  const EpochReport& best = result.epochs[result.best_epoch - 1];
  nlohmann::json metadata = {
      {"trained_with", options.trained_with},
      {"train_file", train_name.substr(train_name.rfind('/') + 1)},
      {"train_examples", train_size},
      {"validation_examples", validation_size},
      {"epochs_run", result.epochs.size()},
      {"best_epoch", result.best_epoch},
      {"validation_accuracy", best.validation_accuracy},
      {"batch_size", options.batch_size},
      {"learning_rate", options.optimizer.learning_rate},
      {"optimizer", options.optimizer.method == OptimizerMethod::Adam ? "adam" : "sgd"},
      {"dropout",
       {{"embedding", options.dropout.embedding}, {"document", options.dropout.document}}},
      {"min_count", options.min_count},
      {"seed", options.seed},
      {"threads", options.threads}};
  if (options.start_from) {
    metadata["fine_tuned"] = options.output_layer_only ? "output layer" : "all weights";
  }
  return metadata;
}

// One document's forward and backward through the output layer alone, from its (frozen) document
// vector, with the document dropout of han_forward_train: adds the layer's gradients to `grads`,
// sets `best` to the predicted label and returns the loss.
double output_layer_step(const DenseParams<float>& output, const RowVector<float>& document,
                         double dropout, uint32_t seed, const RowVector<float>& target,
                         DenseParams<float>& grads, Eigen::Index& best) {
  RowVector<float> input = document;
  if (dropout > 0) {
    std::mt19937 rng(seed);
    input = input.cwiseProduct(dropout_mask<float>(1, input.size(), dropout, rng).row(0));
  }
  const DenseCache<float> cache = dense_forward_train(output, input);
  const Loss<float> loss = output_loss(output.activation, cache, target);
  dense_backward(output, cache, loss.d_logits, grads);
  cache.output.maxCoeff(&best);
  return loss.value;
}

}  // namespace

const std::vector<std::string>& golden_texts() {
  static const std::vector<std::string> texts = {
      "An absolute joy from start to finish. The acting is superb, and the story moved me!",
      "A dull, lifeless mess. I wanted my two hours back...",
      "The first half drags badly, but the ending is wonderful.",
      "Not bad.",
  };
  return texts;
}

struct Trainer::State {
  TrainOptions options;
  TrainCallbacks callbacks;
  std::string train_name;
  Model model;
  HanConfig config;
  std::vector<LabelledDocument> train_docs, validation_docs;
  // With output_layer_only, the document vector of each training document: the layers below the
  // output are frozen, so it is computed once (without their dropout) instead of every epoch.
  std::vector<RowVector<float>> frozen_documents;
  size_t threads = 1;
  std::optional<HanGradients<float>> total;  // made once the config is known
  std::vector<HanGradients<float>> parts;
  std::vector<ParamSlot<float>> total_slots;              // every parameter, the batch's sum
  std::vector<ParamSlot<float>> trained_slots;            // those the optimiser updates
  std::vector<std::vector<ParamSlot<float>>> part_slots;  // every parameter, per thread
  std::optional<Optimizer<float>> optimizer;
  size_t batches_per_epoch = 0;

  TrainResult result;
  HanParams<float> best_params;
  double best_accuracy = -1;
  size_t epochs_without_improvement = 0;
  std::vector<size_t> order;
  size_t epoch = 1, batch = 0;  // the next mini-batch
  double loss_sum = 0;
  size_t correct = 0;
  Clock::time_point epoch_start;
  bool done = false, finished = false;

  void say(const std::string& message) const {
    if (callbacks.message) callbacks.message(message);
  }
  void start_epoch();
  void end_epoch();
};

Trainer::Trainer(TrainData data, const TrainOptions& options, TrainCallbacks callbacks)
    : state_(std::make_unique<State>()) {
  State& st = *state_;
  st.options = options;
  st.callbacks = std::move(callbacks);
  st.train_name = data.train_name;
  if (options.batch_size == 0) throw Error("batch size must be at least 1");
  if (options.epochs == 0) throw Error("epochs must be at least 1");
  if (options.output_layer_only && !options.start_from) {
    throw Error("training only the output layer needs a model to start from");
  }
  if (data.validation.examples.empty() &&
      !(options.validation_split > 0 && options.validation_split < 1)) {
    throw Error("validation split must be between 0 and 1 (exclusive)");
  }
  Dataset& train = data.train;
  if (train.examples.empty()) throw Error(data.train_name + ": no examples");
  if (options.limit > 0 && train.examples.size() > options.limit)
    train.examples.resize(options.limit);
  if (train.skipped_lines) {
    st.say("skipped " + std::to_string(train.skipped_lines) + " malformed lines");
  }
  const std::vector<std::string> labels = choose_labels(options, data);

  // Split: a seeded shuffle, the tail is validation (unless validation data is given).
  std::vector<Example> train_examples, validation_examples;
  std::string validation_name = data.train_name;
  if (data.validation.examples.empty()) {
    std::vector<size_t> order(train.examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(options.seed));
    const size_t validation_count = std::max<size_t>(
        1, static_cast<size_t>(options.validation_split * static_cast<double>(order.size())));
    if (validation_count >= order.size()) {
      throw Error(data.train_name + ": too few examples to hold some out (" +
                  std::to_string(order.size()) + ")");
    }
    for (size_t k = 0; k < order.size(); ++k) {
      (k < order.size() - validation_count ? train_examples : validation_examples)
          .push_back(std::move(train.examples[order[k]]));
    }
  } else {
    train_examples = std::move(train.examples);
    validation_examples = std::move(data.validation.examples);
    validation_name = data.validation_name;
  }

  const TokenizerConfig& tokenizer =
      options.start_from ? options.start_from->tokenizer : options.tokenizer;
  std::vector<TokenizedText> train_tokens(train_examples.size());
  parallel_for(train_examples.size(), options.threads,
               [&](size_t i) { train_tokens[i] = tokenize(train_examples[i].text, tokenizer); });

  Model& model = st.model;
  if (options.start_from) {
    model = *options.start_from;
    model.golden_cases.clear();
    st.say("fine-tuning " +
           std::string(options.output_layer_only ? "the output layer" : "every weight") +
           " of a model of " + std::to_string(model.vocabulary.size()) + " words");
  } else {
    model.labels = labels;
    model.tokenizer = options.tokenizer;
    model.vocabulary = build_vocabulary(train_tokens, options);
    HanConfig config = options.architecture;
    config.vocab_size = static_cast<int>(model.vocabulary.size());
    config.num_labels = static_cast<int>(labels.size());
    model.params = make_han<float>(config);
    initialise(model.params, options.seed);
    st.say("vocabulary: " + std::to_string(model.vocabulary.size()) + " words (min count " +
           std::to_string(options.min_count) + "), " + std::to_string(han_parameter_count(config)) +
           " parameters");
    if (!options.pretrained_path.empty()) {
      const size_t found =
          load_pretrained(options.pretrained_path, model.vocabulary, model.params.embedding);
      st.say("pretrained vectors for " + std::to_string(found) + " words");
    }
  }
  // Stored as the options say (a fine-tuned model: as its start stored its embedding, unless they
  // say otherwise); the weights learn in float32 meanwhile.
  if (options.start_from && st.options.embedding_storage == StorageType::Float32) {
    const auto stored = model.storage.find("embedding");
    if (stored != model.storage.end()) st.options.embedding_storage = stored->second;
  }
  model.storage.clear();
  st.config = model.params.config;

  auto to_documents = [&](const std::vector<Example>& examples, const std::string& name,
                          const std::vector<TokenizedText>* tokens) {
    std::vector<LabelledDocument> docs(examples.size());
    parallel_for(examples.size(), options.threads, [&](size_t i) {
      docs[i].ids = model.to_ids(tokens ? (*tokens)[i] : tokenize(examples[i].text, tokenizer));
      docs[i].label = resolve_label(labels, examples[i], name);
    });
    return docs;
  };
  st.train_docs = to_documents(train_examples, data.train_name, &train_tokens);
  st.validation_docs = to_documents(validation_examples, validation_name, nullptr);
  st.say("training on " + std::to_string(st.train_docs.size()) + " documents, validating on " +
         std::to_string(st.validation_docs.size()) + ", " + std::to_string(options.threads) +
         " thread(s)");

  if (options.output_layer_only) {
    st.frozen_documents.resize(st.train_docs.size());
    parallel_for(st.train_docs.size(), options.threads, [&](size_t i) {
      st.frozen_documents[i] =
          han_forward_train(model.params, st.train_docs[i].ids).output_layer.input;
    });
  }
  st.threads = std::max<size_t>(1, std::min(options.threads, options.batch_size));
  st.total.emplace(st.config);
  st.parts.assign(st.threads, HanGradients<float>(st.config));
  st.total_slots = han_param_slots(model.params, *st.total);
  for (HanGradients<float>& part : st.parts)
    st.part_slots.push_back(han_param_slots(model.params, part));
  for (const ParamSlot<float>& slot : st.total_slots) {
    if (!options.output_layer_only || slot.name.rfind("output", 0) == 0) {
      st.trained_slots.push_back(slot);
    }
  }
  OptimizerConfig optimizer_config = options.optimizer;
  st.batches_per_epoch = (st.train_docs.size() + options.batch_size - 1) / options.batch_size;
  if (optimizer_config.schedule.kind == LearningRateSchedule::Kind::WarmupLinearDecay &&
      optimizer_config.schedule.total_steps == 0) {
    optimizer_config.schedule.total_steps =
        static_cast<int64_t>(st.batches_per_epoch * options.epochs);
  }
  st.optimizer.emplace(optimizer_config);
  st.best_params = model.params;
  st.order.resize(st.train_docs.size());
  std::iota(st.order.begin(), st.order.end(), 0);
  st.start_epoch();
}

Trainer::~Trainer() = default;

void Trainer::State::start_epoch() {
  epoch_start = Clock::now();
  std::shuffle(order.begin(), order.end(), std::mt19937(mix_seed(options.seed, epoch, 0)));
  batch = 0;
  loss_sum = 0;
  correct = 0;
}

bool Trainer::step() {
  State& st = *state_;
  if (st.done) return false;
  const TrainOptions& options = st.options;
  const size_t first = st.batch * options.batch_size;
  const size_t count = std::min(options.batch_size, st.train_docs.size() - first);
  std::vector<double> part_loss(st.threads, 0.0);
  std::vector<size_t> part_correct(st.threads, 0);
  parallel_for(st.threads, st.threads, [&](size_t t) {
    for (size_t k = count * t / st.threads; k < count * (t + 1) / st.threads; ++k) {
      const size_t index = st.order[first + k];
      const LabelledDocument& doc = st.train_docs[index];
      const uint32_t seed = mix_seed(options.seed, st.epoch, index + 1);
      RowVector<float> target = RowVector<float>::Zero(st.config.num_labels);
      target[static_cast<Eigen::Index>(doc.label)] = 1;
      Eigen::Index best;
      if (options.output_layer_only) {
        part_loss[t] += output_layer_step(st.model.params.output, st.frozen_documents[index],
                                          options.dropout.document, seed, target,
                                          st.parts[t].tensors.output, best);
      } else {
        const HanCache<float> cache =
            han_forward_train(st.model.params, doc.ids, options.dropout, seed);
        part_loss[t] += han_backward(st.model.params, cache, target, st.parts[t]);
        cache.output.probabilities.maxCoeff(&best);
      }
      part_correct[t] += static_cast<size_t>(best) == doc.label;
    }
  });
  // Reduce in thread order, so the sum is the same on every run with this thread count.
  for (size_t t = 0; t < st.threads; ++t) {
    accumulate(st.total_slots, st.part_slots[t]);
    zero_gradients(st.part_slots[t]);
    st.loss_sum += part_loss[t];
    st.correct += part_correct[t];
  }
  scale_gradients(st.trained_slots, 1.0f / static_cast<float>(count));  // mean over the batch
  st.optimizer->step(st.trained_slots);
  zero_gradients(st.total_slots);
  ++st.batch;
  if (st.callbacks.progress) {
    st.callbacks.progress(st.epoch, first + count, st.train_docs.size(),
                          st.loss_sum / static_cast<double>(first + count));
  }
  if (st.batch == st.batches_per_epoch) st.end_epoch();
  return !st.done;
}

void Trainer::State::end_epoch() {
  EpochReport report;
  report.epoch = epoch;
  report.train_loss = loss_sum / static_cast<double>(train_docs.size());
  report.train_accuracy = static_cast<double>(correct) / static_cast<double>(train_docs.size());
  const Evaluation validation = evaluate(model.params, validation_docs, options.threads);
  report.validation_loss = validation.loss;
  report.validation_accuracy = validation.accuracy;
  report.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
  result.epochs.push_back(report);
  if (callbacks.epoch_done) callbacks.epoch_done(report);
  if (!std::isfinite(report.train_loss)) {
    done = true;
    throw Error("training diverged (the loss is not finite)");
  }
  if (validation.accuracy > best_accuracy) {
    best_accuracy = validation.accuracy;
    best_params = model.params;
    result.best_epoch = epoch;
    epochs_without_improvement = 0;
  } else if (++epochs_without_improvement >= options.patience) {
    say("stopping early: no better validation accuracy for " + std::to_string(options.patience) +
        " epochs");
    done = true;
    return;
  }
  if (epoch == options.epochs) {
    done = true;
    return;
  }
  ++epoch;
  start_epoch();
}

bool Trainer::done() const {
  return state_->done;
}
size_t Trainer::epoch() const {
  return state_->epoch;
}
size_t Trainer::batch() const {
  return state_->batch;
}
size_t Trainer::batches_per_epoch() const {
  return state_->batches_per_epoch;
}
size_t Trainer::train_size() const {
  return state_->train_docs.size();
}
size_t Trainer::validation_size() const {
  return state_->validation_docs.size();
}
const std::vector<EpochReport>& Trainer::epochs() const {
  return state_->result.epochs;
}

double Trainer::epoch_loss() const {
  const size_t seen = std::min(state_->batch * state_->options.batch_size, train_size());
  return seen ? state_->loss_sum / static_cast<double>(seen) : 0.0;
}

double Trainer::epoch_accuracy() const {
  const size_t seen = std::min(state_->batch * state_->options.batch_size, train_size());
  return seen ? static_cast<double>(state_->correct) / static_cast<double>(seen) : 0.0;
}

TrainResult Trainer::finish() {
  State& st = *state_;
  if (!st.done || st.result.epochs.empty()) throw Error("training is not over yet");
  if (st.finished) throw Error("the trained model was taken already");
  st.finished = true;
  Model model = std::move(st.model);
  model.params = std::move(st.best_params);
  model.set_golden_texts(golden_texts());
  TrainResult result = std::move(st.result);
  nlohmann::json metadata = training_metadata(st.options, st.train_name, result,
                                              st.train_docs.size(), st.validation_docs.size());
  if (st.options.embedding_storage != StorageType::Float32) {
    // Rounding the embedding costs some accuracy: measure it on the same validation split.
    model = quantize(model, st.options.embedding_storage, false);
    const double stored = evaluate(model.params, st.validation_docs, st.options.threads).accuracy;
    metadata["embedding_storage"] = storage_name(st.options.embedding_storage);
    metadata["validation_accuracy_as_stored"] = stored;
    std::ostringstream message;
    message << "validation accuracy with the embedding stored as "
            << storage_name(st.options.embedding_storage) << ": " << stored
            << " (float32: " << result.epochs[result.best_epoch - 1].validation_accuracy << ")";
    st.say(message.str());
  }
  model.metadata_json = metadata.dump();
  result.model = std::move(model);
  return result;
}

TrainResult train_han(TrainData data, const TrainOptions& options,
                      const TrainCallbacks& callbacks) {
  Trainer trainer(std::move(data), options, callbacks);
  while (trainer.step()) {
  }
  return trainer.finish();
}

}  // namespace han
