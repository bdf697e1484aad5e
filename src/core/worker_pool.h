#pragma once
// Threads kept between parallel sections: the core's predictions (Model::set_threads) and the
// native tools run batches on them.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace han {

// Threads kept from call to call, for parallel sections of a few milliseconds (a batch of
// documents): starting threads for each would cost their start and also restart the
// thread_local scratch of the ragged path from nothing every time.
class WorkerPool {
 public:
  // `threads` - 1 workers; the calling thread is the last one.
  // A thread that cannot start (std::system_error: in the threads .wasm, no Web Worker free) ends
  // the ones started before it and is rethrown: a destroyed joinable thread would terminate.
  explicit WorkerPool(size_t threads) {
    try {
      for (size_t t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
    } catch (...) {
      stop();
      throw;
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { stop(); }

  size_t size() const { return workers_.size() + 1; }

  // Calls fn(t) once for each t in [0, size()), fn(0) on the calling thread, and returns when all
  // have returned; the first exception thrown is rethrown, and the pool stays usable. Calls from
  // several threads take their turns.
  void run(const std::function<void(size_t)>& fn) {
    std::lock_guard<std::mutex> turn(run_mutex_);
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
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    start_.notify_all();
    for (std::thread& w : workers_) w.join();
    workers_.clear();
  }

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
  std::mutex run_mutex_;  // one parallel section at a time
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(size_t)>* job_ = nullptr;
  size_t pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace han
