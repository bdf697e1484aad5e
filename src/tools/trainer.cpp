#include "tools/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tools/initialise.h"
#include "tools/parallel.h"

namespace han {
namespace {

using Clock = std::chrono::steady_clock;

struct LabelledDocument {
  Document ids;
  size_t label = 0;
};

std::vector<std::string> choose_labels(const TrainOptions& options, const Dataset& data) {
  if (!options.labels.empty()) return options.labels;
  std::set<std::string> distinct;
  for (const Example& e : data.examples) distinct.insert(e.label);
  if (distinct.size() < 2) throw Error(options.train_path + ": needs at least two labels");
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

nlohmann::json training_metadata(const TrainOptions& options, const TrainResult& result,
                                 size_t train_size, size_t validation_size) {
  const EpochReport& best = result.epochs[result.best_epoch - 1];
  return {{"trained_with", "han train"},
          {"train_file", options.train_path.substr(options.train_path.rfind('/') + 1)},
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

TrainResult train_han(const TrainOptions& options, const TrainCallbacks& callbacks) {
  auto say = [&](const std::string& message) {
    if (callbacks.message) callbacks.message(message);
  };
  if (options.batch_size == 0) throw Error("batch size must be at least 1");
  if (options.epochs == 0) throw Error("epochs must be at least 1");
  if (options.validation_path.empty() &&
      !(options.validation_split > 0 && options.validation_split < 1)) {
    throw Error("validation split must be between 0 and 1 (exclusive)");
  }

  Dataset data = read_labelled_text(options.train_path, options.skip_malformed);
  if (options.limit > 0 && data.examples.size() > options.limit)
    data.examples.resize(options.limit);
  if (data.skipped_lines) say("skipped " + std::to_string(data.skipped_lines) + " malformed lines");
  const std::vector<std::string> labels = choose_labels(options, data);

  // Split: a seeded shuffle, the tail is validation (unless a validation file is given).
  std::vector<Example> train_examples, validation_examples;
  if (options.validation_path.empty()) {
    std::vector<size_t> order(data.examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(options.seed));
    const size_t validation_count = std::max<size_t>(
        1, static_cast<size_t>(options.validation_split * static_cast<double>(order.size())));
    if (validation_count >= order.size()) throw Error("too few examples to hold some out");
    for (size_t k = 0; k < order.size(); ++k) {
      (k < order.size() - validation_count ? train_examples : validation_examples)
          .push_back(std::move(data.examples[order[k]]));
    }
  } else {
    train_examples = std::move(data.examples);
    validation_examples =
        read_labelled_text(options.validation_path, options.skip_malformed).examples;
    if (validation_examples.empty()) throw Error(options.validation_path + ": no examples");
  }

  std::vector<TokenizedText> train_tokens(train_examples.size());
  parallel_for(train_examples.size(), options.threads, [&](size_t i) {
    train_tokens[i] = tokenize(train_examples[i].text, options.tokenizer);
  });

  Model model;
  model.labels = labels;
  model.tokenizer = options.tokenizer;
  model.vocabulary = build_vocabulary(train_tokens, options);
  HanConfig config = options.architecture;
  config.vocab_size = static_cast<int>(model.vocabulary.size());
  config.num_labels = static_cast<int>(labels.size());
  model.params = make_han<float>(config);
  initialise(model.params, options.seed);
  say("vocabulary: " + std::to_string(model.vocabulary.size()) + " words (min count " +
      std::to_string(options.min_count) + "), " + std::to_string(han_parameter_count(config)) +
      " parameters");
  if (!options.pretrained_path.empty()) {
    const size_t found =
        load_pretrained(options.pretrained_path, model.vocabulary, model.params.embedding);
    say("pretrained vectors for " + std::to_string(found) + " words");
  }

  auto to_documents = [&](const std::vector<Example>& examples, const std::string& path,
                          const std::vector<TokenizedText>* tokens) {
    std::vector<LabelledDocument> docs(examples.size());
    parallel_for(examples.size(), options.threads, [&](size_t i) {
      docs[i].ids =
          model.to_ids(tokens ? (*tokens)[i] : tokenize(examples[i].text, options.tokenizer));
      docs[i].label = resolve_label(labels, examples[i], path);
    });
    return docs;
  };
  const std::vector<LabelledDocument> train_docs =
      to_documents(train_examples, options.train_path, &train_tokens);
  const std::vector<LabelledDocument> validation_docs = to_documents(
      validation_examples,
      options.validation_path.empty() ? options.train_path : options.validation_path, nullptr);
  train_tokens.clear();
  say("training on " + std::to_string(train_docs.size()) + " documents, validating on " +
      std::to_string(validation_docs.size()) + ", " + std::to_string(options.threads) +
      " thread(s)");

  const size_t threads = std::max<size_t>(1, std::min(options.threads, options.batch_size));
  HanGradients<float> total(config);
  std::vector<HanGradients<float>> parts(threads, HanGradients<float>(config));
  const std::vector<ParamSlot<float>> total_slots = han_param_slots(model.params, total);
  std::vector<std::vector<ParamSlot<float>>> part_slots;
  for (HanGradients<float>& part : parts) part_slots.push_back(han_param_slots(model.params, part));
  OptimizerConfig optimizer_config = options.optimizer;
  const size_t batches_per_epoch =
      (train_docs.size() + options.batch_size - 1) / options.batch_size;
  if (optimizer_config.schedule.kind == LearningRateSchedule::Kind::WarmupLinearDecay &&
      optimizer_config.schedule.total_steps == 0) {
    optimizer_config.schedule.total_steps =
        static_cast<int64_t>(batches_per_epoch * options.epochs);
  }
  Optimizer<float> optimizer(optimizer_config);

  TrainResult result;
  HanParams<float> best_params = model.params;
  double best_accuracy = -1;
  size_t epochs_without_improvement = 0;
  std::vector<size_t> order(train_docs.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = Clock::now();
    std::shuffle(order.begin(), order.end(), std::mt19937(mix_seed(options.seed, epoch, 0)));
    double loss_sum = 0;
    size_t correct = 0;
    for (size_t batch = 0; batch < batches_per_epoch; ++batch) {
      const size_t first = batch * options.batch_size;
      const size_t count = std::min(options.batch_size, train_docs.size() - first);
      std::vector<double> part_loss(threads, 0.0);
      std::vector<size_t> part_correct(threads, 0);
      parallel_for(threads, threads, [&](size_t t) {
        for (size_t k = count * t / threads; k < count * (t + 1) / threads; ++k) {
          const size_t index = order[first + k];
          const LabelledDocument& doc = train_docs[index];
          const HanCache<float> cache = han_forward_train(model.params, doc.ids, options.dropout,
                                                          mix_seed(options.seed, epoch, index + 1));
          RowVector<float> target = RowVector<float>::Zero(config.num_labels);
          target[static_cast<Eigen::Index>(doc.label)] = 1;
          part_loss[t] += han_backward(model.params, cache, target, parts[t]);
          Eigen::Index best;
          cache.output.probabilities.maxCoeff(&best);
          part_correct[t] += static_cast<size_t>(best) == doc.label;
        }
      });
      // Reduce in thread order, so the sum is the same on every run with this thread count.
      for (size_t t = 0; t < threads; ++t) {
        accumulate(total_slots, part_slots[t]);
        zero_gradients(part_slots[t]);
        loss_sum += part_loss[t];
        correct += part_correct[t];
      }
      scale_gradients(total_slots, 1.0f / static_cast<float>(count));  // mean over the batch
      optimizer.step(total_slots);
      zero_gradients(total_slots);
      if (callbacks.progress) {
        callbacks.progress(epoch, first + count, train_docs.size(),
                           loss_sum / static_cast<double>(first + count));
      }
    }

    EpochReport report;
    report.epoch = epoch;
    report.train_loss = loss_sum / static_cast<double>(train_docs.size());
    report.train_accuracy = static_cast<double>(correct) / static_cast<double>(train_docs.size());
    const Evaluation validation = evaluate(model.params, validation_docs, options.threads);
    report.validation_loss = validation.loss;
    report.validation_accuracy = validation.accuracy;
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.epochs.push_back(report);
    if (callbacks.epoch_done) callbacks.epoch_done(report);
    if (!std::isfinite(report.train_loss))
      throw Error("training diverged (the loss is not finite)");

    if (validation.accuracy > best_accuracy) {
      best_accuracy = validation.accuracy;
      best_params = model.params;
      result.best_epoch = epoch;
      epochs_without_improvement = 0;
    } else if (++epochs_without_improvement >= options.patience) {
      say("stopping early: no better validation accuracy for " + std::to_string(options.patience) +
          " epochs");
      break;
    }
  }

  model.params = best_params;
  model.set_golden_texts(golden_texts());
  nlohmann::json metadata =
      training_metadata(options, result, train_docs.size(), validation_docs.size());
  if (options.embedding_storage != StorageType::Float32) {
    // Rounding the embedding costs some accuracy: measure it on the same validation split.
    model = quantize(model, options.embedding_storage, false);
    const double stored = evaluate(model.params, validation_docs, options.threads).accuracy;
    metadata["embedding_storage"] = storage_name(options.embedding_storage);
    metadata["validation_accuracy_as_stored"] = stored;
    std::ostringstream message;
    message << "validation accuracy with the embedding stored as "
            << storage_name(options.embedding_storage) << ": " << stored
            << " (float32: " << result.epochs[result.best_epoch - 1].validation_accuracy << ")";
    say(message.str());
  }
  model.metadata_json = metadata.dump();
  result.model = std::move(model);
  return result;
}

}  // namespace han
