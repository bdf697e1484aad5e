#pragma once
// Training a HAN on labelled text: vocabulary, split, initialisation, data-parallel mini-batches,
// validation, early stopping, or fine-tuning a model already trained. Deterministic for a given
// seed and thread count. Reads no files (tools/data_file.h does, natively), so it also runs in the
// trainer's WebAssembly build, one mini-batch per call of Trainer::step.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "train/dataset.h"
#include "train/han_train.h"
#include "train/optimizer.h"

namespace han {

// The labelled examples to learn from, and what to call them in messages and in the model's
// metadata (a file name, say).
struct TrainData {
  Dataset train;
  Dataset validation;  // no examples: hold out TrainOptions::validation_split of `train`
  std::string train_name = "training data";
  std::string validation_name = "validation data";
};

// The network han train and train() build from their sizes: bidirectional encoders of `cell`
// with the directions concatenated (GRUs with reset_after), tanh attention with a bias at both
// levels; vocab_size and num_labels are left for the data to fill in.
inline HanConfig han_architecture(CellType cell, int embedding_dim, int word_units,
                                  int sentence_units, int attention_units) {
  const auto encoder = [cell](int units) {
    return EncoderConfig{cell, units, true, MergeMode::Concat, true, Activation::Sigmoid};
  };
  HanConfig config;
  config.embedding_dim = embedding_dim;
  config.word_encoder = encoder(word_units);
  config.sentence_encoder = encoder(sentence_units);
  config.word_attention = {attention_units, true, Activation::Tanh};
  config.sentence_attention = {attention_units, true, Activation::Tanh};
  return config;
}

struct TrainOptions {
  double validation_split = 0.1;    // fraction, taken after a seeded shuffle
  std::vector<std::string> labels;  // names of labels 0, 1, ...; empty: the data's, sorted
  size_t limit = 0;                 // use only the first `limit` training examples (0: all)

  // Fine-tuning: start from this model's weights, keeping its vocabulary, tokenizer and labels
  // (the data's labels must be among them); `architecture`, the vocabulary settings and the
  // pretrained vectors are then unused. Only the output layer learns with output_layer_only.
  const Model* start_from = nullptr;
  bool output_layer_only = false;

  size_t min_count = 2;  // a word needs this many occurrences in the training split
  size_t max_vocabulary = 30000;
  TokenizerConfig tokenizer;

  HanConfig architecture;       // vocab_size and num_labels are filled in from the data
  std::string pretrained_path;  // optional word vectors, text format "word v1 v2 ..."

  OptimizerConfig optimizer;
  HanDropout dropout;
  size_t batch_size = 32;
  size_t epochs = 10;
  size_t patience = 2;  // stop after this many epochs without a better validation accuracy
  size_t threads = 1;
  uint32_t seed = 1;
  StorageType embedding_storage = StorageType::Float32;
  std::string trained_with = "han train";  // what made the model, for its metadata
};

struct EpochReport {
  size_t epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double validation_loss = 0, validation_accuracy = 0;
  double seconds = 0;
};

// Called with (documents done, documents in the epoch) during an epoch, and once per finished
// epoch with its report.
struct TrainCallbacks {
  std::function<void(size_t epoch, size_t done, size_t total, double loss)> progress;
  std::function<void(const EpochReport&)> epoch_done;
  std::function<void(const std::string&)> message;
};

struct TrainResult {
  Model model;  // the parameters of the best validation epoch, golden cases embedded
  std::vector<EpochReport> epochs;
  size_t best_epoch = 0;
};

// Training one mini-batch at a time, so that a caller can report, yield or cancel in between.
class Trainer {
 public:
  // Checks the options, splits, tokenizes and initialises; throws han::Error on bad data or
  // settings.
  Trainer(TrainData data, const TrainOptions& options, TrainCallbacks callbacks = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Runs the next mini-batch (and, after an epoch's last, validation and early stopping).
  // Returns false once training is over; then finish() gives the result.
  bool step();
  bool done() const;
  size_t epoch() const;              // 1-based: the epoch step() runs next (or ran last)
  size_t batch() const;              // mini-batches of that epoch done
  size_t batches_per_epoch() const;  // of the training split
  double epoch_loss() const;         // mean training loss of the epoch's batches done so far
  double epoch_accuracy() const;     // and their accuracy (dropout on, as they were trained)
  const std::vector<EpochReport>& epochs() const;  // the epochs finished
  size_t train_size() const;
  size_t validation_size() const;

  // The parameters of the best validation epoch, golden cases embedded; once, after done().
  TrainResult finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Trainer::step until done, then finish.
TrainResult train_han(TrainData data, const TrainOptions& options,
                      const TrainCallbacks& callbacks = {});

// Texts of our own whose predictions every trained model stores as its golden cases.
const std::vector<std::string>& golden_texts();

}  // namespace han
