// Fuzzes the safetensors reader behind `han convert` and han.convert (files from the internet
// are untrusted): any bytes give a file or a han::Error, nothing else (no crash, no other
// exception, no allocation past libFuzzer's -malloc_limit_mb). A file that parses gives, for
// every tensor, exactly elements() values or an error naming it; and the converter, given it with
// the torch_gru fixture's configuration, gives a model that predicts or a han::Error.
//
// The input is tried as it is and again with its header length (the first 8 bytes) reduced to
// fit the input, so that mutations of the JSON header reach the checks behind the length.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "import/convert.h"
#include "import/safetensors.h"

namespace {

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_safetensors: %s\n", what);
  std::abort();
}

const nlohmann::json& torch_gru_config() {
  static const nlohmann::json config = [] {
    std::ifstream file(HAN_FIXTURE_DIR "/convert/torch_gru.json");
    require(file.good(), "cannot read the torch_gru fixture's configuration");
    std::stringstream text;
    text << file.rdbuf();
    return nlohmann::json::parse(text.str());
  }();
  return config;
}

void try_read(std::vector<uint8_t> bytes) {
  try {
    const han::SafetensorsFile file(std::move(bytes));
    for (const auto& [name, tensor] : file.tensors()) {
      try {
        require(file.values(name).size() == tensor.elements(), "values() gives elements() values");
      } catch (const han::Error&) {
        // An unsupported dtype or an F64 beyond the float range: named, not fatal.
      }
    }
    const han::ConvertResult result = han::convert_model(torch_gru_config(), file, "");
    const han::Prediction p = result.model.predict("Alpha bravo charlie. Delta echo!");
    require(p.probabilities.size() == result.model.labels.size(), "one probability per label");
  } catch (const han::Error&) {
    // The expected answer to a broken file or one the architecture does not fit.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  try_read(bytes);
  if (size > 8) {
    uint64_t length = 0;
    for (size_t i = 0; i < 8; ++i) length |= uint64_t{bytes[i]} << (8 * i);
    length %= size - 8 + 1;
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(length >> (8 * i));
    try_read(std::move(bytes));
  }
  return 0;
}
