// Fuzzes the model loader: any bytes give a model or a han::Error, nothing else (no crash, no
// other exception, no allocation past libFuzzer's -malloc_limit_mb). A model that loads predicts,
// and what it writes loads again with the same weights.
//
// The input is tried as it is, which exercises the header checks, and again with its declared
// length and CRC-32 made right, so that mutations reach the sections behind the checksum.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "io/crc32.h"
#include "io/model_file.h"

namespace {

constexpr size_t kHeaderSize = 24;
constexpr size_t kChecksumSize = 4;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_load_model: %s\n", what);
  std::abort();
}

void put_le(std::vector<uint8_t>& bytes, size_t at, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

void check_loaded(const han::Model& model) {
  const han::Prediction p = model.predict("Alpha bravo charlie. Delta echo!");
  require(p.probabilities.size() == model.labels.size(), "one probability per label");
  const std::vector<uint8_t> written = han::write_model(model);
  const han::Model again = han::read_model(written.data(), written.size(), {false, {}});
  require(again.labels == model.labels, "labels survive a round trip");
  require(again.vocabulary.words() == model.vocabulary.words(), "vocabulary survives");
  // int8 storage is re-quantised when written, so only float32 and float16 are exact.
  if (model.storage.count("embedding") == 0) {
    require(again.params.embedding == model.params.embedding, "embedding survives");
  }
}

void try_load(const std::vector<uint8_t>& bytes) {
  try {
    check_loaded(han::read_model(bytes.data(), bytes.size()));
  } catch (const han::Error&) {
    // The expected answer to a broken file.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  try_load(bytes);
  if (size >= kHeaderSize + kChecksumSize) {
    put_le(bytes, 16, size, 8);
    put_le(bytes, size - kChecksumSize, han::crc32(bytes.data(), size - kChecksumSize), 4);
    try_load(bytes);
  }
  return 0;
}
