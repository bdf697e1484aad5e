#include "tools/dataset.h"

#include <zlib.h>

#include <memory>

#include "core/error.h"

namespace han {
namespace {

// Reads a whole file, decompressing it when it is gzip (zlib's gz* functions read plain files
// unchanged).
std::string read_maybe_gzipped(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw Error("cannot open data file '" + path + "'");
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      int code = 0;
      throw Error("cannot read data file '" + path + "': " + gzerror(file.get(), &code));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

}  // namespace

Dataset read_labelled_text(const std::string& path, bool skip_malformed) {
  const std::string content = read_maybe_gzipped(path);
  Dataset data;
  size_t line_number = 0;
  for (size_t start = 0; start < content.size();) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;

    const size_t tab = line.find('\t');
    std::string problem;
    if (tab == std::string::npos) {
      problem = "expected label<TAB>text, found no TAB";
    } else if (tab == 0) {
      problem = "the label is empty";
    } else if (tab + 1 == line.size()) {
      problem = "the text is empty";
    }
    if (!problem.empty()) {
      if (!skip_malformed) {
        throw Error(path + ":" + std::to_string(line_number) + ": " + problem +
                    " (use --skip-malformed to pass over such lines)");
      }
      ++data.skipped_lines;
      continue;
    }
    data.examples.push_back({line.substr(0, tab), line.substr(tab + 1), line_number});
  }
  return data;
}

size_t resolve_label(const std::vector<std::string>& labels, const Example& example,
                     const std::string& path) {
  for (size_t k = 0; k < labels.size(); ++k) {
    if (labels[k] == example.label) return k;
  }
  const std::string& field = example.label;
  if (!field.empty() && field.size() <= 6 &&
      field.find_first_not_of("0123456789") == std::string::npos) {
    const size_t index = std::stoul(field);
    if (index < labels.size()) return index;
  }
  std::string known;
  for (size_t k = 0; k < labels.size(); ++k) known += (k ? ", " : "") + labels[k];
  throw Error(path + ":" + std::to_string(example.line) + ": unknown label '" + field +
              "' (the model's labels are " + known + ", or their indices)");
}

}  // namespace han
