#pragma once
// Work on several threads: parallel_for for one long parallel section, WorkerPool
// (core/worker_pool.h) for many short ones.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/worker_pool.h"

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

}  // namespace han
