// Dataset reading and classification metrics.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "tools/dataset.h"
#include "tools/metrics.h"
#include "tools/parallel.h"

namespace han {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& content, bool gzip = false) {
    char name[] = "/tmp/han_dataset_XXXXXX";
    const int fd = mkstemp(name);
    close(fd);
    path_ = name;
    if (gzip) {
      gzFile f = gzopen(path_.c_str(), "wb");
      gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
      gzclose(f);
    } else {
      std::ofstream(path_, std::ios::binary) << content;
    }
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string error_of(const std::string& path, bool skip = false) {
  try {
    read_labelled_text(path, skip);
  } catch (const Error& e) {
    return std::string(e.what()).substr(path.size());
  }
  return "";
}

TEST(Dataset, ReadsPlainAndGzipIdentically) {
  const std::string content = "1\tA fine film.\r\n0\tDull, with\ttabs.\n\npositive\tYes\n";
  for (bool gzip : {false, true}) {
    const TempFile file(content, gzip);
    const Dataset data = read_labelled_text(file.path());
    ASSERT_EQ(data.examples.size(), 3u);
    EXPECT_EQ(data.examples[0].label, "1");
    EXPECT_EQ(data.examples[0].text, "A fine film.");
    EXPECT_EQ(data.examples[1].text, "Dull, with\ttabs.");
    EXPECT_EQ(data.examples[2].label, "positive");
    EXPECT_EQ(data.examples[2].line, 4u);
  }
}

TEST(Dataset, MalformedLinesNameTheLineUnlessSkipped) {
  const TempFile no_tab("1\tgood\nno tab here\n");
  EXPECT_EQ(error_of(no_tab.path()),
            ":2: expected label<TAB>text, found no TAB (use --skip-malformed to pass over such "
            "lines)");
  const TempFile empty_label("\ttext\n");
  EXPECT_EQ(error_of(empty_label.path()).rfind(":1: the label is empty", 0), 0u);
  const TempFile empty_text("1\tok\n0\t\n1\tok\n");
  EXPECT_EQ(error_of(empty_text.path()).rfind(":2: the text is empty", 0), 0u);
  const Dataset skipped = read_labelled_text(empty_text.path(), true);
  EXPECT_EQ(skipped.examples.size(), 2u);
  EXPECT_EQ(skipped.skipped_lines, 1u);
  EXPECT_EQ(skipped.examples[1].line, 3u);
}

TEST(Dataset, MissingFileIsAnError) {
  EXPECT_THROW(read_labelled_text("/nonexistent/data.tsv"), Error);
}

TEST(Dataset, LabelsResolveByNameOrIndex) {
  const std::vector<std::string> labels = {"negative", "positive"};
  EXPECT_EQ(resolve_label(labels, {"positive", "", 1}, "f"), 1u);
  EXPECT_EQ(resolve_label(labels, {"0", "", 1}, "f"), 0u);
  try {
    resolve_label(labels, {"2", "", 7}, "f");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "f:7: unknown label '2' (the model's labels are negative, positive, or their "
                 "indices)");
  }
}

TEST(Metrics, MatchHandComputedValues) {
  // truth x predicted: [[5, 1], [2, 2]]
  ConfusionMatrix m(2);
  for (int i = 0; i < 5; ++i) m.add(0, 0);
  m.add(0, 1);
  m.add(1, 0);
  m.add(1, 0);
  m.add(1, 1);
  m.add(1, 1);
  EXPECT_DOUBLE_EQ(m.accuracy(), 0.7);
  EXPECT_DOUBLE_EQ(m.precision(0), 5.0 / 7);
  EXPECT_DOUBLE_EQ(m.recall(0), 5.0 / 6);
  EXPECT_DOUBLE_EQ(m.precision(1), 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall(1), 0.5);
  EXPECT_DOUBLE_EQ(m.f1(1), 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5));
  EXPECT_EQ(m.support(1), 4u);
  const std::string report = m.report({"neg", "pos"});
  EXPECT_EQ(report.substr(report.size() - 17), "accuracy: 0.7000\n");
}

TEST(Metrics, UndefinedRatiosAreZero) {
  ConfusionMatrix m(3);
  m.add(0, 0);
  EXPECT_EQ(m.precision(2), 0.0);
  EXPECT_EQ(m.recall(1), 0.0);
  EXPECT_EQ(m.f1(2), 0.0);
}

TEST(Parallel, VisitsEveryIndexOnceAndRethrows) {
  std::vector<int> visits(1000, 0);
  parallel_for(visits.size(), 3, [&](size_t i) { ++visits[i]; });
  for (int v : visits) EXPECT_EQ(v, 1);
  EXPECT_THROW(parallel_for(10, 2,
                            [](size_t i) {
                              if (i == 7) throw Error("seven");
                            }),
               Error);
}

}  // namespace
}  // namespace han
