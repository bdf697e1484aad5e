#pragma once
// Work on several threads: parallel_for for one long parallel section, WorkerPool for many short
// ones.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace han {

inline size_t default_thread_count() {
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

// Runs fn(i) for i in [0, n) on `threads` threads, in contiguous blocks so the work each thread
// does is fixed by n and threads alone. The first exception thrown is rethrown.
template <typename Fn>
void parallel_for(size_t n, size_t threads, Fn&& fn) {
  threads = std::max<size_t>(1, std::min(threads, n));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (std::thread& w : workers) w.join();
  if (error) std::rethrow_exception(error);
}

// Threads kept from call to call, for parallel sections of a few milliseconds (a batch of
// documents): starting threads for each would cost their start and also restart the
// thread_local scratch of the ragged path from nothing every time.
class WorkerPool {
 public:
  // `threads` - 1 workers; the calling thread is the last one.
  explicit WorkerPool(size_t threads) {
    for (size_t t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    start_.notify_all();
    for (std::thread& w : workers_) w.join();
  }

  size_t size() const { return workers_.size() + 1; }

  // Calls fn(t) once for each t in [0, size()), fn(0) on the calling thread, and returns when all
  // have returned; the first exception thrown is rethrown, and the pool stays usable.
  void run(const std::function<void(size_t)>& fn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      pending_ = workers_.size();
      ++generation_;
    }
    start_.notify_all();
    try {
      fn(0);
    } catch (...) {
      record(std::current_exception());
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    std::exception_ptr error = error_;
    error_ = nullptr;
    lock.unlock();
    if (error) std::rethrow_exception(error);
  }

 private:
  void work(size_t t) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(size_t)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        job = job_;
      }
      try {
        (*job)(t);
      } catch (...) {
        record(std::current_exception());
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  void record(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = error;
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(size_t)>* job_ = nullptr;
  size_t pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace han
