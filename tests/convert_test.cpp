// han convert: the safetensors reader on good and damaged files, and the conversion of PyTorch
// and Keras HANs (tests/reference/make_convert_fixtures.py) against their frameworks' outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "import/convert.h"
#include "import/safetensors.h"
#include "io/float16.h"

#ifndef HAN_FIXTURE_DIR
#define HAN_FIXTURE_DIR "tests/fixtures"
#endif

namespace han {
namespace {

using nlohmann::json;
const std::string kDir = std::string(HAN_FIXTURE_DIR) + "/convert";

struct Entry {
  std::string name, dtype;
  std::vector<uint64_t> shape;
  std::vector<uint8_t> data;
};

template <typename T>
std::vector<uint8_t> raw(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());  // the test machines are little-endian
  return out;
}

std::vector<uint8_t> with_header(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> encode(const std::vector<Entry>& entries) {
  json header = json::object();
  std::vector<uint8_t> data;
  for (const Entry& e : entries) {
    header[e.name] = {{"dtype", e.dtype},
                      {"shape", e.shape},
                      {"data_offsets", {data.size(), data.size() + e.data.size()}}};
    data.insert(data.end(), e.data.begin(), e.data.end());
  }
  return with_header(header.dump(), data);
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  try {
    SafetensorsFile file(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Safetensors, ReadsEveryFloatDtype) {
  // Values each dtype holds exactly: half's largest and smallest subnormal, bfloat16's range.
  const std::vector<float> f32 = {1.5f, -2.25f, 3e-8f, 65504.f, 0.f, -0.f};
  const std::vector<float> halves = {1.5f, -2.25f, std::ldexp(1.f, -24), 65504.f, 0.f, -0.f};
  const std::vector<float> bfloats = {1.5f, -2.25f, std::ldexp(1.f, 100), -3.f, 0.5f, 0.f};
  std::vector<uint16_t> f16, bf16;
  for (size_t i = 0; i < halves.size(); ++i) {
    f16.push_back(float_to_half(halves[i]));
    uint32_t bits;
    std::memcpy(&bits, &bfloats[i], 4);
    bf16.push_back(static_cast<uint16_t>(bits >> 16));
  }
  const std::vector<double> f64 = {0.1, -1e30, 7, 1e-40, 2, 3};
  const SafetensorsFile file(encode({{"a", "F32", {2, 3}, raw(f32)},
                                     {"b", "F16", {6}, raw(f16)},
                                     {"c", "BF16", {3, 2}, raw(bf16)},
                                     {"d", "F64", {1, 6}, raw(f64)},
                                     {"scalar", "F32", {}, raw(std::vector<float>{4.f})},
                                     {"empty", "F32", {0, 3}, {}}}));
  EXPECT_EQ(file.values("a"), f32);
  EXPECT_EQ(file.tensors().at("a").shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(file.values("b"), halves);
  EXPECT_EQ(file.values("c"), bfloats);
  const std::vector<float> d = file.values("d");
  for (size_t i = 0; i < f64.size(); ++i) EXPECT_EQ(d[i], static_cast<float>(f64[i]));
  EXPECT_EQ(file.values("scalar"), std::vector<float>{4.f});
  EXPECT_TRUE(file.values("empty").empty());
}

TEST(Safetensors, KeepsMetadataAndAllowsHeaderPadding) {
  std::string header = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],)"
                       R"("data_offsets":[0,4]}})";
  header += "    ";
  const SafetensorsFile file(with_header(header, raw(std::vector<float>{2.f})));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.tensors().size(), 1u);
}

TEST(Safetensors, DamagedFilesGivePreciseErrors) {
  const std::vector<uint8_t> four_floats = raw(std::vector<float>{1, 2, 3, 4});
  auto header_only = [&](const std::string& entry) {
    return parse_error(with_header(R"({"w":)" + entry + "}", four_floats));
  };
  EXPECT_NE(parse_error({1, 2, 3}).find("fewer than the 8"), std::string::npos);
  std::vector<uint8_t> absurd(16, 0xFF);
  EXPECT_NE(parse_error(absurd).find("(truncated or not a safetensors file)"), std::string::npos);
  EXPECT_NE(parse_error(with_header("[1, 2]", {})).find("does not start with '{'"),
            std::string::npos);
  EXPECT_NE(parse_error(with_header("{\"w\": [1,", {})).find("invalid JSON"), std::string::npos);
  EXPECT_NE(parse_error(with_header(std::string(20, ' '), {})).find("does not start"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F48","shape":[4],"data_offsets":[0,16]})")
                .find("tensor w: unknown dtype \"F48\""),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                        R"("data_offsets":[0,16]})")
                .find("tensor w: shape 4294967296x4294967296x4294967296 of F32 needs more than "
                      "the 16 bytes"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[-4],"data_offsets":[0,16]})")
                .find("tensor w: shape: expected a non-negative integer, found -4"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[4],"data_offsets":[0,1000]})")
                .find("data_offsets [0, 1000] lie outside the 16 bytes"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[4],"data_offsets":[16,0]})").find("lie outside"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[3],"data_offsets":[0,16]})")
                .find("tensor w: F32 3 needs 12 bytes, data_offsets give 16"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[4],"data_offsets":[0]})")
                .find("data_offsets must be [begin, end]"),
            std::string::npos);
  EXPECT_NE(header_only(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16],"x":1})")
                .find("unknown key \"x\""),
            std::string::npos);
  EXPECT_NE(header_only(R"({"shape":[4],"data_offsets":[0,16]})").find("dtype missing"),
            std::string::npos);
  EXPECT_NE(
      parse_error(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                              four_floats))
          .find("tensor b: its data starts at byte 4 of the data, expected 8 (it overlaps a)"),
      std::string::npos);
  EXPECT_NE(parse_error(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                    four_floats))
                .find("(a gap before it)"),
            std::string::npos);
  EXPECT_NE(parse_error(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                    four_floats))
                .find("8 bytes after the last tensor belong to no tensor"),
            std::string::npos);
  EXPECT_NE(parse_error(with_header(R"({"__metadata__":{"n":3}})", {})).find("not a string"),
            std::string::npos);
}

TEST(Safetensors, EveryTruncationIsAnError) {
  const std::vector<uint8_t> bytes = encode({{"a", "F32", {2, 2}, raw(std::vector<float>(4, 1))},
                                             {"b", "F16", {3}, raw(std::vector<uint16_t>(3, 0))}});
  ASSERT_EQ(parse_error(bytes), "");
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_NE(parse_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + n)), "") << n;
  }
}

// Under ASan this is the point: any changed header byte is parsed safely, and whatever still
// parses reads only inside the file.
TEST(Safetensors, ChangedHeaderBytesNeverReadOutsideTheFile) {
  const std::vector<uint8_t> bytes = encode({{"a", "F32", {2, 2}, raw(std::vector<float>(4, 1))},
                                             {"b", "F64", {1}, raw(std::vector<double>{2})}});
  size_t parsed = 0;
  for (size_t i = 0; i < bytes.size() - 24; ++i) {
    for (const uint8_t value : std::vector<uint8_t>{'0', '9', '[', '"', 0xFF}) {
      std::vector<uint8_t> changed = bytes;
      changed[i] = value;
      try {
        const SafetensorsFile file(changed);
        for (const auto& [name, tensor] : file.tensors())
          EXPECT_EQ(file.values(name).size(), tensor.elements());
        ++parsed;
      } catch (const Error&) {
      }
    }
  }
  EXPECT_GT(parsed, 0u);  // some changes (a digit of a value, ...) keep the file valid
}

TEST(Safetensors, ValuesRefuseNonFloatDtypesAndOverflow) {
  const SafetensorsFile file(encode({{"steps", "I64", {1}, raw(std::vector<int64_t>{7})},
                                     {"big", "F64", {1}, raw(std::vector<double>{1e300})}}));
  try {
    file.values("steps");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "tensor steps: dtype I64 cannot be read as weights (F32, F16, BF16 or F64)");
  }
  try {
    file.values("big");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("beyond the float32 range"), std::string::npos);
  }
}

// --- conversion

struct Fixture {
  json config;
  SafetensorsFile weights;
  json expected;
};

Fixture load_fixture(const std::string& name) {
  return {json::parse(read_text(kDir + "/" + name + ".json")),
          read_safetensors_file(kDir + "/" + name + ".safetensors"),
          json::parse(read_text(kDir + "/" + name + ".expected.json"))};
}

// The fixture's tensors as F32 entries, for editing.
std::vector<Entry> entries_of(const SafetensorsFile& file) {
  std::vector<Entry> out;
  for (const auto& [name, tensor] : file.tensors()) {
    out.push_back({name, "F32", tensor.shape, raw(file.values(name))});
  }
  return out;
}

std::string convert_error(const json& config, const std::vector<Entry>& entries) {
  try {
    convert_model(config, SafetensorsFile(encode(entries)), kDir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class ConvertFixture : public ::testing::TestWithParam<const char*> {};

// The framework's own outputs (PyTorch's nn.GRU / nn.LSTM, or the Keras cells): the converted
// model reproduces the probabilities and both levels of attention, on the same word ids.
TEST_P(ConvertFixture, MatchesTheFrameworkOutputs) {
  const Fixture f = load_fixture(GetParam());
  const ConvertResult result = convert_model(f.config, f.weights, kDir);
  EXPECT_TRUE(result.ignored.empty());
  EXPECT_TRUE(result.unreachable_words.empty());
  EXPECT_EQ(result.tensors_read, f.weights.tensors().size());
  const Model& model = result.model;
  EXPECT_EQ(model.check_golden().failure, "");
  EXPECT_FALSE(model.golden_cases.empty());
  ASSERT_EQ(f.expected["cases"].size(), 6u);
  for (const json& c : f.expected["cases"]) {
    const Prediction p = model.predict(c["text"].get<std::string>());
    ASSERT_EQ(p.probabilities.size(), c["probabilities"].size());
    for (size_t k = 0; k < p.probabilities.size(); ++k) {
      EXPECT_NEAR(p.probabilities[k], c["probabilities"][k].get<double>(), 1e-5);
    }
    ASSERT_EQ(p.sentences.size(), c["sentence_weights"].size());
    for (size_t s = 0; s < p.sentences.size(); ++s) {
      EXPECT_NEAR(p.sentences[s].weight, c["sentence_weights"][s].get<double>(), 1e-5);
      ASSERT_EQ(p.sentences[s].words.size(), c["word_weights"][s].size());
      for (size_t w = 0; w < p.sentences[s].words.size(); ++w) {
        EXPECT_EQ(p.sentences[s].words[w].id, c["ids"][s][w].get<int32_t>());
        EXPECT_NEAR(p.sentences[s].words[w].weight, c["word_weights"][s][w].get<double>(), 1e-5);
      }
    }
  }
  const ParityReport parity = check_parity(model, f.expected);
  EXPECT_EQ(parity.failure, "");
  EXPECT_EQ(parity.cases, 6u);
  EXPECT_LT(parity.max_abs_diff, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConvertFixture,
                         ::testing::Values("torch_gru", "torch_lstm_renamed", "keras_docla",
                                           "keras_tf2"));

TEST(Convert, ParityCheckCatchesADifferentModel) {
  Fixture f = load_fixture("torch_gru");
  const Model model = convert_model(f.config, f.weights, kDir).model;
  json reference = f.expected;
  reference["cases"][2]["word_weights"][1][0] =
      reference["cases"][2]["word_weights"][1][0].get<double>() + 1e-4;
  EXPECT_NE(check_parity(model, reference).failure.find("case 3, sentence 2, word 1 weight is"),
            std::string::npos);
  reference = f.expected;
  reference["cases"][1]["ids"][0][0] = 7;
  EXPECT_NE(check_parity(model, reference).failure.find("case 2, sentence 1: word ids [2,"),
            std::string::npos);
  reference = f.expected;
  reference["cases"][1]["sentence_weights"].push_back(0.0);
  EXPECT_NE(check_parity(model, reference).failure.find("(do the tokenizers agree?)"),
            std::string::npos);
}

std::vector<Entry> without(std::vector<Entry> entries, const std::string& name) {
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.name == name; }),
                entries.end());
  return entries;
}

TEST(Convert, NamesMissingExtraAndMisShapedTensors) {
  const Fixture f = load_fixture("torch_gru");
  const std::vector<Entry> good = entries_of(f.weights);
  ASSERT_EQ(convert_error(f.config, good), "");

  EXPECT_EQ(convert_error(f.config, without(good, "word_encoder.bias_hh_l0_reverse")),
            "1 problem: tensor word_encoder.bias_hh_l0_reverse: missing (expected 15 "
            "(gates·units, GRU gates))");

  std::vector<Entry> extra = good;
  extra.push_back({"word_encoder.weight_ih_l1", "F32", {15, 10}, raw(std::vector<float>(150))});
  EXPECT_EQ(convert_error(f.config, extra),
            "1 problem: tensor word_encoder.weight_ih_l1 (15x10): not used by this architecture");
  const ConvertResult ignoring =
      convert_model(f.config, SafetensorsFile(encode(extra)), kDir, {true});
  EXPECT_EQ(ignoring.ignored, std::vector<std::string>{"word_encoder.weight_ih_l1"});

  std::vector<Entry> wrong = good;
  for (Entry& e : wrong) {
    if (e.name == "output.weight") {
      e.shape = {2, 9};
      e.data.resize(2 * 9 * 4);
    }
  }
  EXPECT_EQ(convert_error(f.config, wrong),
            "1 problem: tensor output.weight: expected 2x8 (labels x input), found 2x9");

  // Everything at once, each by name.
  const std::string all =
      convert_error(f.config, without(without(extra, "embedding.weight"), "output.bias"));
  EXPECT_NE(all.find("3 problems: "), std::string::npos) << all;
  EXPECT_NE(all.find("tensor embedding.weight: missing (expected 40x6 (vocabulary size x "
                     "embedding_dim))"),
            std::string::npos);
  EXPECT_NE(all.find("tensor output.bias: missing"), std::string::npos);
  EXPECT_NE(all.find("tensor word_encoder.weight_ih_l1 (15x10): not used"), std::string::npos);

  std::vector<Entry> ints = good;
  ints.front().dtype = "I32";  // same size, not a float
  EXPECT_NE(convert_error(f.config, ints).find("dtype I32 cannot be read as weights"),
            std::string::npos);
}

TEST(Convert, ConfigurationErrorsNameTheKey) {
  const Fixture f = load_fixture("torch_gru");
  const std::vector<Entry> good = entries_of(f.weights);
  auto error_with = [&](auto edit) {
    json config = f.config;
    edit(config);
    return convert_error(config, good);
  };
  EXPECT_EQ(error_with([](json& c) { c["nmaes"] = json::object(); }),
            "configuration: unknown key \"nmaes\"");
  EXPECT_EQ(error_with([](json& c) { c.erase("convention"); }),
            "convention: expected \"pytorch\" or \"keras\", found nothing");
  EXPECT_EQ(error_with([](json& c) { c["word_encoder"]["reset_after"] = false; }),
            "word_encoder.reset_after: PyTorch's nn.GRU is reset_after: true");
  EXPECT_EQ(error_with([](json& c) { c["sentence_encoder"].erase("units"); }),
            "sentence_encoder.units: missing");
  EXPECT_EQ(error_with([](json& c) { c["vocabulary_file"] = "x.txt"; }),
            "configuration: give exactly one of \"vocabulary\" and \"vocabulary_file\"");
  EXPECT_EQ(error_with([](json& c) { c["vocabulary"].erase(c["vocabulary"].end() - 1); }),
            "1 problem: tensor embedding.weight: expected 39x6 (vocabulary size x embedding_dim), "
            "found 40x6");
  EXPECT_EQ(error_with([](json& c) { c["vocabulary"][5] = "alpha"; }),
            "vocabulary: word 5 (\"alpha\") appears twice");
  EXPECT_EQ(error_with([](json& c) { c["labels"] = {"a", "a"}; }), "labels: \"a\" appears twice");
  EXPECT_EQ(error_with([](json& c) { c["word_encoder"]["units"] = 4096; }),
            "the architecture has 101114302 weights, more than the safetensors file's 4584 bytes "
            "of tensor data can hold");
  EXPECT_EQ(error_with([](json& c) {
              c["names"] = json{{"output", 3}};
            }),
            "names.output: expected a string");
}

TEST(Convert, NameMappingAndPrefixFindRenamedModules) {
  const Fixture f = load_fixture("torch_lstm_renamed");
  // Without its mapping, the file's names are all unknown: the first problem names what was
  // looked for.
  json config = f.config;
  config.erase("names");
  const std::string error = convert_error(config, entries_of(f.weights));
  EXPECT_NE(error.find("tensor han.embedding.weight: missing"), std::string::npos) << error;
  EXPECT_NE(error.find("; and 12 more missing or mis-shaped; tensor han.classifier.bias (3): not "
                       "used by this architecture"),
            std::string::npos)
      << error;
  // The Keras alternatives for a context vector are both named when neither is there.
  const Fixture k = load_fixture("keras_docla");
  const std::string keras =
      convert_error(k.config, without(entries_of(k.weights), "word_attention/context_vector"));
  EXPECT_EQ(keras,
            "1 problem: tensor word_attention/u or word_attention/context_vector: missing "
            "(expected 7 or 7x1 (attention units))");
}

TEST(Convert, KerasGruBiasShapeMustMatchResetAfter) {
  const Fixture f = load_fixture("keras_docla");
  json config = f.config;
  config["word_encoder"]["reset_after"] = true;
  const std::string error = convert_error(config, entries_of(f.weights));
  EXPECT_NE(error.find("tensor word_encoder/forward/bias: expected 2x15 (input and recurrent "
                       "bias, 3·units each: GRU with reset_after: true), found 15"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace han
