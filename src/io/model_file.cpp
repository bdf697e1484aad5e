#include "io/model_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/crc32.h"
#include "io/float16.h"
#include "model/config.h"
#include "text/utf8.h"

namespace han {
namespace {

using nlohmann::json;

constexpr uint8_t kMagic[8] = {0x89, 'H', 'A', 'N', '\r', '\n', 0x1A, '\n'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 24;  // magic, version, section count, file length
constexpr size_t kChecksumSize = 4;
constexpr uint32_t kMaxSections = 16;
constexpr size_t kMaxWordBytes = 1024;
constexpr size_t kMaxTensorName = 256;
constexpr uint32_t kMaxRank = 4;
constexpr size_t kMaxGoldenCases = 1000;
// Checking golden cases runs a prediction on each; their texts stay small so that loading is quick.
constexpr size_t kMaxGoldenTextBytes = size_t{1} << 20;
// JSON values are copied and printed recursively, so a deeply nested one would overflow the stack.
// The configuration needs 3 levels, the golden cases 4; metadata gets the rest.
constexpr size_t kMaxJsonDepth = 64;

// Reads little-endian fields from one region of the file, checking every read against its end.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, std::string where)
      : data_(data), size_(size), where_(std::move(where)) {}

  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }

  const uint8_t* take(uint64_t n, const char* field) {
    if (n > remaining()) {
      throw Error(where_ + ": " + field + " needs " + std::to_string(n) + " bytes but only " +
                  std::to_string(remaining()) + " remain");
    }
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  template <typename Int>
  Int read(const char* field) {
    const uint8_t* p = take(sizeof(Int), field);
    Int value = 0;
    for (size_t i = 0; i < sizeof(Int); ++i) value |= static_cast<Int>(Int{p[i]} << (8 * i));
    return value;
  }
  std::string read_string(uint64_t n, const char* field) {
    const uint8_t* p = take(n, field);
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string where_;
};

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const utf8::Decoded d = utf8::decode(s, i);
    // A decoded U+FFFD is only legitimate when the text really spells it (EF BF BD).
    if (d.code_point == utf8::kReplacementCharacter &&
        s.compare(i, d.byte_length, "\xEF\xBF\xBD")) {
      return false;
    }
    i += d.byte_length;
  }
  return true;
}

std::string shape_string(const std::vector<uint64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

// The deepest nesting of arrays and objects in JSON text; exact for valid JSON, which is all the
// parser accepts. (A depth check in the parser's callback would add 2 KB to the WebAssembly.)
size_t json_depth(const uint8_t* data, size_t size) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t c = data[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

json parse_json(const uint8_t* data, size_t size, const char* section) {
  static_assert(kMaxJsonDepth == 64, "the message below says 64");
  if (json_depth(data, size) > kMaxJsonDepth) {
    throw Error(std::string(section) + ": JSON nested deeper than 64 levels");
  }
  try {
    // json::parse would also compile its parser with callbacks, which no caller uses: 7 KB of
    // each .wasm. The DOM parser alone builds the same value.
    json value;
    nlohmann::detail::json_sax_dom_parser<json> builder(value, true);
    json::sax_parse(data, data + size, &builder);
    return value;
  } catch (const json::exception& e) {
    throw Error(std::string(section) + ": invalid JSON (" + e.what() + ")");
  }
}

struct Sections {
  std::map<std::string, std::pair<const uint8_t*, size_t>> payloads;
  std::pair<const uint8_t*, size_t> get(const std::string& tag) const {
    auto it = payloads.find(tag);
    if (it == payloads.end()) throw Error("section " + tag + ": missing");
    return it->second;
  }
};

Sections read_container(const uint8_t* data, size_t size) {
  if (size < kHeaderSize + kChecksumSize) {
    throw Error("not a han model file: only " + std::to_string(size) + " bytes");
  }
  if (std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    throw Error("not a han model file: the first bytes are not the han magic number");
  }
  Cursor header(data + 8, kHeaderSize - 8, "header");
  const uint32_t version = header.read<uint32_t>("version");
  if (version != kVersion) {
    throw Error("unsupported model format version " + std::to_string(version) +
                " (this build reads version " + std::to_string(kVersion) + ")");
  }
  const uint32_t section_count = header.read<uint32_t>("section count");
  const uint64_t declared = header.read<uint64_t>("file length");
  if (declared != size) {
    throw Error(size < declared ? "file is truncated: the header says " + std::to_string(declared) +
                                      " bytes, found " + std::to_string(size)
                                : "file has " + std::to_string(size - declared) +
                                      " unexpected bytes after its declared end");
  }
  uint32_t stored_crc = 0;
  for (size_t i = 0; i < 4; ++i) stored_crc |= uint32_t{data[size - 4 + i]} << (8 * i);
  const uint32_t actual_crc = crc32(data, size - kChecksumSize);
  if (stored_crc != actual_crc) {
    // By hand, not a stream or printf: those would add their locale and formatting code (130 KB,
    // 10 KB) to the WebAssembly build for this one message.
    auto hex = [](uint32_t value) {
      std::string digits;
      do {
        digits.insert(digits.begin(), "0123456789abcdef"[value & 0xf]);
        value >>= 4;
      } while (value);
      return "0x" + digits;
    };
    throw Error("checksum mismatch: the file is corrupted (stored " + hex(stored_crc) +
                ", computed " + hex(actual_crc) + ")");
  }
  if (section_count > kMaxSections) {
    throw Error("header: " + std::to_string(section_count) + " sections is more than allowed");
  }

  Sections sections;
  Cursor body(data + kHeaderSize, size - kHeaderSize - kChecksumSize, "sections");
  for (uint32_t i = 0; i < section_count; ++i) {
    const std::string tag = body.read_string(4, "section tag");
    if (tag != "CONF" && tag != "VOCB" && tag != "TENS" && tag != "GOLD") {
      throw Error("section " + std::to_string(i + 1) + ": unknown tag '" + tag + "'");
    }
    const uint64_t length = body.read<uint64_t>("section length");
    const uint8_t* payload = body.take(length, ("section " + tag).c_str());
    if (!sections.payloads.emplace(tag, std::make_pair(payload, length)).second) {
      throw Error("section " + tag + ": appears twice");
    }
  }
  if (!body.at_end()) {
    throw Error(std::to_string(body.remaining()) + " unexpected bytes after the last section");
  }
  return sections;
}

std::vector<std::string> read_labels(const json& conf, int max_labels) {
  auto it = conf.find("labels");
  if (it == conf.end() || !it->is_array() || it->empty() ||
      it->size() > static_cast<size_t>(max_labels)) {
    throw Error("labels: expected an array of 1 to " + std::to_string(max_labels) + " strings");
  }
  std::vector<std::string> labels;
  std::set<std::string> seen;
  for (const json& label : *it) {
    if (!label.is_string() || label.get<std::string>().empty()) {
      throw Error("labels: every label must be a non-empty string");
    }
    if (!seen.insert(label.get<std::string>()).second) {
      throw Error("labels: \"" + label.get<std::string>() + "\" appears twice");
    }
    labels.push_back(label.get<std::string>());
  }
  return labels;
}

Vocabulary read_vocabulary(const uint8_t* data, size_t size, int vocab_size) {
  Cursor in(data, size, "vocabulary");
  const uint32_t count = in.read<uint32_t>("word count");
  if (count != static_cast<uint32_t>(vocab_size)) {
    throw Error("vocabulary: holds " + std::to_string(count) + " words, the configuration says " +
                std::to_string(vocab_size));
  }
  if (uint64_t{count} * 5 > in.remaining()) {
    throw Error("vocabulary: " + std::to_string(count) + " words cannot fit in " +
                std::to_string(in.remaining()) + " bytes");
  }
  std::vector<std::string> words;
  words.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t length = in.read<uint32_t>("word length");
    if (length == 0 || length > kMaxWordBytes) {
      throw Error("vocabulary: word " + std::to_string(i) + " has length " +
                  std::to_string(length) + " (allowed 1 to " + std::to_string(kMaxWordBytes) + ")");
    }
    words.push_back(in.read_string(length, "word"));
    if (!is_valid_utf8(words.back())) {
      throw Error("vocabulary: word " + std::to_string(i) + " is not valid UTF-8");
    }
  }
  if (!in.at_end()) throw Error("vocabulary: unexpected bytes after the last word");
  return Vocabulary(std::move(words));
}

// Bytes a tensor of `rows` x `cols` takes in the file (int8 adds one float32 scale per row, or
// per column).
uint64_t stored_bytes(StorageType type, uint64_t rows, uint64_t cols) {
  switch (type) {
    case StorageType::Float32:
      return rows * cols * 4;
    case StorageType::Float16:
      return rows * cols * 2;
    case StorageType::Int8:
      return rows * 4 + rows * cols;
    case StorageType::Int8Columns:
      return cols * 4 + rows * cols;
  }
  return 0;
}

bool is_int8(StorageType type) {
  return type == StorageType::Int8 || type == StorageType::Int8Columns;
}

uint32_t read_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
float read_f32(const uint8_t* p) {
  const uint32_t bits = read_u32(p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

struct StoredTensor {
  StorageType type = StorageType::Float32;
  std::vector<uint64_t> dims;
  const uint8_t* data = nullptr;
  bool used = false;
};

std::map<std::string, StoredTensor> read_tensor_table(const uint8_t* data, size_t size,
                                                      uint64_t expected_parameters) {
  // The configuration fixes the number of weights, and each takes at least one byte: refuse
  // before allocating if they cannot be here.
  if (expected_parameters > size) {
    throw Error("tensors: the configuration needs " + std::to_string(expected_parameters) +
                " weights but the section holds only " + std::to_string(size) + " bytes");
  }
  Cursor in(data, size, "tensors");
  const uint32_t count = in.read<uint32_t>("tensor count");
  std::map<std::string, StoredTensor> tensors;
  for (uint32_t i = 0; i < count; ++i) {
    const uint16_t name_length = in.read<uint16_t>("tensor name length");
    if (name_length == 0 || name_length > kMaxTensorName) {
      throw Error("tensor " + std::to_string(i + 1) + ": name length " +
                  std::to_string(name_length) + " is out of range");
    }
    const std::string name = in.read_string(name_length, "tensor name");
    StoredTensor tensor;
    const uint8_t dtype = in.read<uint8_t>("dtype");
    if (dtype < 1 || dtype > 4) {
      throw Error("tensor " + name + ": unknown dtype " + std::to_string(dtype) +
                  " (1 float32, 2 float16, 3 int8 per row, 4 int8 per column)");
    }
    tensor.type = static_cast<StorageType>(dtype);
    const uint8_t rank = in.read<uint8_t>("rank");
    if (rank == 0 || rank > kMaxRank) {
      throw Error("tensor " + name + ": rank " + std::to_string(rank) + " is out of range");
    }
    if (is_int8(tensor.type) && rank != 2) {
      throw Error("tensor " + name + ": int8 storage needs a matrix, found rank " +
                  std::to_string(rank));
    }
    uint64_t elements = 1;
    for (uint8_t d = 0; d < rank; ++d) {
      const uint32_t dim = in.read<uint32_t>("dimension");
      if (dim == 0 || dim > in.remaining() || elements > in.remaining() / dim) {
        throw Error("tensor " + name + ": shape does not fit in the file");
      }
      elements *= dim;
      tensor.dims.push_back(dim);
    }
    const uint64_t rows = rank == 2 ? tensor.dims[0] : 1;
    tensor.data = in.take(stored_bytes(tensor.type, rows, elements / rows),
                          ("tensor " + name + " data").c_str());
    if (!tensors.emplace(name, tensor).second) throw Error("tensor " + name + ": appears twice");
  }
  if (!in.at_end()) throw Error("tensors: unexpected bytes after the last tensor");
  return tensors;
}

// The scales of an int8 tensor (one per row, or per column) are finite and not negative, and 0
// only where every value they scale is 0, as writers make them: anything else is a damaged file.
void check_int8_scales(const std::string& name, const StoredTensor& stored, Eigen::Index rows,
                       Eigen::Index cols) {
  const bool per_row = stored.type == StorageType::Int8;
  const Eigen::Index count = per_row ? rows : cols;
  const uint8_t* values = stored.data + 4 * count;
  for (Eigen::Index k = 0; k < count; ++k) {
    const float scale = read_f32(stored.data + 4 * k);
    bool bad = !std::isfinite(scale) || scale < 0;
    for (Eigen::Index other = 0; scale == 0 && other < (per_row ? cols : rows); ++other) {
      bad = bad || values[per_row ? k * cols + other : other * cols + k] != 0;
    }
    if (!bad) continue;
    // JSON's shortest decimals, as the golden cases' messages have them.
    const std::string value = std::isnan(scale)   ? "nan"
                              : std::isinf(scale) ? (scale > 0 ? "inf" : "-inf")
                                                  : json(scale).dump();
    throw Error("tensor " + name + ": the scale of " + (per_row ? "row " : "column ") +
                std::to_string(k) + " is " + value +
                " (a scale is finite, not negative, and 0 only over values that are all 0)");
  }
}

void load_tensors(Model& model, std::map<std::string, StoredTensor>& tensors) {
  visit_han_params(model.params, [&](const std::string& name, Matrix<float>& m, bool is_vector) {
    const std::vector<uint64_t> expected =
        is_vector ? std::vector<uint64_t>{static_cast<uint64_t>(m.cols())}
                  : std::vector<uint64_t>{static_cast<uint64_t>(m.rows()),
                                          static_cast<uint64_t>(m.cols())};
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      throw Error("tensor " + name + ": missing (expected " + shape_string(expected) + ")");
    }
    StoredTensor& stored = it->second;
    if (stored.dims != expected) {
      throw Error("tensor " + name + ": expected " + shape_string(expected) + ", found " +
                  shape_string(stored.dims));
    }
    float* out = m.data();
    const uint8_t* in = stored.data;
    const Eigen::Index cols = m.cols();
    if (is_int8(stored.type)) check_int8_scales(name, stored, m.rows(), cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      switch (stored.type) {
        case StorageType::Float32:
          out[i] = read_f32(in + 4 * i);
          break;
        case StorageType::Float16:
          out[i] = half_to_float(static_cast<uint16_t>(in[2 * i] | in[2 * i + 1] << 8));
          break;
        case StorageType::Int8: {
          const float scale = read_f32(in + 4 * (i / cols));
          out[i] = scale * static_cast<float>(static_cast<int8_t>(in[4 * m.rows() + i]));
          break;
        }
        case StorageType::Int8Columns: {
          const float scale = read_f32(in + 4 * (i % cols));
          out[i] = scale * static_cast<float>(static_cast<int8_t>(in[4 * cols + i]));
          break;
        }
      }
      if (!std::isfinite(out[i])) {
        throw Error("tensor " + name + ": value " + std::to_string(i) + " is not finite");
      }
    }
    if (stored.type != StorageType::Float32) model.storage[name] = stored.type;
    stored.used = true;
  });
  for (const auto& [name, stored] : tensors) {
    if (!stored.used) throw Error("tensor " + name + ": not part of this architecture");
  }
}

// "compute": "float32" (the default) or "int8" (which Model::set_compute checks the network
// can do).
ComputeType read_compute(const json& conf) {
  auto it = conf.find("compute");
  if (it == conf.end()) return ComputeType::Float32;
  const std::string* name = it->get_ptr<const std::string*>();
  if (name && *name == "float32") return ComputeType::Float32;
  if (name && *name == "int8") return ComputeType::Int8;
  throw Error("configuration: compute must be \"float32\" or \"int8\"");
}

std::vector<GoldenCase> read_golden(const json& gold, size_t labels, double& tolerance) {
  if (!gold.is_object()) throw Error("golden cases: expected a JSON object");
  auto tol = gold.find("tolerance");
  if (tol == gold.end() || !tol->is_number() || !(tol->get<double>() > 0) ||
      tol->get<double>() > 1) {
    throw Error("golden cases: tolerance must be a number in (0, 1]");
  }
  tolerance = tol->get<double>();
  auto cases = gold.find("cases");
  if (cases == gold.end() || !cases->is_array() || cases->size() > kMaxGoldenCases) {
    throw Error("golden cases: expected an array of at most " + std::to_string(kMaxGoldenCases) +
                " cases");
  }
  std::vector<GoldenCase> out;
  size_t text_bytes = 0;
  for (const json& c : *cases) {
    const std::string where = "golden case " + std::to_string(out.size() + 1);
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string() ||
        !c.contains("probabilities") || !c["probabilities"].is_array()) {
      throw Error(where + ": expected {\"text\": string, \"probabilities\": [numbers]}");
    }
    GoldenCase g{c["text"].get<std::string>(), {}};
    text_bytes += g.text.size();
    static_assert(kMaxGoldenTextBytes == 1 << 20, "the message below says 1 MiB");
    if (text_bytes > kMaxGoldenTextBytes) throw Error("golden cases: more than 1 MiB of text");
    for (const json& p : c["probabilities"]) {
      if (!p.is_number()) throw Error(where + ": probabilities must be numbers");
      g.probabilities.push_back(p.get<double>());
    }
    if (g.probabilities.size() != labels) {
      throw Error(where + ": has " + std::to_string(g.probabilities.size()) +
                  " probabilities for " + std::to_string(labels) + " labels");
    }
    out.push_back(std::move(g));
  }
  return out;
}

// --- writing ---

void put_bytes(std::vector<uint8_t>& out, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + size);
}
template <typename Int>
void put(std::vector<uint8_t>& out, Int value) {
  for (size_t i = 0; i < sizeof(Int); ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void put_section(std::vector<uint8_t>& out, const char* tag, const std::vector<uint8_t>& payload) {
  put_bytes(out, tag, 4);
  put<uint64_t>(out, payload.size());
  put_bytes(out, payload.data(), payload.size());
}
void put_f32(std::vector<uint8_t>& out, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  put<uint32_t>(out, bits);
}

// int8: q = round(v / scale) with scale = max |row| / 127, so |v - scale * q| <= scale / 2.
void put_tensor_values(std::vector<uint8_t>& out, const std::string& name, StorageType type,
                       const Matrix<float>& m) {
  switch (type) {
    case StorageType::Float32:
      for (Eigen::Index i = 0; i < m.size(); ++i) put_f32(out, m.data()[i]);
      return;
    case StorageType::Float16:
      for (Eigen::Index i = 0; i < m.size(); ++i) {
        const uint16_t h = float_to_half(m.data()[i]);
        if ((h & 0x7C00) == 0x7C00) {
          throw Error("tensor " + name + ": value " + std::to_string(m.data()[i]) +
                      " is outside the float16 range");
        }
        put<uint16_t>(out, h);
      }
      return;
    case StorageType::Int8:
    case StorageType::Int8Columns: {
      const bool per_row = type == StorageType::Int8;
      std::vector<float> scales(static_cast<size_t>(per_row ? m.rows() : m.cols()));
      for (size_t k = 0; k < scales.size(); ++k) {
        const Eigen::Index i = static_cast<Eigen::Index>(k);
        scales[k] =
            (per_row ? m.row(i).cwiseAbs().maxCoeff() : m.col(i).cwiseAbs().maxCoeff()) / 127.f;
        put_f32(out, scales[k]);
      }
      for (Eigen::Index r = 0; r < m.rows(); ++r) {
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
          const float scale = scales[static_cast<size_t>(per_row ? r : c)];
          const float q = scale > 0 ? std::nearbyint(m(r, c) / scale) : 0.f;
          out.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
        }
      }
      return;
    }
  }
}

std::vector<uint8_t> json_bytes(const json& j) {
  const std::string s = j.dump();
  return std::vector<uint8_t>(s.begin(), s.end());
}

// Throws "PREFIX COUNT WHAT, more than the limit of LIMIT".
[[noreturn]] void throw_over_limit(const char* prefix, uint64_t count, const char* what,
                                   uint64_t limit) {
  throw Error(prefix + std::to_string(count) + what + ", more than the limit of " +
              std::to_string(limit));
}

}  // namespace

void check_file_size(uint64_t size, const ModelLimits& limits) {
  const uint64_t limit = std::min(limits.max_file_bytes, kMaxFileBytes);
  if (size > limit) throw_over_limit("the model file has ", size, " bytes", limit);
}

const char* storage_name(StorageType type) {
  switch (type) {
    case StorageType::Float32:
      return "float32";
    case StorageType::Float16:
      return "float16";
    case StorageType::Int8:
      return "int8";
    case StorageType::Int8Columns:
      return "int8-columns";
  }
  return "?";
}

StorageType parse_storage(const std::string& name) {
  for (StorageType t : {StorageType::Float32, StorageType::Float16, StorageType::Int8}) {
    if (name == storage_name(t)) return t;
  }
  throw Error("unknown storage type '" + name + "' (float32, float16 or int8)");
}

const char* compute_name(ComputeType type) {
  return type == ComputeType::Int8 ? "int8" : "float32";
}

ComputeType parse_compute(const std::string& name) {
  for (ComputeType t : {ComputeType::Float32, ComputeType::Int8}) {
    if (name == compute_name(t)) return t;
  }
  throw Error("unknown compute type '" + name + "' (float32 or int8)");
}

namespace {

// The model as written and read back (its weights as the file stores them), with its golden cases
// recomputed.
Model stored_and_read(const Model& model) {
  const std::vector<uint8_t> bytes = write_model(model);
  Model rounded = read_model(bytes.data(), bytes.size(), {false, {}});
  std::vector<std::string> texts;
  for (const GoldenCase& c : model.golden_cases) texts.push_back(c.text);
  rounded.set_golden_texts(texts);
  return rounded;
}

}  // namespace

Model quantize(const Model& model, StorageType type, bool all_matrices) {
  Model stored = model;
  stored.storage.clear();
  visit_han_params(stored.params, [&](const std::string& name, Matrix<float>&, bool is_vector) {
    if (model.compute() == ComputeType::Int8 && computed_in_int8(name)) {
      stored.storage[name] = StorageType::Int8Columns;
    } else if (name == "embedding" || (all_matrices && !is_vector)) {
      stored.storage[name] = type;
    }
  });
  return stored_and_read(stored);
}

Model with_compute(const Model& model, ComputeType compute) {
  Model switched = model;
  switched.set_compute(compute);
  visit_han_params(switched.params, [&](const std::string& name, Matrix<float>&, bool) {
    if (!computed_in_int8(name)) return;
    if (compute == ComputeType::Int8) {
      switched.storage[name] = StorageType::Int8Columns;
    } else if (switched.storage.count(name) && switched.storage[name] == StorageType::Int8Columns) {
      switched.storage.erase(name);
    }
  });
  return stored_and_read(switched);
}

Model read_model(const uint8_t* data, size_t size, const LoadOptions& options) {
  try {
    check_file_size(size, options.limits);
    const Sections sections = read_container(data, size);
    Model model;

    const auto [conf_data, conf_size] = sections.get("CONF");
    const json conf = parse_json(conf_data, conf_size, "configuration");
    if (!conf.is_object()) throw Error("configuration: expected a JSON object");
    model.labels = read_labels(conf, std::min(options.limits.max_labels, kMaxLabels));
    const HanConfig config =
        han_config_from_json(conf, static_cast<int>(model.labels.size()), options.limits);
    const uint64_t parameters = han_parameter_count(config);
    if (parameters > options.limits.max_parameters) {
      throw_over_limit("configuration: ", parameters, " weights", options.limits.max_parameters);
    }
    const ComputeType compute = read_compute(conf);
    if (conf.contains("tokenizer")) model.tokenizer = tokenizer_config_from_json(conf["tokenizer"]);
    if (conf.contains("metadata")) {
      if (!conf["metadata"].is_object()) throw Error("metadata: expected a JSON object");
      model.metadata_json = conf["metadata"].dump();
    }

    const auto [vocab_data, vocab_size] = sections.get("VOCB");
    model.vocabulary = read_vocabulary(vocab_data, vocab_size, config.vocab_size);

    const auto [tensor_data, tensor_size] = sections.get("TENS");
    auto tensors = read_tensor_table(tensor_data, tensor_size, parameters);
    model.params = make_han<float>(config);
    load_tensors(model, tensors);
    if (compute == ComputeType::Int8) model.set_compute(compute);

    const auto [gold_data, gold_size] = sections.get("GOLD");
    model.golden_cases = read_golden(parse_json(gold_data, gold_size, "golden cases"),
                                     model.labels.size(), model.golden_tolerance);
    if (options.verify_golden) {
      const GoldenReport report = model.check_golden();
      if (!report.failure.empty()) {
        throw Error(report.failure + ": the model does not compute what its writer computed");
      }
    }
    return model;
  } catch (const std::bad_alloc&) {
    throw Error("not enough memory to load this model");
  }
}

Model read_model_file(const std::string& path, const LoadOptions& options) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw Error("cannot open model file '" + path + "': " + std::strerror(errno));
  const std::streamoff size = file.tellg();
  if (size < 0) throw Error("cannot read model file '" + path + "'");
  // Checked before reading, so that a huge file is never read into memory.
  auto with_path = [&](auto&& load) {
    try {
      return load();
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
  };
  with_path([&] { check_file_size(static_cast<uint64_t>(size), options.limits); });
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  file.seekg(0);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw Error("cannot read model file '" + path + "'");
  }
  return with_path([&] { return read_model(bytes.data(), bytes.size(), options); });
}

std::vector<uint8_t> write_model(const Model& model) {
  json conf = to_json(model.config());
  conf["labels"] = model.labels;
  conf["tokenizer"] = to_json(model.tokenizer);
  conf["metadata"] = json::parse(model.metadata_json);
  if (model.compute() == ComputeType::Int8) conf["compute"] = "int8";

  std::vector<uint8_t> vocab;
  put<uint32_t>(vocab, static_cast<uint32_t>(model.vocabulary.size()));
  for (const std::string& word : model.vocabulary.words()) {
    put<uint32_t>(vocab, static_cast<uint32_t>(word.size()));
    put_bytes(vocab, word.data(), word.size());
  }

  std::vector<uint8_t> tensors;
  uint32_t tensor_count = 0;
  put<uint32_t>(tensors, 0);  // patched below
  HanParams<float> params = model.params;
  visit_han_params(params, [&](const std::string& name, Matrix<float>& m, bool is_vector) {
    auto it = model.storage.find(name);
    const StorageType type = it == model.storage.end() ? StorageType::Float32 : it->second;
    if (is_int8(type) && is_vector) throw Error("tensor " + name + ": int8 storage needs a matrix");
    put<uint16_t>(tensors, static_cast<uint16_t>(name.size()));
    put_bytes(tensors, name.data(), name.size());
    put<uint8_t>(tensors, static_cast<uint8_t>(type));
    put<uint8_t>(tensors, is_vector ? 1 : 2);
    if (!is_vector) put<uint32_t>(tensors, static_cast<uint32_t>(m.rows()));
    put<uint32_t>(tensors, static_cast<uint32_t>(m.cols()));
    put_tensor_values(tensors, name, type, m);
    ++tensor_count;
  });
  for (size_t i = 0; i < 4; ++i) tensors[i] = static_cast<uint8_t>(tensor_count >> (8 * i));

  json gold = {{"tolerance", model.golden_tolerance}, {"cases", json::array()}};
  for (const GoldenCase& c : model.golden_cases) {
    gold["cases"].push_back({{"text", c.text}, {"probabilities", c.probabilities}});
  }

  std::vector<uint8_t> out;
  put_bytes(out, kMagic, sizeof kMagic);
  put<uint32_t>(out, kVersion);
  put<uint32_t>(out, 4);
  put<uint64_t>(out, 0);  // file length, patched below
  put_section(out, "CONF", json_bytes(conf));
  put_section(out, "VOCB", vocab);
  put_section(out, "TENS", tensors);
  put_section(out, "GOLD", json_bytes(gold));
  const uint64_t length = out.size() + kChecksumSize;
  for (size_t i = 0; i < 8; ++i) out[16 + i] = static_cast<uint8_t>(length >> (8 * i));
  put<uint32_t>(out, crc32(out.data(), out.size()));
  return out;
}

void write_model_file(const Model& model, const std::string& path) {
  const std::vector<uint8_t> bytes = write_model(model);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw Error("cannot write model file '" + path + "': " + std::strerror(errno));
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw Error("cannot write model file '" + path + "'");
}

}  // namespace han
