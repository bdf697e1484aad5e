#pragma once
// What the inference and trainer bindings share: outcome, the shape of every call's result, and
// copy_from_js, how a typed array reaches C++.
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <emscripten/val.h>

namespace han::bindings {

// The bindings' calls return {value} or {error: message}, which web/src/core.js turns into a
// returned value or a thrown Error. Catching here rather than throwing into JavaScript lets C++
// unwind normally, so an error frees everything it allocated and the module stays usable.
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

// A copy of a JavaScript typed array of T (Uint8Array for uint8_t, Int32Array for int32_t, ...),
// made in C++ so that one too large for the heap is a catchable std::bad_alloc.
template <typename T>
std::vector<T> copy_from_js(const emscripten::val& array) {
  std::vector<T> values(array["length"].as<size_t>());
  emscripten::val(emscripten::typed_memory_view(values.size(), values.data()))
      .call<void>("set", array);
  return values;
}

}  // namespace han::bindings
