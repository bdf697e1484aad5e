// The trainer's Embind layer (the train variant only): a training run over labelled text that
// web/src/train.js advances a few mini-batches at a time, so that a worker can report progress
// and honour a cancel between calls. Like han_bindings.cpp, every call returns {value} or
// {error: message}.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <nlohmann/json.hpp>

#include "outcome.h"

#include "core/error.h"
#include "io/model_file.h"
#include "train/dataset.h"
#include "train/trainer.h"

namespace {

using emscripten::val;
using han::bindings::copy_from_js;
using han::bindings::outcome;
using nlohmann::json;

// The options of web/src/train.js, every one present and already checked there (names and ranges
// as han train's flags).
han::TrainOptions train_options(const json& o) {
  han::TrainOptions options;
  options.validation_split = o.at("validationSplit").get<double>();
  options.labels = o.at("labels").get<std::vector<std::string>>();
  options.limit = o.at("limit").get<size_t>();
  options.min_count = o.at("minCount").get<size_t>();
  options.max_vocabulary = o.at("maxVocabulary").get<size_t>();
  options.tokenizer.max_sentences = o.at("maxSentences").get<size_t>();
  options.tokenizer.max_words_per_sentence = o.at("maxWords").get<size_t>();
  const han::CellType cell =
      o.at("cell").get<std::string>() == "lstm" ? han::CellType::Lstm : han::CellType::Gru;
  options.architecture =
      han::han_architecture(cell, o.at("embeddingDim").get<int>(), o.at("wordUnits").get<int>(),
                            o.at("sentenceUnits").get<int>(), o.at("attentionUnits").get<int>());
  options.optimizer.method = o.at("optimizer").get<std::string>() == "sgd"
                                 ? han::OptimizerMethod::Sgd
                                 : han::OptimizerMethod::Adam;
  options.optimizer.learning_rate = o.at("learningRate").get<double>();
  options.optimizer.momentum = o.at("momentum").get<double>();
  options.optimizer.clip_norm = o.at("clip").get<double>();
  options.optimizer.weight_decay = o.at("l2").get<double>();
  const double dropout = o.at("dropout").get<double>();
  options.dropout = {dropout, dropout};
  options.epochs = o.at("epochs").get<size_t>();
  options.patience = o.at("patience").get<size_t>();
  options.batch_size = o.at("batchSize").get<size_t>();
  options.seed = o.at("seed").get<uint32_t>();
  options.embedding_storage = han::parse_storage(o.at("embeddingStorage").get<std::string>());
  options.output_layer_only = o.at("outputLayerOnly").get<bool>();
  options.trained_with = "han-wasm train()";
  options.threads = 1;
  return options;
}

val epoch_to_js(const han::EpochReport& report) {
  val object = val::object();
  object.set("epoch", report.epoch);
  object.set("loss", report.train_loss);
  object.set("accuracy", report.train_accuracy);
  object.set("validationLoss", report.validation_loss);
  object.set("validationAccuracy", report.validation_accuracy);
  object.set("seconds", report.seconds);
  return object;
}

class TrainingRun {
 public:
  // data: a Uint8Array of `label<TAB>text` lines; options: train_options' JSON; start: a model
  // file's Uint8Array to fine-tune, or null.
  TrainingRun(const val& data, const std::string& options_json, const val& start,
              const std::string& name) {
    const json o = json::parse(options_json);
    han::TrainOptions options = train_options(o);
    if (!start.isNull()) {
      const std::vector<uint8_t> bytes = copy_from_js<uint8_t>(start);
      start_ = std::make_unique<han::Model>(han::read_model(bytes.data(), bytes.size()));
      options.start_from = start_.get();
    }
    han::TrainData train_data;
    {
      const std::vector<uint8_t> content = copy_from_js<uint8_t>(data);
      train_data.train = han::parse_labelled_text(
          std::string_view(reinterpret_cast<const char*>(content.data()), content.size()), name,
          o.at("skipMalformed").get<bool>(), "{ skipMalformed: true }");
    }
    train_data.train_name = name;
    han::TrainCallbacks callbacks;
    callbacks.message = [messages = messages_](const std::string& message) {
      messages->push_back(message);
    };
    trainer_ = std::make_unique<han::Trainer>(std::move(train_data), options, callbacks);
  }

  // Runs up to `batches` mini-batches (at least one), fewer if training ends. web/src/train.js
  // picks the count that takes a slice of time: a clock read here would make the Node and web
  // builds' .wasm files differ.
  val step(size_t batches) {
    return outcome([&] {
      for (size_t b = 0; b < std::max<size_t>(batches, 1) && trainer_->step(); ++b) {
      }
      return progress();
    });
  }

  // The model of the best validation epoch as a .han file's bytes, once training is over.
  val finish() {
    return outcome([&] {
      const han::TrainResult result = trainer_->finish();
      const std::vector<uint8_t> file = han::write_model(result.model);
      val object = val::object();
      object.set(
          "bytes",
          val::global("Uint8Array").new_(emscripten::typed_memory_view(file.size(), file.data())));
      object.set("bestEpoch", result.best_epoch);
      object.set("metadata", result.model.metadata_json);
      return object;
    });
  }

 private:
  val progress() {
    val object = val::object();
    object.set("done", trainer_->done());
    object.set("epoch", trainer_->epoch());
    object.set("batch", trainer_->batch());
    object.set("batches", trainer_->batches_per_epoch());
    object.set("loss", trainer_->epoch_loss());
    object.set("accuracy", trainer_->epoch_accuracy());
    object.set("trainSize", trainer_->train_size());
    object.set("validationSize", trainer_->validation_size());
    val epochs = val::array();
    for (const han::EpochReport& report : trainer_->epochs()) {
      epochs.call<void>("push", epoch_to_js(report));
    }
    object.set("epochs", epochs);
    val messages = val::array();
    for (const std::string& message : *messages_) messages.call<void>("push", message);
    messages_->clear();
    object.set("messages", messages);
    return object;
  }

  // On the heap, so that their addresses, which the trainer keeps, survive Embind's move.
  std::unique_ptr<han::Model> start_;  // the model fine-tuned
  std::shared_ptr<std::vector<std::string>> messages_ =
      std::make_shared<std::vector<std::string>>();
  std::unique_ptr<han::Trainer> trainer_;
};

val start_training(const val& data, const std::string& options_json, const val& start,
                   const std::string& name) {
  return outcome([&] { return val(TrainingRun(data, options_json, start, name)); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(han_train) {
  emscripten::class_<TrainingRun>("TrainingRun")
      .function("step", &TrainingRun::step)
      .function("finish", &TrainingRun::finish);
  emscripten::function("startTraining", &start_training);
}
