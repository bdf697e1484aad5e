// The model file: round trip, and every kind of damaged file gives a precise error, never a
// crash or an over-allocation (this suite also runs under ASan and UBSan).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/crc32.h"
#include "io/float16.h"
#include "io/model_file.h"
#include "test_util.h"

namespace han {
namespace {

using testing::load_error;
using testing::reseal;

// Replaces the CONF section's JSON; the section length and file length are patched to match.
std::vector<uint8_t> with_config(const Model& model, const std::string& conf_json) {
  std::vector<uint8_t> bytes = write_model(model);
  uint64_t old_length = 0;
  for (size_t i = 0; i < 8; ++i) old_length |= uint64_t{bytes[28 + i]} << (8 * i);
  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + 28);
  for (size_t i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(conf_json.size() >> (8 * i)));
  out.insert(out.end(), conf_json.begin(), conf_json.end());
  out.insert(out.end(), bytes.begin() + 36 + static_cast<long>(old_length), bytes.end());
  const uint64_t length = out.size();
  for (size_t i = 0; i < 8; ++i) out[16 + i] = static_cast<uint8_t>(length >> (8 * i));
  reseal(out);
  return out;
}

// The file with its CONF JSON changed by `edit`.
template <typename Edit>
std::vector<uint8_t> with_edited_config(const Model& model, Edit edit) {
  const std::vector<uint8_t> bytes = write_model(model);
  uint64_t length = 0;
  for (size_t i = 0; i < 8; ++i) length |= uint64_t{bytes[28 + i]} << (8 * i);
  nlohmann::json conf =
      nlohmann::json::parse(bytes.begin() + 36, bytes.begin() + 36 + static_cast<long>(length));
  edit(conf);
  return with_config(model, conf.dump());
}

class ModelFile : public ::testing::Test {
 protected:
  Model model = testing::random_model(testing::small_config(), 7);
  std::vector<uint8_t> bytes = write_model(model);
};

TEST_F(ModelFile, RoundTripPredictsIdentically) {
  const Model loaded = read_model(bytes.data(), bytes.size());
  EXPECT_EQ(loaded.labels, model.labels);
  EXPECT_EQ(loaded.vocabulary.words(), model.vocabulary.words());
  EXPECT_EQ(loaded.metadata_json, model.metadata_json);
  EXPECT_EQ(loaded.golden_cases.size(), 3u);
  const std::string text = "w2 w3. w4 w5 w6 w7! w8";
  EXPECT_EQ(loaded.predict(text).probabilities, model.predict(text).probabilities);
  EXPECT_EQ(write_model(loaded), bytes);
}

TEST_F(ModelFile, EveryTruncationIsAnError) {
  for (size_t length = 0; length < bytes.size(); ++length) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(length));
    const std::string error = load_error(cut);
    ASSERT_FALSE(error.empty()) << "length " << length;
    if (length >= 28) {
      EXPECT_NE(error.find("truncated"), std::string::npos) << error;
    }
  }
}

TEST_F(ModelFile, EveryFlippedByteIsAnError) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= static_cast<uint8_t>(1u << (i % 8));
    ASSERT_FALSE(load_error(flipped).empty()) << "byte " << i;
  }
}

TEST_F(ModelFile, RandomBytesAreAnError) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> junk(rng() % 4096);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    if (trial % 2) std::copy(bytes.begin(), bytes.begin() + 24, junk.begin() + 0 * junk.size());
    EXPECT_FALSE(load_error(junk).empty());
  }
}

TEST_F(ModelFile, HeaderErrorsAreSpecific) {
  std::vector<uint8_t> b = bytes;
  b[0] = 'P';
  EXPECT_EQ(load_error(b), "not a han model file: the first bytes are not the han magic number");
  b = bytes;
  b[8] = 2;
  EXPECT_EQ(load_error(b), "unsupported model format version 2 (this build reads version 1)");
  b = bytes;
  b.push_back(0);
  EXPECT_EQ(load_error(b), "file has 1 unexpected bytes after its declared end");
  b = bytes;
  b[100] ^= 0xFF;
  EXPECT_NE(load_error(b).find("checksum mismatch"), std::string::npos);
}

// Found in review: a million nested arrays in the metadata overflowed the stack when the loader
// copied and printed them (a crash natively, a RangeError in WebAssembly).
TEST_F(ModelFile, DeeplyNestedJsonIsRefused) {
  // The configuration's object, its metadata's object, then arrays: `levels` levels in all.
  auto nested = [&](size_t levels) {
    nlohmann::json conf = to_json(model.config());
    conf["labels"] = model.labels;
    std::string text = conf.dump();
    text.insert(1, R"("metadata":{"deep":)" + std::string(levels - 2, '[') +
                       std::string(levels - 2, ']') + "},");
    return with_config(model, text);
  };
  EXPECT_EQ(load_error(nested(64)), "");
  EXPECT_EQ(load_error(nested(65)), "configuration: JSON nested deeper than 64 levels");
  EXPECT_EQ(load_error(nested(1'000'000)), "configuration: JSON nested deeper than 64 levels");
  // Brackets inside strings do not nest.
  Model text_model = model;
  text_model.metadata_json = R"({"text": "\"[[[)" + std::string(1000, '[') + "\"}";
  EXPECT_EQ(load_error(write_model(text_model)), "");
}

TEST_F(ModelFile, GoldenCasesHoldAtMostOneMebibyteOfText) {
  Model big = model;
  big.golden_cases = {{std::string(600'000, 'a'), {0.5, 0.5}},
                      {std::string(600'000, 'b'), {0.5, 0.5}}};
  const std::vector<uint8_t> b = write_model(big);
  EXPECT_EQ(load_error(b), "golden cases: more than 1 MiB of text");
}

TEST_F(ModelFile, AbsurdDimensionsAreRefusedBeforeAllocating) {
  // 2,000,000 x 4096 floats would be 32 GB; under ASan an attempt would abort the test.
  EXPECT_EQ(load_error(with_edited_config(model,
                                          [](nlohmann::json& c) {
                                            c["vocab_size"] = 2000000;
                                            c["embedding_dim"] = 4096;
                                          })),
            "configuration: 8192098766 weights, more than the limit of 268435456");
  EXPECT_EQ(
      load_error(with_edited_config(model, [](nlohmann::json& c) { c["vocab_size"] = 60000; })),
      "vocabulary: holds 12 words, the configuration says 60000");
  EXPECT_NE(
      load_error(with_edited_config(model, [](nlohmann::json& c) { c["embedding_dim"] = 4096; }))
          .find("tensors: the configuration needs "),
      std::string::npos);
  EXPECT_EQ(load_error(with_edited_config(
                model, [](nlohmann::json& c) { c["word_encoder"]["units"] = 100000; })),
            "word_encoder.units: expected an integer from 1 to 4096, found 100000");
}

TEST_F(ModelFile, ConfigurationErrorsNameTheKey) {
  EXPECT_EQ(load_error(with_edited_config(
                model, [](nlohmann::json& c) { c["sentence_encoder"]["cell"] = "rnn"; })),
            "sentence_encoder.cell: expected \"gru\" or \"lstm\", found \"rnn\"");
  EXPECT_EQ(load_error(with_edited_config(
                model, [](nlohmann::json& c) { c["word_attention"]["activation"] = "softmax"; })),
            "word_attention.activation: 'softmax' is not allowed here");
  EXPECT_NE(
      load_error(with_config(model, "{\"architecture\": ")).find("configuration: invalid JSON"),
      std::string::npos);
  EXPECT_EQ(load_error(with_edited_config(model,
                                          [](nlohmann::json& c) {
                                            c["labels"] = {"a", "a"};
                                          })),
            "labels: \"a\" appears twice");
  EXPECT_EQ(load_error(with_edited_config(model, [](nlohmann::json& c) { c.erase("output"); })),
            "output: missing");
}

TEST_F(ModelFile, MisShapedTensorIsNamed) {
  Model broken = model;
  broken.params.word_encoder.forward = [&] {
    auto gru = std::get<GruParams<float>>(broken.params.word_encoder.forward);
    gru.kernel = Matrix<float>::Zero(5, 11);
    return RecurrentParams<float>(gru);
  }();
  broken.golden_cases.clear();
  const std::vector<uint8_t> b = write_model(broken);
  EXPECT_EQ(load_error(b), "tensor word_encoder.fw.kernel: expected 5x12, found 5x11");
}

TEST_F(ModelFile, NonFiniteWeightIsAnError) {
  Model broken = model;
  broken.params.output.bias(0, 1) = std::numeric_limits<float>::quiet_NaN();
  broken.golden_cases.clear();
  EXPECT_EQ(load_error(write_model(broken)), "tensor output.bias: value 1 is not finite");
}

TEST_F(ModelFile, GoldenMismatchFailsUnlessVerificationIsOff) {
  Model tampered = model;
  tampered.golden_cases[1].probabilities = {0.25, 0.75};
  const std::vector<uint8_t> b = write_model(tampered);
  EXPECT_NE(load_error(b).find("golden case 2: probability of 'label0'"), std::string::npos);
  EXPECT_EQ(load_error(b, {false}), "");
  const Model unverified = read_model(b.data(), b.size(), {false, {}});
  EXPECT_FALSE(unverified.check_golden().failure.empty());
}

TEST_F(ModelFile, VocabularyMustBeValidAndDistinct) {
  Model dup = model;
  std::vector<std::string> words = model.vocabulary.words();
  words[3] = "\xC3\x28";
  dup.vocabulary = Vocabulary(words);
  dup.golden_cases.clear();
  EXPECT_EQ(load_error(write_model(dup)), "vocabulary: word 3 is not valid UTF-8");
  words[3] = words[4];
  EXPECT_THROW(Vocabulary{words}, Error);
}

// Offset and length of a section's payload.
std::pair<size_t, size_t> section(const std::vector<uint8_t>& bytes, const std::string& tag) {
  size_t at = 24;
  while (at + 12 <= bytes.size()) {
    uint64_t length = 0;
    for (size_t i = 0; i < 8; ++i) length |= uint64_t{bytes[at + 4 + i]} << (8 * i);
    if (std::equal(tag.begin(), tag.end(), bytes.begin() + static_cast<long>(at))) {
      return {at + 12, static_cast<size_t>(length)};
    }
    at += 12 + static_cast<size_t>(length);
  }
  return {0, 0};
}

// Largest |stored - original| over a tensor, and its largest |original|.
std::pair<float, float> rounding(const Model& original, const Model& stored,
                                 const std::string& name) {
  HanParams<float> a = original.params, b = stored.params;
  std::map<std::string, Matrix<float>*> by_name;
  visit_han_params(b, [&](const std::string& n, Matrix<float>& m, bool) { by_name[n] = &m; });
  std::pair<float, float> out{0.f, 0.f};
  visit_han_params(a, [&](const std::string& n, Matrix<float>& m, bool) {
    if (n != name) return;
    out = {(m - *by_name[n]).cwiseAbs().maxCoeff(), m.cwiseAbs().maxCoeff()};
  });
  return out;
}

TEST_F(ModelFile, Float16EmbeddingRoundsOnlyTheEmbedding) {
  const Model stored = quantize(model, StorageType::Float16, false);
  const std::vector<uint8_t> b = write_model(stored);
  // Two bytes saved per embedding weight (12 x 5).
  EXPECT_EQ(section(bytes, "TENS").second - section(b, "TENS").second, 2u * 12 * 5);
  const Model loaded = read_model(b.data(), b.size());  // golden cases recomputed: they verify
  EXPECT_EQ(loaded.storage.at("embedding"), StorageType::Float16);
  EXPECT_EQ(loaded.storage.size(), 1u);
  const auto [error, largest] = rounding(model, loaded, "embedding");
  EXPECT_GT(error, 0.f);
  EXPECT_LE(error, largest * std::ldexp(1.f, -11));  // half of float16's 2^-10 relative step
  EXPECT_EQ(rounding(model, loaded, "output.kernel").first, 0.f);
  EXPECT_EQ(write_model(loaded), b);
}

TEST_F(ModelFile, Int8MatricesStayWithinHalfAStepOfEachRowScale) {
  const Model stored = quantize(model, StorageType::Int8, true);
  const std::vector<uint8_t> b = write_model(stored);
  const Model loaded = read_model(b.data(), b.size());
  EXPECT_EQ(loaded.storage.at("word_encoder.fw.recurrent_kernel"), StorageType::Int8);
  EXPECT_EQ(loaded.storage.count("output.bias"), 0u);  // vectors stay float32
  HanParams<float> original = model.params;
  std::map<std::string, Matrix<float>*> rounded;
  HanParams<float> copy = loaded.params;
  visit_han_params(copy, [&](const std::string& n, Matrix<float>& m, bool) { rounded[n] = &m; });
  visit_han_params(original, [&](const std::string& n, Matrix<float>& m, bool is_vector) {
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      const float step = is_vector ? 0.f : m.row(r).cwiseAbs().maxCoeff() / 127.f;
      const float error = (m.row(r) - rounded[n]->row(r)).cwiseAbs().maxCoeff();
      EXPECT_LE(error, step * 0.5f * 1.0001f) << n << " row " << r;
    }
  });
  EXPECT_LT(section(b, "TENS").second, section(bytes, "TENS").second);
  EXPECT_EQ(load_error(b), "");
}

TEST_F(ModelFile, StorageErrorsAreSpecific) {
  Model vector_int8 = model;
  vector_int8.storage["output.bias"] = StorageType::Int8;
  EXPECT_THROW(write_model(vector_int8), Error);
  Model huge = model;
  huge.params.output.kernel(0, 0) = 1e6f;
  huge.storage["output.kernel"] = StorageType::Float16;
  EXPECT_THROW(write_model(huge), Error);
  // The dtype byte of the first tensor, "embedding": after the u32 count, u16 length and name.
  std::vector<uint8_t> b = bytes;
  b[section(b, "TENS").first + 4 + 2 + 9] = 9;
  reseal(b);
  EXPECT_EQ(load_error(b),
            "tensor embedding: unknown dtype 9 (1 float32, 2 float16, 3 int8 per row, 4 int8 per "
            "column)");
  EXPECT_EQ(parse_storage("int8"), StorageType::Int8);
  EXPECT_THROW(parse_storage("int4"), Error);
}

TEST(Float16, EveryHalfRoundTripsAndFloatsRoundToTheNearestHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const bool nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
    if (!nan) ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h) << h;
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-65000.f, 65000.f);
  for (int i = 0; i < 100000; ++i) {
    const float f = uniform(rng) * (i % 3 == 0 ? 1.f : i % 3 == 1 ? 1e-5f : 1e-9f);
    const uint16_t h = float_to_half(f);
    const double error = std::abs(double{half_to_float(h)} - f);
    for (uint16_t neighbour : {static_cast<uint16_t>(h + 1), static_cast<uint16_t>(h - 1)}) {
      if ((neighbour & 0x7C00) == 0x7C00 || (neighbour & 0x7FFF) == 0x7FFF) continue;
      ASSERT_LE(error, std::abs(double{half_to_float(neighbour)} - f)) << f;
    }
  }
  EXPECT_EQ(float_to_half(1e6f), 0x7C00);
  EXPECT_EQ(half_to_float(0x3C00), 1.f);
}

TEST(Crc32, MatchesZlib) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0xCBF43926u);
}

TEST(ModelFileIo, MissingFileIsAClearError) {
  try {
    read_model_file("/nonexistent/model.han");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot open model file '/nonexistent/model.han': No such file or directory");
  }
}

}  // namespace
}  // namespace han
