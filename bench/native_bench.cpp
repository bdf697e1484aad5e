// The native library on the benchmark's workloads (docs/benchmarks.md):
//   han_native_bench DATA_DIR [REPEATS] [cold|nocache|warm]
// DATA_DIR is what han_reference_model wrote. Prints one JSON object per row (bench/run.mjs
// reads them; warm has one for 1 and one for 2 threads, the others 1 thread): documents per
// second on workload A in batches of 32 and one at a time, the latency on B (medians of
// wall-clock and of CPU time), in cold mode the load and the first document, and the
// probabilities of every document. The protocol and its modes are bench/systems/measure.mjs's.
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "io/model_file.h"

namespace {

using Clock = std::chrono::steady_clock;

// The instruction set the kernels use (src/kernels/simd.h).
#if defined(__AVX__) && defined(__FMA__)
constexpr const char* kBackend = "C++, AVX2 + FMA";
#elif defined(__SSE2__)
constexpr const char* kBackend = "C++, SSE2";
#else
constexpr const char* kBackend = "C++, scalar";
#endif

std::vector<han::Document> read_documents(const nlohmann::json& list) {
  std::vector<han::Document> docs;
  for (const auto& doc : list) docs.push_back(doc.get<han::Document>());
  return docs;
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Wall-clock and CPU seconds (of every thread of the process) of fn().
struct Timing {
  double wall, cpu;
};

template <typename Fn>
Timing timed(Fn&& fn) {
  const double cpu = cpu_seconds();
  const Clock::time_point start = Clock::now();
  fn();
  return {std::chrono::duration<double>(Clock::now() - start).count(), cpu_seconds() - cpu};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

long file_size(const std::string& path) {
  struct stat s {};
  return stat(path.c_str(), &s) == 0 ? static_cast<long>(s.st_size) : -1;
}

// The number of words of each document (padding included), what the work of a document is
// proportional to.
size_t word_count(const han::Document& doc) {
  size_t words = 0;
  for (const std::vector<int32_t>& sentence : doc) words += sentence.size();
  return words;
}

// Runs documents with the model's input projection cache, if it has one:
// a batch is split into one contiguous part per thread of a pool with about as many words in
// each, and each part runs as one ragged batch (han_forward_batch).
class Runner {
 public:
  Runner(const han::Model& model, size_t threads) : model_(model), pool_(threads) {}

  // The probabilities of docs[first, first + count), written to out[first, ...).
  void batch(const std::vector<han::Document>& docs, size_t first, size_t count,
             std::vector<std::vector<float>>& out) {
    const size_t parts = std::min(pool_.size(), count);
    // Part k ends at the first document where the running word count reaches k + 1 parts' share.
    std::vector<size_t> ends;
    size_t total = 0, running = 0;
    for (size_t d = first; d < first + count; ++d) total += word_count(docs[d]);
    for (size_t d = first; d < first + count && ends.size() + 1 < parts; ++d) {
      running += word_count(docs[d]);
      if (running * parts >= total * (ends.size() + 1)) ends.push_back(d + 1);
    }
    ends.push_back(first + count);
    pool_.run([&](size_t part) {
      if (part >= parts) return;
      const size_t begin = part == 0 ? first : ends[part - 1], end = ends[part];
      const std::vector<han::Document> slice(docs.begin() + begin, docs.begin() + end);
      const std::vector<han::HanOutput<float>> results =
          han::han_forward_batch(model_.params, slice, {model_.projection_cache.value.get()});
      for (size_t i = 0; i < results.size(); ++i) {
        const han::RowVector<float>& p = results[i].probabilities;
        out[begin + i].assign(p.data(), p.data() + p.size());
      }
    });
  }

  std::vector<float> one(const han::Document& doc) const {
    const han::RowVector<float> p = model_.predict_ids(doc).probabilities;
    return {p.data(), p.data() + p.size()};
  }

 private:
  const han::Model& model_;
  han::WorkerPool pool_;
};

// measure.mjs's protocol on `threads` threads. `load` gives a freshly read model; in warm and
// nocache mode `shared` is the model all thread counts use instead.
nlohmann::json measure(const std::function<han::Model()>& load, han::Model* shared,
                       const std::string& mode, size_t threads, const std::vector<han::Document>& a,
                       const han::Document& b, int repeats) {
  constexpr size_t kBatch = 32;
  const bool cold = mode == "cold";
  std::optional<han::Model> fresh;
  std::vector<Timing> loads;
  auto reload = [&] {
    fresh.reset();
    loads.push_back(timed([&] { fresh.emplace(load()); }));
  };
  std::vector<std::vector<float>> probabilities(a.size());
  std::optional<Timing> first_doc;
  auto model = [&]() -> const han::Model& { return cold ? *fresh : *shared; };
  auto batches = [&](Runner& runner) {
    for (size_t first = 0; first < a.size(); first += kBatch) {
      runner.batch(a, first, std::min(kBatch, a.size() - first), probabilities);
    }
  };
  if (cold) {
    reload();
    Runner runner(model(), threads);
    first_doc = timed([&] { runner.batch(a, 0, 1, probabilities); });
  } else {
    Runner runner(model(), threads);
    batches(runner);  // warm-up, as bench/systems/measure.mjs does
    runner.one(b);
  }
  std::vector<Timing> batched, single, latency;
  for (int r = 0; r < repeats; ++r) {
    if (cold) reload();
    Runner first(model(), threads);
    batched.push_back(timed([&] { batches(first); }));
    if (cold) reload();
    Runner runner(model(), threads);
    single.push_back(timed([&] {
      for (size_t d = 0; d < a.size(); ++d) runner.batch(a, d, 1, probabilities);
    }));
    for (int k = 0; k < 5; ++k) {
      if (cold) reload();
      Runner one(model(), threads);
      latency.push_back(timed([&] { one.one(b); }));
    }
  }
  auto rate = [&](const std::vector<Timing>& runs, double Timing::*clock) {
    std::vector<double> rates;
    for (const Timing& t : runs) rates.push_back(static_cast<double>(a.size()) / (t.*clock));
    return median(rates);
  };
  auto milliseconds = [&](const std::vector<Timing>& runs, double Timing::*clock) {
    std::vector<double> values;
    for (const Timing& t : runs) values.push_back((t.*clock) * 1e3);
    return median(values);
  };
  auto fields = [&](double Timing::*clock) {
    nlohmann::json f = {{"batch_docs_per_s", rate(batched, clock)},
                        {"single_docs_per_s", rate(single, clock)},
                        {"latency_b_ms", milliseconds(latency, clock)},
                        {"first_doc_ms", nullptr},
                        {"load_ms", nullptr}};
    if (cold) {
      f["first_doc_ms"] = (*first_doc).*clock * 1e3;
      // The process's first load is left out, as in measure.mjs.
      f["load_ms"] = milliseconds(std::vector<Timing>(loads.begin() + 1, loads.end()), clock);
    }
    return f;
  };
  nlohmann::json result = {
      {"system", "han native"},
      {"backend", kBackend},
      {"threads", threads},
      {"mode", cold                ? "cold"
               : mode == "nocache" ? "cache off"
                                   : "warm"},
  };
  result.update(fields(&Timing::wall));
  result["cpu"] = fields(&Timing::cpu);
  result["probabilities"] = {{"A", probabilities}, {"B", {Runner(model(), threads).one(b)}}};
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 5) {
    std::cerr << "usage: han_native_bench DATA_DIR [REPEATS] [cold|nocache|warm] [MODEL]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int repeats = argc >= 3 ? std::max(1, std::atoi(argv[2])) : 5;
  const std::string mode = argc >= 4 ? argv[3] : "warm";
  // reference.han, or reference-int8.han: the rows "han native int8".
  const std::string model_path = dir + "/" + (argc == 5 ? argv[4] : "reference.han");
  if (mode != "cold" && mode != "nocache" && mode != "warm") {
    std::cerr << "han_native_bench: unknown mode " << mode << " (known: cold, nocache, warm)\n";
    return 2;
  }
  try {
    // A model as the CLI and the package load it: without the cache in nocache mode only.
    auto load = [&] {
      han::Model model = han::read_model_file(model_path);
      if (mode != "nocache") model.cache_input_projections();
      return model;
    };
    const bool int8 =
        han::read_model_file(model_path, {false, {}}).compute() == han::ComputeType::Int8;
    std::ifstream in(dir + "/workloads.json");
    const nlohmann::json workloads = nlohmann::json::parse(in);
    const std::vector<han::Document> a = read_documents(workloads.at("A"));
    const std::vector<han::Document> b = read_documents(workloads.at("B"));
    std::optional<han::Model> shared;
    if (mode != "cold") shared.emplace(load());
    const std::vector<size_t> thread_counts =
        mode == "warm" ? std::vector<size_t>{1, 2} : std::vector<size_t>{1};
    for (size_t threads : thread_counts) {
      nlohmann::json result =
          measure(load, shared ? &*shared : nullptr, mode, threads, a, b[0], repeats);
      if (int8) result["system"] = "han native int8";
      result["runtime_bytes"] = file_size("/proc/self/exe");
      result["model_bytes"] = file_size(model_path);
      std::cout << result.dump() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "han_native_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
