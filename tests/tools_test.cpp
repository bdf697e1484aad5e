// Dataset reading and classification metrics.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/parallel.h"
#include "io/model_file.h"
#include "tools/data_file.h"
#include "tools/word2vec.h"
#include "train/dataset.h"
#include "train/metrics.h"
#include "train/trainer.h"

namespace han {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& content, bool gzip = false) {
    char name[] = "/tmp/han_dataset_XXXXXX";
    const int fd = mkstemp(name);
    close(fd);
    path_ = name;
    if (gzip) {
      gzFile f = gzopen(path_.c_str(), "wb");
      gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
      gzclose(f);
    } else {
      std::ofstream(path_, std::ios::binary) << content;
    }
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string error_of(const std::string& path, bool skip = false) {
  try {
    read_labelled_text(path, skip);
  } catch (const Error& e) {
    return std::string(e.what()).substr(path.size());
  }
  return "";
}

TEST(Dataset, ReadsPlainAndGzipIdentically) {
  const std::string content = "1\tA fine film.\r\n0\tDull, with\ttabs.\n\npositive\tYes\n";
  for (bool gzip : {false, true}) {
    const TempFile file(content, gzip);
    const Dataset data = read_labelled_text(file.path());
    ASSERT_EQ(data.examples.size(), 3u);
    EXPECT_EQ(data.examples[0].label, "1");
    EXPECT_EQ(data.examples[0].text, "A fine film.");
    EXPECT_EQ(data.examples[1].text, "Dull, with\ttabs.");
    EXPECT_EQ(data.examples[2].label, "positive");
    EXPECT_EQ(data.examples[2].line, 4u);
  }
}

TEST(Dataset, MalformedLinesNameTheLineUnlessSkipped) {
  const TempFile no_tab("1\tgood\nno tab here\n");
  EXPECT_EQ(error_of(no_tab.path()),
            ":2: expected label<TAB>text, found no TAB (use --skip-malformed to pass over such "
            "lines)");
  const TempFile empty_label("\ttext\n");
  EXPECT_EQ(error_of(empty_label.path()).rfind(":1: the label is empty", 0), 0u);
  const TempFile empty_text("1\tok\n0\t\n1\tok\n");
  EXPECT_EQ(error_of(empty_text.path()).rfind(":2: the text is empty", 0), 0u);
  const Dataset skipped = read_labelled_text(empty_text.path(), true);
  EXPECT_EQ(skipped.examples.size(), 2u);
  EXPECT_EQ(skipped.skipped_lines, 1u);
  EXPECT_EQ(skipped.examples[1].line, 3u);
}

TEST(Dataset, MissingFileIsAnError) {
  EXPECT_THROW(read_labelled_text("/nonexistent/data.tsv"), Error);
}

TEST(Dataset, LabelsResolveByNameOrIndex) {
  const std::vector<std::string> labels = {"negative", "positive"};
  EXPECT_EQ(resolve_label(labels, {"positive", "", 1}, "f"), 1u);
  EXPECT_EQ(resolve_label(labels, {"0", "", 1}, "f"), 0u);
  try {
    resolve_label(labels, {"2", "", 7}, "f");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "f:7: unknown label '2' (the model's labels are negative, positive, or their "
                 "indices)");
  }
}

TEST(Metrics, MatchHandComputedValues) {
  // truth x predicted: [[5, 1], [2, 2]]
  ConfusionMatrix m(2);
  for (int i = 0; i < 5; ++i) m.add(0, 0);
  m.add(0, 1);
  m.add(1, 0);
  m.add(1, 0);
  m.add(1, 1);
  m.add(1, 1);
  EXPECT_DOUBLE_EQ(m.accuracy(), 0.7);
  EXPECT_DOUBLE_EQ(m.precision(0), 5.0 / 7);
  EXPECT_DOUBLE_EQ(m.recall(0), 5.0 / 6);
  EXPECT_DOUBLE_EQ(m.precision(1), 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall(1), 0.5);
  EXPECT_DOUBLE_EQ(m.f1(1), 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5));
  EXPECT_EQ(m.support(1), 4u);
  const std::string report = m.report({"neg", "pos"});
  EXPECT_EQ(report.substr(report.size() - 17), "accuracy: 0.7000\n");
}

TEST(Metrics, UndefinedRatiosAreZero) {
  ConfusionMatrix m(3);
  m.add(0, 0);
  EXPECT_EQ(m.precision(2), 0.0);
  EXPECT_EQ(m.recall(1), 0.0);
  EXPECT_EQ(m.f1(2), 0.0);
}

TEST(Parallel, VisitsEveryIndexOnceAndRethrows) {
  std::vector<int> visits(1000, 0);
  parallel_for(visits.size(), 3, [&](size_t i) { ++visits[i]; });
  for (int v : visits) EXPECT_EQ(v, 1);
  EXPECT_THROW(parallel_for(10, 2,
                            [](size_t i) {
                              if (i == 7) throw Error("seven");
                            }),
               Error);
}

TEST(Parallel, WorkerPoolRunsEachPartOncePerCallAndRethrows) {
  for (size_t threads : {1, 2, 3}) {
    WorkerPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<int> visits(threads, 0);
    std::set<std::thread::id> ran_on;
    std::mutex ran_on_mutex;
    for (int call = 0; call < 200; ++call) {
      pool.run([&](size_t part) {
        ++visits[part];
        // Long enough that the workers wake and claim parts, not only the caller.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::lock_guard<std::mutex> lock(ran_on_mutex);
        ran_on.insert(std::this_thread::get_id());
      });
    }
    for (int v : visits) EXPECT_EQ(v, 200);
    EXPECT_EQ(ran_on.size(), threads);
    EXPECT_THROW(pool.run([&](size_t part) {
      if (part == threads - 1) throw Error("last part");
    }),
                 Error);
    int after = 0;
    pool.run([&](size_t part) {
      if (part == 0) after = 1;
    });
    EXPECT_EQ(after, 1);  // still usable
    EXPECT_FALSE(pool.stalled());
  }
}

// What a part reads while the test holds it: outside the test's frame, which the stalled worker
// outlives.
std::atomic<bool> g_release_part{false}, g_part_held{false};
void hold_part() {
  g_part_held = true;
  while (!g_release_part) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// A worker that stops inside a part it claimed: the caller gives up after the stall wait, with
// WorkerStalled, and every later section runs on the caller alone.
TEST(Parallel, WorkerPoolGivesUpOnAWorkerStalledInItsPart) {
  {
    WorkerPool pool(2, std::chrono::milliseconds(200));
    const std::thread::id caller = std::this_thread::get_id();
    const auto started = std::chrono::steady_clock::now();
    try {
      pool.run([&](size_t) {
        if (std::this_thread::get_id() != caller) return hold_part();
        // The caller waits for the worker to take the other part, so that that one stalls.
        while (!g_part_held) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
      ADD_FAILURE() << "run returned while its worker was held";
    } catch (const WorkerStalled& stalled) {
      EXPECT_NE(std::string(stalled.what()).find("did not finish its part"), std::string::npos);
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    EXPECT_LT(waited, std::chrono::seconds(20));
    EXPECT_TRUE(pool.stalled());
    std::vector<std::thread::id> ran_on(2);
    pool.run([&](size_t part) { ran_on[part] = std::this_thread::get_id(); });
    EXPECT_EQ(ran_on[0], caller);
    EXPECT_EQ(ran_on[1], caller);
  }  // the destructor leaves the held worker behind instead of joining it
  g_release_part = true;
}

// Reviews made of filler words and one telling word; the label follows the telling word.
std::string toy_reviews(size_t count, unsigned seed) {
  const std::vector<std::string> filler = {"the", "film", "plot", "actor", "scene", "music",
                                           "was", "and",  "it",   "very",  "story", "end"};
  const std::vector<std::string> good = {"great", "superb", "moving"};
  const std::vector<std::string> bad = {"awful", "boring", "dreadful"};
  std::mt19937 rng(seed);
  std::ostringstream out;
  for (size_t i = 0; i < count; ++i) {
    const bool positive = rng() % 2;
    out << (positive ? "positive" : "negative") << "\t";
    const size_t sentences = 1 + rng() % 3;
    const size_t telling_sentence = rng() % sentences;
    for (size_t s = 0; s < sentences; ++s) {
      const size_t words = 3 + rng() % 6;
      const size_t telling_word = rng() % words;
      for (size_t w = 0; w < words; ++w) {
        if (s == telling_sentence && w == telling_word) {
          const auto& pool = positive ? good : bad;
          out << pool[rng() % pool.size()];
        } else {
          out << filler[rng() % filler.size()];
        }
        out << (w + 1 < words ? " " : ". ");
      }
    }
    out << "\n";
  }
  return out.str();
}

TrainOptions toy_options() {
  TrainOptions o;
  o.validation_split = 0.2;
  o.min_count = 1;
  o.architecture.embedding_dim = 8;
  o.architecture.word_encoder = {CellType::Gru,     6,    true,
                                 MergeMode::Concat, true, Activation::Sigmoid};
  o.architecture.sentence_encoder = {CellType::Lstm,    5,    true,
                                     MergeMode::Concat, true, Activation::Sigmoid};
  o.architecture.word_attention = {7, true, Activation::Tanh};
  o.architecture.sentence_attention = {4, true, Activation::Tanh};
  o.optimizer.learning_rate = 0.01;
  o.batch_size = 16;
  o.epochs = 8;
  o.patience = 8;
  o.threads = 2;
  o.seed = 5;
  return o;
}

TrainResult train_file(const std::string& path, const TrainOptions& options) {
  return train_han(read_train_data(path), options);
}

TEST(Trainer, LearnsWhichWordDecidesAndAttendsToIt) {
  const TempFile data(toy_reviews(400, 1));
  const TrainResult result = train_file(data.path(), toy_options());
  const EpochReport& best = result.epochs[result.best_epoch - 1];
  EXPECT_GE(best.validation_accuracy, 0.95);
  EXPECT_LT(result.epochs.back().train_loss, result.epochs.front().train_loss);
  const Model& model = result.model;
  EXPECT_EQ(model.labels, (std::vector<std::string>{"negative", "positive"}));
  const Prediction p = model.predict("the plot was superb and the music very nice.");
  EXPECT_EQ(model.labels[p.label], "positive");
  // The telling word carries the most attention in its sentence.
  const auto& words = p.sentences[0].words;
  const auto top = std::max_element(
      words.begin(), words.end(), [](const auto& a, const auto& b) { return a.weight < b.weight; });
  EXPECT_EQ(top->text, "superb");
  // The golden cases are the trainer's own texts and they verify after a round trip.
  EXPECT_EQ(model.golden_cases.size(), golden_texts().size());
  const std::vector<uint8_t> bytes = write_model(model);
  EXPECT_NO_THROW(read_model(bytes.data(), bytes.size()));
}

TEST(Trainer, SameSeedAndThreadsGiveTheSameModel) {
  const TempFile data(toy_reviews(120, 2));
  TrainOptions options = toy_options();
  options.epochs = 2;
  options.dropout = {0.3, 0.3};
  const std::vector<uint8_t> first = write_model(train_file(data.path(), options).model);
  EXPECT_EQ(write_model(train_file(data.path(), options).model), first);
  options.seed = 6;
  EXPECT_NE(write_model(train_file(data.path(), options).model), first);
}

TEST(Trainer, BadSettingsAreClearErrors) {
  const TempFile data("positive\tgood film\n");
  TrainOptions options = toy_options();
  options.batch_size = 0;
  EXPECT_THROW(train_file(data.path(), options), Error);
  options = toy_options();
  EXPECT_THROW(train_file(data.path(), options), Error);  // one label only
}

// Fine-tuning on reviews whose labels are swapped: every weight learns and the vocabulary stays;
// with output_layer_only the other weights stay bit for bit, and the loss still falls.
TEST(Trainer, FineTunesEveryWeightOrTheOutputLayerOnly) {
  TrainOptions options = toy_options();
  options.epochs = 3;
  const Model start = train_file(TempFile(toy_reviews(300, 1)).path(), options).model;
  std::string swapped = toy_reviews(200, 2);
  for (size_t at = 0; (at = swapped.find("tive\t", at)) != std::string::npos; at += 5) {
    const size_t line = swapped.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
    const bool positive = swapped.compare(line, 8, "positive") == 0;
    swapped.replace(line, 8, positive ? "negative" : "positive");
  }
  const TempFile data(swapped);
  options.start_from = &start;
  options.min_count = 100;  // unused: the start's vocabulary is kept
  const TrainResult all = train_file(data.path(), options);
  EXPECT_EQ(all.model.vocabulary.size(), start.vocabulary.size());
  EXPECT_EQ(all.model.labels, start.labels);
  EXPECT_FALSE(all.model.params.embedding.isApprox(start.params.embedding));
  EXPECT_LT(all.epochs.back().train_loss, all.epochs.front().train_loss);

  options.output_layer_only = true;
  const TrainResult head = train_file(data.path(), options);
  auto weights = [](HanParams<float> params) {
    std::map<std::string, Matrix<float>> named;
    visit_han_params(params,
                     [&](const std::string& name, Matrix<float>& m, bool) { named[name] = m; });
    return named;
  };
  const auto before = weights(start.params);
  size_t unchanged = 0, changed = 0;
  for (const auto& [name, m] : weights(head.model.params)) {
    if (name.rfind("output", 0) == 0) {
      changed += m != before.at(name);
    } else {
      EXPECT_TRUE(m == before.at(name)) << name;
      ++unchanged;
    }
  }
  EXPECT_GT(unchanged, 10u);
  EXPECT_EQ(changed, 2u);  // the output kernel and bias
  EXPECT_LT(head.epochs.back().train_loss, head.epochs.front().train_loss);

  options.start_from = nullptr;
  EXPECT_THROW(train_file(data.path(), options), Error);  // nothing to fine-tune
}

// Documents that each use the words of one topic only.
std::string topic_documents(size_t count, unsigned seed) {
  const std::vector<std::vector<std::string>> topics = {
      {"goal", "match", "keeper", "striker", "league"},
      {"violin", "cello", "sonata", "concerto", "orchestra"}};
  std::mt19937 rng(seed);
  std::string text;
  for (size_t d = 0; d < count; ++d) {
    const auto& topic = topics[d % 2];
    for (int w = 0; w < 12; ++w) text += topic[rng() % topic.size()] + (w % 4 == 3 ? ". " : " ");
    text += "\n";
  }
  return text;
}

double cosine(const WordVectors& v, const std::string& a, const std::string& b) {
  auto row = [&](const std::string& w) {
    return v.vectors.row(std::find(v.words.begin(), v.words.end(), w) - v.words.begin());
  };
  return row(a).dot(row(b)) / (row(a).norm() * row(b).norm());
}

TEST(Word2Vec, WordsOfOneTopicEndUpCloser) {
  const TempFile data(topic_documents(400, 3), true);
  Word2VecOptions options;
  options.dimension = 16;
  options.epochs = 5;
  options.min_count = 1;
  options.subsample = 0;
  const Corpus corpus = read_corpus({data.path()}, options.tokenizer, 2);
  EXPECT_EQ(corpus.documents.size(), 400u);
  EXPECT_EQ(corpus.words.size(), 10u);
  const WordVectors vectors = train_word2vec(corpus, options, {});
  ASSERT_EQ(vectors.words.size(), 10u);
  EXPECT_GT(cosine(vectors, "goal", "striker"), cosine(vectors, "goal", "violin") + 0.3);
  EXPECT_GT(cosine(vectors, "cello", "sonata"), cosine(vectors, "cello", "keeper") + 0.3);
  // Single-threaded: the same seed gives the same vectors.
  EXPECT_EQ(train_word2vec(corpus, options, {}).vectors, vectors.vectors);
}

TEST(Word2Vec, VectorsSeedTheEmbeddingOfTrain) {
  const TempFile data(toy_reviews(60, 4));
  WordVectors vectors;
  vectors.words = {"great", "awful"};
  vectors.vectors = Matrix<float>::Constant(2, 8, 0.25f);
  vectors.vectors.row(1).setConstant(-0.5f);
  const TempFile vector_file("");
  write_word_vectors(vectors, vector_file.path());
  TrainOptions options = toy_options();
  options.pretrained_path = vector_file.path();
  options.epochs = 1;
  options.optimizer.learning_rate = 1e-9;  // leave the embedding where it started
  const Model model = train_file(data.path(), options).model;
  const Matrix<float>& embedding = model.params.embedding;
  EXPECT_NEAR(embedding(model.vocabulary.id("great"), 3), 0.25f, 1e-6);
  EXPECT_NEAR(embedding(model.vocabulary.id("awful"), 7), -0.5f, 1e-6);
  options.architecture.embedding_dim = 9;
  EXPECT_THROW(train_file(data.path(), options), Error);  // 8 values per word, the embedding has 9
}

}  // namespace
}  // namespace han
