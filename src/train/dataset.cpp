#include "train/dataset.h"

#include "core/error.h"

namespace han {

Dataset parse_labelled_text(std::string_view content, const std::string& name, bool skip_malformed,
                            const std::string& skip_option) {
  Dataset data;
  size_t line_number = 0;
  for (size_t start = 0; start < content.size();) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
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
        throw Error(name + ":" + std::to_string(line_number) + ": " + problem + " (use " +
                    skip_option + " to pass over such lines)");
      }
      ++data.skipped_lines;
      continue;
    }
    data.examples.push_back(
        {std::string(line.substr(0, tab)), std::string(line.substr(tab + 1)), line_number});
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
