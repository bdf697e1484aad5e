#pragma once
// Training a HAN on labelled text: vocabulary, split, initialisation, data-parallel mini-batches,
// validation, early stopping. Deterministic for a given seed and thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "model/han_train.h"
#include "tools/dataset.h"
#include "train/optimizer.h"

namespace han {

struct TrainOptions {
  std::string train_path;
  std::string validation_path;    // empty: hold out validation_split of the training data
  double validation_split = 0.1;  // fraction, taken after a seeded shuffle
  bool skip_malformed = false;
  std::vector<std::string> labels;  // names of labels 0, 1, ...; empty: the data's, sorted
  size_t limit = 0;                 // use only the first `limit` training lines (0: all)

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

TrainResult train_han(const TrainOptions& options, const TrainCallbacks& callbacks);

// Texts of our own whose predictions every trained model stores as its golden cases.
const std::vector<std::string>& golden_texts();

}  // namespace han
