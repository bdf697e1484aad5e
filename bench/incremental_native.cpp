// bench/incremental.mjs natively: re-prediction as the reader types, on the reference HAN.
//   han_incremental_bench DATA_DIR [ROUNDS]
// Prints a Markdown table of medians over ROUNDS interleaved rounds (median of 15 calls each):
// B from scratch on 1, 2 and 4 threads; an edit of one sentence of B and an appended sentence
// with the sentence cache holding B; A one document at a time with the sentence cache cold and
// warm (a fresh model, then the same again). The other models have the input projection cache,
// filled first, as after a warm-up.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/model_file.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

template <typename Fn>
double ms(Fn&& fn) {
  const Clock::time_point start = Clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

template <typename Fn>
double median_of_calls(Fn&& fn) {
  std::vector<double> times;
  for (int call = 0; call < 15; ++call) times.push_back(ms(fn));
  return median(times);
}

han::Model load(const std::string& path, size_t threads, size_t sentence_cache_bytes) {
  han::Model model = han::read_model_file(path);
  model.cache_input_projections();
  model.cache_sentences(sentence_cache_bytes);
  model.set_threads(threads);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: han_incremental_bench DATA_DIR [ROUNDS]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  std::ifstream in(dir + "/workloads.json");
  const nlohmann::json workloads = nlohmann::json::parse(in);
  std::vector<han::Document> a;
  for (const auto& doc : workloads["A"]) a.push_back(doc.get<han::Document>());
  const han::Document b = workloads["B"][0].get<han::Document>();
  const std::string path = dir + "/reference.han";

  std::map<size_t, han::Model> scratch;
  for (size_t threads : {1, 2, 4}) scratch.emplace(threads, load(path, threads, 0));
  han::Model incremental = load(path, 1, han::Model::kDefaultSentenceCacheBytes);
  const int32_t vocabulary = incremental.config().vocab_size;
  for (const han::Document& doc : a) {  // every word's projection cached, as after a warm-up
    for (auto& [threads, model] : scratch) model.predict_ids(doc);
    incremental.predict_ids(doc);
  }
  incremental.predict_ids(b);

  int32_t fresh = 2;  // a new word each call, so each call has one new sentence
  auto next_id = [&] { return fresh = (fresh * 7919 + 13) % (vocabulary - 2) + 2; };
  std::vector<std::pair<std::string, std::vector<double>>> rows = {
      {"B from scratch, 1 thread", {}},
      {"B from scratch, 2 threads", {}},
      {"B from scratch, 4 threads", {}},
      {"edit one sentence of B", {}},
      {"append a sentence to B", {}},
      {"A one at a time, a fresh model: caches cold (ms per document)", {}},
      {"A one at a time, again: every sentence cached (ms per document)", {}}};
  for (int r = 0; r < rounds; ++r) {
    size_t row = 0;
    for (auto& [threads, model] : scratch) {
      rows[row++].second.push_back(median_of_calls([&] { model.predict_ids(b); }));
    }
    rows[row++].second.push_back(median_of_calls([&] {
      han::Document edited = b;
      edited[30][12] = next_id();
      incremental.predict_ids(edited);
    }));
    rows[row++].second.push_back(median_of_calls([&] {
      han::Document appended = b;
      appended.emplace_back(30);
      for (int32_t& id : appended.back()) id = next_id();
      incremental.predict_ids(appended);
    }));
    han::Model cold = incremental;  // a fresh model: a copy starts without caches
    cold.cache_input_projections();
    cold.cache_sentences(size_t{64} << 20);  // all of A's sentences fit
    for (int pass = 0; pass < 2; ++pass) {
      const double total = ms([&] {
        for (const han::Document& doc : a) cold.predict_ids(doc);
      });
      rows[row++].second.push_back(total / static_cast<double>(a.size()));
    }
  }
  const double full = median(rows[0].second);
  std::printf("han native, %d rounds (median of 15 calls each, ms)\n", rounds);
  std::printf("| what | ms | x B from scratch on 1 thread | rounds |\n|---|---|---|---|\n");
  for (const auto& [name, values] : rows) {
    std::string list;
    for (double v : values) list += (list.empty() ? "" : ", ") + std::to_string(v).substr(0, 5);
    const double value = median(values);
    if (name.rfind("A ", 0) == 0) {
      std::printf("| %s | %.3f | | %s |\n", name.c_str(), value, list.c_str());
    } else {
      std::printf("| %s | %.3f | %.1f | %s |\n", name.c_str(), value, full / value, list.c_str());
    }
  }
  return 0;
}
