#pragma once
// The word level's result of recently seen sentences, for incremental re-prediction: the word
// encoder and word attention of a sentence depend on its own word ids only, so a document that
// repeats a sentence seen before (an edit changes one sentence of a review; a batch repeats
// boilerplate) needs only its new sentences encoded, and the sentence level run again.
//
// Exact: the ragged path computes each sentence with the same instructions whatever else is in
// its batch (every product sums in a fixed order per element), so a cached result is bit for bit
// what encoding the sentence again would give. Only valid while the weights stay as they were.
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace han {

// The word level of one sentence: its vector (the word attention's pooled output) and the
// attention weight of each real (non-padding) word, in order.
struct EncodedSentence {
  std::vector<float> vector;
  std::vector<float> weights;
};

// A least-recently-used map from a sentence's real word ids to its EncodedSentence, bounded by
// the bytes it holds (keys, values and bookkeeping). Safe to use from several threads.
class SentenceCache {
 public:
  explicit SentenceCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  SentenceCache(const SentenceCache&) = delete;
  SentenceCache& operator=(const SentenceCache&) = delete;

  // Copies the sentence's result to `out` and marks it most recently used; false if absent.
  bool find(const std::vector<int32_t>& ids, EncodedSentence& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(ids);
    if (it == index_.end()) return false;
    entries_.splice(entries_.begin(), entries_, it->second);
    out = it->second->value;
    return true;
  }

  // Adds (or refreshes) a sentence, then drops the least recently used ones until the cache
  // fits its bound; a sentence larger than the whole bound is not kept.
  void insert(const std::vector<int32_t>& ids, const EncodedSentence& value) {
    const size_t bytes = entry_bytes(ids, value);
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(ids); it != index_.end()) erase(it->second);
    if (bytes > max_bytes_) return;
    entries_.push_front({ids, value, bytes});
    index_.emplace(entries_.front().ids, entries_.begin());
    bytes_ += bytes;
    while (bytes_ > max_bytes_) erase(std::prev(entries_.end()));
  }

  size_t bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }
  size_t max_bytes() const { return max_bytes_; }

  // What an entry costs: its floats and ids, and a fixed allowance for the list node, the index
  // node and the vectors' headers and allocations.
  static size_t entry_bytes(const std::vector<int32_t>& ids, const EncodedSentence& value) {
    constexpr size_t kOverhead = 160;
    return 2 * ids.size() * sizeof(int32_t) +
           (value.vector.size() + value.weights.size()) * sizeof(float) + kOverhead;
  }

 private:
  struct Entry {
    std::vector<int32_t> ids;
    EncodedSentence value;
    size_t bytes;
  };
  struct IdsHash {
    size_t operator()(const std::vector<int32_t>& ids) const {
      uint64_t h = 1469598103934665603ull;  // FNV-1a over the ids
      for (int32_t id : ids) h = (h ^ static_cast<uint32_t>(id)) * 1099511628211ull;
      return static_cast<size_t>(h);
    }
  };
  using Entries = std::list<Entry>;

  void erase(Entries::iterator entry) {
    bytes_ -= entry->bytes;
    index_.erase(entry->ids);
    entries_.erase(entry);
  }

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  Entries entries_;  // most recently used first
  std::unordered_map<std::vector<int32_t>, Entries::iterator, IdsHash> index_;
  size_t bytes_ = 0;
};

}  // namespace han
