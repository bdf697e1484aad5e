#pragma once
// Labelled text for training and evaluation: one example per line, `label<TAB>text`. Files, plain
// or gzip-compressed, are read by tools/data_file.h (natively).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace han {

struct Example {
  std::string label;  // the label field as written
  std::string text;
  size_t line = 0;  // 1-based line number in the file
};

struct Dataset {
  std::vector<Example> examples;
  size_t skipped_lines = 0;  // malformed lines passed over (only with skip_malformed)
};

// The examples of `content`. Throws han::Error("NAME:LINE: what is wrong") on the first malformed
// line (no TAB, empty label, empty text) unless skip_malformed is set, in which case such lines
// are counted and dropped; the message names `skip_option`, the caller's way of setting it. Empty
// lines are ignored. A trailing '\r' is removed.
Dataset parse_labelled_text(std::string_view content, const std::string& name,
                            bool skip_malformed = false,
                            const std::string& skip_option = "--skip-malformed");

// The index of `field` among `labels`: the label's name, or else its index written as a number
// ("0", "1", ... as in the IMDB files). Throws han::Error naming the line when neither matches.
size_t resolve_label(const std::vector<std::string>& labels, const Example& example,
                     const std::string& path);

}  // namespace han
