#pragma once
// The bindings' calls return {value} or {error: message}, which web/src/core.js turns into a
// returned value or a thrown Error. Catching here rather than throwing into JavaScript lets C++
// unwind normally, so an error frees everything it allocated and the module stays usable.
#include <exception>
#include <new>
#include <string>

#include <emscripten/val.h>

namespace han::bindings {

template <typename Compute>
emscripten::val outcome(Compute&& compute) {
  emscripten::val result = emscripten::val::object();
  try {
    result.set("value", compute());
  } catch (const std::bad_alloc&) {
    result.set("error", std::string("out of memory (the WebAssembly heap is limited to 1 GiB)"));
  } catch (const std::exception& e) {
    result.set("error", std::string(e.what()));
  }
  return result;
}

}  // namespace han::bindings
