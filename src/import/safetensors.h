#pragma once
// Reading the safetensors format (https://github.com/huggingface/safetensors): a u64
// little-endian header length N, N bytes of JSON header, then the raw little-endian tensor data.
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}, offsets
// relative to the start of the data; an optional "__metadata__" maps strings to strings.
// Every offset and size is checked against the file before anything is read.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace han {

struct SafetensorsTensor {
  std::string dtype;            // as written: "F32", "F16", "BF16", "F64", "I64", ...
  std::vector<uint64_t> shape;  // empty for a scalar
  uint64_t offset = 0;          // of the first byte, from the start of the file
  uint64_t bytes = 0;

  uint64_t elements() const;
};

class SafetensorsFile {
 public:
  // Throws han::Error with a one-line message saying what is wrong and where.
  explicit SafetensorsFile(std::vector<uint8_t> bytes);

  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  uint64_t data_bytes() const { return data_bytes_; }  // after the header: the tensors' data

  // The tensor's values in row-major order, converted to float. F32, F16, BF16 and F64 are
  // read; any other dtype, or an F64 value beyond the float range, is an error naming it.
  std::vector<float> values(const std::string& name) const;

 private:
  std::vector<uint8_t> bytes_;
  std::map<std::string, SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
  uint64_t data_bytes_ = 0;
};

// Reads the whole file (at most 2 GiB); errors start with the path.
SafetensorsFile read_safetensors_file(const std::string& path);

// "3x4" for a shape, "scalar" for none.
std::string describe_shape(const std::vector<uint64_t>& shape);

}  // namespace han
