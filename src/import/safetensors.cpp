#include "import/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/float16.h"

namespace han {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxFileSize = uint64_t{1} << 31;
// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderSize = 100'000'000;

// Bytes per element of every dtype the format defines; 0 for an unknown one.
uint64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

uint64_t read_u64(const uint8_t* p) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value |= uint64_t{p[i]} << (8 * i);
  return value;
}

// A non-negative JSON integer, or an error naming `what`.
uint64_t get_unsigned(const json& value, const std::string& what) {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
    throw Error(what + ": expected a non-negative integer, found " + value.dump());
  }
  return value.get<uint64_t>();
}

SafetensorsTensor parse_entry(const std::string& name, const json& entry, uint64_t data_start,
                              uint64_t data_size) {
  const std::string where = "tensor " + name;
  if (!entry.is_object()) throw Error(where + ": expected an object");
  for (const auto& [key, value] : entry.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      throw Error(where + ": unknown key \"" + key + "\"");
    }
  }
  if (!entry.contains("dtype") || !entry["dtype"].is_string()) {
    throw Error(where + ": dtype missing or not a string");
  }
  SafetensorsTensor t;
  t.dtype = entry["dtype"].get<std::string>();
  const uint64_t element_size = dtype_size(t.dtype);
  if (element_size == 0) throw Error(where + ": unknown dtype \"" + t.dtype + "\"");

  if (!entry.contains("shape") || !entry["shape"].is_array()) {
    throw Error(where + ": shape missing or not an array");
  }
  for (const json& dim : entry["shape"]) t.shape.push_back(get_unsigned(dim, where + ": shape"));
  // The byte count must fit in the data, so every partial product is bounded by it; checking
  // that before each multiplication keeps absurd shapes from overflowing.
  const bool empty = std::find(t.shape.begin(), t.shape.end(), 0) != t.shape.end();
  uint64_t elements = 1;
  for (uint64_t d : t.shape) {
    if (empty) break;
    if (elements > data_size / element_size / d) {
      throw Error(where + ": shape " + describe_shape(t.shape) + " of " + t.dtype +
                  " needs more than the " + std::to_string(data_size) +
                  " bytes of data in the file");
    }
    elements *= d;
  }
  const uint64_t expected_bytes = empty ? 0 : elements * element_size;

  if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
      entry["data_offsets"].size() != 2) {
    throw Error(where + ": data_offsets must be [begin, end]");
  }
  const uint64_t begin = get_unsigned(entry["data_offsets"][0], where + ": data_offsets");
  const uint64_t end = get_unsigned(entry["data_offsets"][1], where + ": data_offsets");
  if (begin > end || end > data_size) {
    throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                "] lie outside the " + std::to_string(data_size) + " bytes of data");
  }
  if (end - begin != expected_bytes) {
    throw Error(where + ": " + t.dtype + " " + describe_shape(t.shape) + " needs " +
                std::to_string(expected_bytes) + " bytes, data_offsets give " +
                std::to_string(end - begin));
  }
  t.offset = data_start + begin;
  t.bytes = expected_bytes;
  return t;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = uint32_t{b} << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

uint64_t SafetensorsTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

std::string describe_shape(const std::vector<uint64_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

SafetensorsFile::SafetensorsFile(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {
  const uint64_t size = bytes_.size();
  if (size < 8) {
    throw Error("not a safetensors file: " + std::to_string(size) +
                " bytes, fewer than the 8 of the header length");
  }
  const uint64_t header_size = read_u64(bytes_.data());
  if (header_size > size - 8) {
    throw Error("safetensors header: its length " + std::to_string(header_size) +
                " is more than the " + std::to_string(size - 8) +
                " bytes after it (truncated or not a safetensors file)");
  }
  if (header_size > kMaxHeaderSize) {
    throw Error("safetensors header: " + std::to_string(header_size) +
                " bytes is more than the 100 MB allowed");
  }
  const uint8_t* header_begin = bytes_.data() + 8;
  if (header_size == 0 || header_begin[0] != '{') {
    throw Error("safetensors header: does not start with '{' (not a safetensors file)");
  }
  json header;
  try {
    header = json::parse(header_begin, header_begin + header_size);
  } catch (const json::exception& e) {
    throw Error(std::string("safetensors header: invalid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw Error("safetensors header: expected a JSON object");

  const uint64_t data_start = 8 + header_size;
  const uint64_t data_size = size - data_start;
  data_bytes_ = data_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw Error("safetensors __metadata__: expected an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) throw Error("safetensors __metadata__." + key + ": not a string");
        metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    if (name.empty()) throw Error("safetensors header: a tensor has an empty name");
    tensors_[name] = parse_entry(name, entry, data_start, data_size);
  }

  // The tensors must tile the data exactly: no gap, no overlap, nothing after the last.
  std::vector<std::pair<uint64_t, std::string>> by_offset;
  for (const auto& [name, t] : tensors_) by_offset.emplace_back(t.offset, name);
  std::sort(by_offset.begin(), by_offset.end());
  uint64_t expected = data_start;
  std::string previous;
  for (const auto& [offset, name] : by_offset) {
    if (offset != expected) {
      throw Error("tensor " + name + ": its data starts at byte " +
                  std::to_string(offset - data_start) + " of the data, expected " +
                  std::to_string(expected - data_start) +
                  (offset < expected ? " (it overlaps " + previous + ")" : " (a gap before it)"));
    }
    expected = offset + tensors_[name].bytes;
    previous = name;
  }
  if (expected != size) {
    throw Error("safetensors data: " + std::to_string(size - expected) +
                " bytes after the last tensor belong to no tensor");
  }
}

std::vector<float> SafetensorsFile::values(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error("tensor " + name + ": not in the safetensors file");
  const SafetensorsTensor& t = it->second;
  const uint8_t* p = bytes_.data() + t.offset;
  const size_t n = static_cast<size_t>(t.elements());
  std::vector<float> out(n);
  if (t.dtype == "F32") {
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      for (size_t b = 0; b < 4; ++b) bits |= uint32_t{p[4 * i + b]} << (8 * b);
      std::memcpy(&out[i], &bits, 4);
    }
  } else if (t.dtype == "F16") {
    for (size_t i = 0; i < n; ++i) {
      out[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
    }
  } else if (t.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i) {
      out[i] = bfloat16_to_float(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
    }
  } else if (t.dtype == "F64") {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t bits = read_u64(p + 8 * i);
      double d;
      std::memcpy(&d, &bits, 8);
      if (std::isfinite(d) && std::abs(d) > std::numeric_limits<float>::max()) {
        throw Error("tensor " + name + ": value " + std::to_string(i) + " (" + std::to_string(d) +
                    ") is beyond the float32 range");
      }
      out[i] = static_cast<float>(d);
    }
  } else {
    throw Error("tensor " + name + ": dtype " + t.dtype +
                " cannot be read as weights (F32, F16, BF16 or F64)");
  }
  return out;
}

SafetensorsFile read_safetensors_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw Error("cannot open safetensors file '" + path + "': " + std::strerror(errno));
  const std::streamoff size = file.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxFileSize) {
    throw Error("safetensors file '" + path + "' is larger than 2 GiB or unreadable");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  file.seekg(0);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw Error("cannot read safetensors file '" + path + "'");
  }
  try {
    return SafetensorsFile(std::move(bytes));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace han
