// Models that compute in int8 (han quantize --compute int8): the file records the choice, the
// loader holds the model to its own golden cases, the caches and threads change nothing, the
// integer network stays close to the float network on the same rounded weights, and damaged
// int8 tensors are named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/crc32.h"
#include "io/model_file.h"
#include "test_util.h"

namespace han {
namespace {

using testing::load_error;
using testing::reseal;

// The small test network with both encoders on the ragged path, which int8 compute needs.
HanConfig ragged_config() {
  HanConfig c = testing::small_config();
  c.sentence_encoder = {CellType::Gru, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
  return c;
}

// Where the values of tensor `name` start in the file: after its name, dtype, rank and dims.
size_t tensor_data(const std::vector<uint8_t>& bytes, const std::string& name) {
  const std::string needle = std::string(1, static_cast<char>(name.size())) + '\0' + name;
  const auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  if (at == bytes.end()) return 0;
  const size_t dtype = static_cast<size_t>(at - bytes.begin()) + needle.size();
  return dtype + 2 + 4 * bytes[dtype + 1];
}

void put_f32(std::vector<uint8_t>& bytes, size_t at, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  for (size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(bits >> (8 * i));
}

const char* const kTexts[] = {"w2 w3 w4. w5 w6!", "w7", "w8 w9 w10 w11. w2 unknown w3? w4.",
                              "w11 w10 w9 w8 w7 w6 w5 w4 w3 w2. w2 w2 w2."};

class Int8Model : public ::testing::Test {
 protected:
  Model float_model = testing::random_model(ragged_config(), 21);
  Model int8_model = with_compute(float_model, ComputeType::Int8);
  std::vector<uint8_t> bytes = write_model(int8_model);
};

TEST_F(Int8Model, TheFileRecordsTheChoiceAndTheLoaderHoldsItToItsGoldenCases) {
  EXPECT_EQ(float_model.compute(), ComputeType::Float32);
  ASSERT_EQ(int8_model.compute(), ComputeType::Int8);
  const Model loaded = read_model(bytes.data(), bytes.size());  // verifies the golden cases
  EXPECT_EQ(loaded.compute(), ComputeType::Int8);
  EXPECT_EQ(loaded.golden_cases.size(), 3u);
  for (const char* name : {"word_encoder.fw.kernel", "word_encoder.bw.recurrent_kernel",
                           "word_attention.kernel", "sentence_encoder.fw.kernel",
                           "sentence_encoder.bw.recurrent_kernel", "sentence_attention.kernel"}) {
    EXPECT_EQ(loaded.storage.at(name), StorageType::Int8Columns) << name;
  }
  EXPECT_EQ(loaded.storage.count("embedding"), 0u);
  EXPECT_EQ(loaded.storage.count("output.kernel"), 0u);
  for (const char* text : kTexts) {
    EXPECT_EQ(loaded.predict(text).probabilities, int8_model.predict(text).probabilities) << text;
  }
  EXPECT_EQ(write_model(loaded), bytes);

  // The golden cases are the integer network's: the float network on the same weights gives
  // other probabilities.
  Model as_float = loaded;
  as_float.set_compute(ComputeType::Float32);
  double largest = 0;
  for (const GoldenCase& c : loaded.golden_cases) {
    const std::vector<float> p = as_float.predict(c.text).probabilities;
    for (size_t k = 0; k < p.size(); ++k)
      largest = std::max(largest, std::abs(p[k] - c.probabilities[k]));
  }
  EXPECT_GT(largest, 0.0);
}

TEST_F(Int8Model, FloatModelsComputeAsTheyDid) {
  const std::vector<uint8_t> float_bytes = write_model(float_model);
  const Model loaded = read_model(float_bytes.data(), float_bytes.size());
  EXPECT_EQ(loaded.compute(), ComputeType::Float32);
  EXPECT_EQ(loaded.int8, nullptr);
  const std::string conf(float_bytes.begin() + 36, float_bytes.begin() + 36 + 200);
  EXPECT_EQ(conf.find("compute"), std::string::npos);
  EXPECT_EQ(loaded.predict(kTexts[2]).probabilities, float_model.predict(kTexts[2]).probabilities);
}

// The int8 network against the float one on the same rounded weights: only the activations'
// rounding to int16 (a step of 1/32767 of each row's largest value) separates them.
TEST_F(Int8Model, StaysCloseToTheFloatNetworkOnTheSameWeights) {
  Model as_float = int8_model;
  as_float.set_compute(ComputeType::Float32);
  for (const char* text : kTexts) {
    const Prediction a = int8_model.predict(text), b = as_float.predict(text);
    for (size_t k = 0; k < a.probabilities.size(); ++k) {
      EXPECT_NEAR(a.probabilities[k], b.probabilities[k], 1e-3) << text;
    }
    for (size_t s = 0; s < a.sentences.size(); ++s) {
      EXPECT_NEAR(a.sentences[s].weight, b.sentences[s].weight, 1e-3) << text;
      for (size_t w = 0; w < a.sentences[s].words.size(); ++w) {
        EXPECT_NEAR(a.sentences[s].words[w].weight, b.sentences[s].words[w].weight, 1e-3) << text;
      }
    }
  }
}

TEST_F(Int8Model, CachesBatchesAndThreadsGiveTheSameResultBitForBit) {
  Model fast = int8_model;
  fast.cache_input_projections();
  fast.cache_sentences(Model::kDefaultSentenceCacheBytes);
  fast.set_threads(2);
  std::vector<std::string_view> texts(std::begin(kTexts), std::end(kTexts));
  for (int pass = 0; pass < 2; ++pass) {  // the second pass from the caches
    const std::vector<Prediction> batch = fast.predict_batch(texts);
    for (size_t d = 0; d < texts.size(); ++d) {
      const Prediction alone = int8_model.predict(texts[d]);
      EXPECT_EQ(batch[d].probabilities, alone.probabilities) << texts[d];
      for (size_t s = 0; s < alone.sentences.size(); ++s) {
        EXPECT_EQ(batch[d].sentences[s].weight, alone.sentences[s].weight);
        for (size_t w = 0; w < alone.sentences[s].words.size(); ++w) {
          EXPECT_EQ(batch[d].sentences[s].words[w].weight, alone.sentences[s].words[w].weight);
        }
      }
    }
  }
}

TEST_F(Int8Model, SwitchingBackToFloatKeepsTheRoundedWeights) {
  const Model back = with_compute(int8_model, ComputeType::Float32);
  EXPECT_EQ(back.compute(), ComputeType::Float32);
  EXPECT_EQ(back.storage.count("word_attention.kernel"), 0u);
  EXPECT_EQ(back.params.word_attention.kernel, int8_model.params.word_attention.kernel);
  EXPECT_NE(back.params.word_attention.kernel, float_model.params.word_attention.kernel);
}

TEST_F(Int8Model, OnlyNetworksOnTheRaggedPathCanComputeInInt8) {
  const Model lstm = testing::random_model(testing::small_config(), 22);
  try {
    with_compute(lstm, ComputeType::Int8);
    FAIL() << "expected han::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int8 compute needs GRU encoders"), std::string::npos);
  }
}

TEST_F(Int8Model, ConfigurationErrorsAreNamed) {
  auto with_compute_value = [&](const Model& model, const nlohmann::json& value) {
    std::vector<uint8_t> b = write_model(model);
    uint64_t length = 0;
    for (size_t i = 0; i < 8; ++i) length |= uint64_t{b[28 + i]} << (8 * i);
    nlohmann::json conf =
        nlohmann::json::parse(b.begin() + 36, b.begin() + 36 + static_cast<long>(length));
    conf["compute"] = value;
    const std::string text = conf.dump();
    std::vector<uint8_t> out(b.begin(), b.begin() + 28);
    for (size_t i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(text.size() >> (8 * i)));
    out.insert(out.end(), text.begin(), text.end());
    out.insert(out.end(), b.begin() + 36 + static_cast<long>(length), b.end());
    for (size_t i = 0; i < 8; ++i) out[16 + i] = static_cast<uint8_t>(out.size() >> (8 * i));
    reseal(out);
    return load_error(out);
  };
  EXPECT_EQ(with_compute_value(int8_model, "int4"),
            "configuration: compute must be \"float32\" or \"int8\"");
  EXPECT_EQ(with_compute_value(int8_model, 8),
            "configuration: compute must be \"float32\" or \"int8\"");
  EXPECT_NE(with_compute_value(testing::random_model(testing::small_config(), 23), "int8")
                .find("int8 compute needs GRU encoders"),
            std::string::npos);
}

// A scale that is not finite, is negative, or is 0 over values that are not: one line naming the
// tensor and the row or column.
TEST_F(Int8Model, BadScalesAreNamed) {
  const std::string name = "word_encoder.fw.recurrent_kernel";
  const size_t scales = tensor_data(bytes, name);
  ASSERT_GT(scales, 0u);
  auto with_scale = [&](size_t column, float value) {
    std::vector<uint8_t> b = bytes;
    put_f32(b, scales + 4 * column, value);
    reseal(b);
    return load_error(b);
  };
  const auto message = [](const std::string& tensor, const std::string& what) {
    return "tensor " + tensor + ": the scale of " + what +
           " (a scale is finite, not negative, and 0 only over values that are all 0)";
  };
  EXPECT_EQ(with_scale(0, std::nanf("")), message(name, "column 0 is nan"));
  EXPECT_EQ(with_scale(3, INFINITY), message(name, "column 3 is inf"));
  EXPECT_EQ(with_scale(1, -0.5f), message(name, "column 1 is -0.5"));
  EXPECT_EQ(with_scale(2, 0.0f), message(name, "column 2 is 0.0"));  // over non-zero values

  // The same for a per-row int8 tensor.
  const Model per_row = quantize(float_model, StorageType::Int8, false);
  std::vector<uint8_t> b = write_model(per_row);
  put_f32(b, tensor_data(b, "embedding") + 4 * 5, std::nanf(""));
  reseal(b);
  EXPECT_EQ(load_error(b), message("embedding", "row 5 is nan"));
}

// A tensor's bytes cut short: the table says how long each is, and the first one out of place is
// named.
TEST_F(Int8Model, ATensorOfTheWrongLengthIsNamed) {
  const size_t scales = tensor_data(bytes, "word_attention.kernel");
  std::vector<uint8_t> b = bytes;
  b[scales - 4] = static_cast<uint8_t>(b[scales - 4] + 100);  // its column count, way up
  reseal(b);
  EXPECT_NE(load_error(b).find("word_attention.kernel"), std::string::npos) << load_error(b);
}

}  // namespace
}  // namespace han
