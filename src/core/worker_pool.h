#pragma once
// Threads kept between parallel sections: the core's predictions (Model::set_threads) and the
// native tools run batches on them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace han {

// A part claimed by a worker that did not finish it in time (WorkerPool::run).
class WorkerStalled : public Error {
 public:
  using Error::Error;
};

// Threads kept from call to call, for parallel sections of a few milliseconds (a batch of
// documents): starting threads for each would cost their start and also restart the
// thread_local scratch of the ragged path from nothing every time.
//
// The parts of a section are claimed by whichever thread is free first, the calling thread
// included, so a worker that is slow to wake, or has stopped (a Web Worker ended by its page),
// does not hold the caller: it does the parts nobody claimed. Only a worker that stops in the
// middle of a part it claimed could hold it, and for that the caller waits a bounded time.
class WorkerPool {
 public:
  // The caller waits for a claimed part at least this long, and at least kStallFactor times what
  // its own parts took, without any part finishing before it gives up on the pool.
  static constexpr std::chrono::milliseconds kMinStallWait{5000};
  static constexpr int kStallFactor = 20;

  // `threads` - 1 workers; the calling thread is the last one.
  // A thread that cannot start (std::system_error: in the threads .wasm, no Web Worker free) ends
  // the ones started before it and is rethrown: a destroyed joinable thread would terminate.
  explicit WorkerPool(size_t threads, std::chrono::milliseconds min_stall_wait = kMinStallWait)
      : shared_(std::make_shared<Shared>()), min_stall_wait_(min_stall_wait) {
    try {
      for (size_t t = 1; t < threads; ++t) workers_.emplace_back([s = shared_] { work(*s); });
    } catch (...) {
      stop();
      throw;
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { stop(); }

  size_t size() const { return workers_.size() + 1; }

  // True once a worker has held a part past the stall wait: run then does every part itself.
  bool stalled() const { return stalled_.load(); }

  // Calls fn(part) once for each part in [0, size()), on any of the pool's threads, and returns
  // when all have returned; the first exception thrown is rethrown, and the pool stays usable.
  // Calls from several threads take their turns. Throws WorkerStalled when a worker holds a part
  // past the stall wait; the pool is then stalled, and the caller must not reuse memory that
  // part writes (the worker may yet finish it).
  void run(const std::function<void(size_t)>& fn) {
    std::lock_guard<std::mutex> turn(run_mutex_);
    const size_t parts = size();
    if (stalled() || parts == 1) {
      for (size_t part = 0; part < parts; ++part) fn(part);
      return;
    }
    Shared& s = *shared_;
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.job = &fn;
      s.parts = parts;
      s.next = 0;
      s.unfinished = parts;
      generation = ++s.generation;
    }
    s.start.notify_all();
    const auto started = std::chrono::steady_clock::now();
    run_parts(s, generation);
    const auto wait = std::max<std::chrono::steady_clock::duration>(
        min_stall_wait_, kStallFactor * (std::chrono::steady_clock::now() - started));

    std::unique_lock<std::mutex> lock(s.mutex);
    size_t unfinished = s.unfinished;
    while (unfinished > 0) {
      if (!s.done.wait_for(lock, wait, [&] { return s.unfinished < unfinished; })) {
        stalled_ = true;
        s.job = nullptr;
        s.error = nullptr;
        throw WorkerStalled(
            "a worker thread did not finish its part of the prediction within " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) +
            " ms (it has probably stopped); the model now runs on one thread");
      }
      unfinished = s.unfinished;
    }
    s.job = nullptr;
    std::exception_ptr error = s.error;
    s.error = nullptr;
    lock.unlock();
    if (error) std::rethrow_exception(error);
  }

 private:
  // What the threads share. Workers hold it too, so that a pool given up on a stalled worker can
  // leave that worker behind without its state going away under it.
  struct Shared {
    std::mutex mutex;
    std::condition_variable start, done;
    const std::function<void(size_t)>* job = nullptr;
    size_t parts = 0, next = 0, unfinished = 0;
    uint64_t generation = 0;
    bool stopping = false;
    std::exception_ptr error;
  };

  // Claims and runs parts of section `generation` until none is left.
  static void run_parts(Shared& s, uint64_t generation) {
    for (;;) {
      const std::function<void(size_t)>* job;
      size_t part;
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.generation != generation || s.next >= s.parts || !s.job) return;
        job = s.job;
        part = s.next++;
      }
      try {
        (*job)(part);
      } catch (...) {
        std::lock_guard<std::mutex> lock(s.mutex);
        if (!s.error) s.error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(s.mutex);
      --s.unfinished;
      s.done.notify_one();
    }
  }

  static void work(Shared& s) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(s.mutex);
        s.start.wait(lock, [&] { return s.stopping || s.generation != seen; });
        if (s.stopping) return;
        seen = s.generation;
      }
      run_parts(s, seen);
    }
  }

  // Joins the workers; after a stall, lets them go instead, since one may never return.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->stopping = true;
    }
    shared_->start.notify_all();
    for (std::thread& w : workers_) {
      if (stalled()) {
        w.detach();
      } else {
        w.join();
      }
    }
    workers_.clear();
  }

  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one parallel section at a time
  std::chrono::milliseconds min_stall_wait_;
  std::atomic<bool> stalled_{false};
};

}  // namespace han
