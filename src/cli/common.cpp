// The helpers every command shares: argument parsing, reading input, JSON and text output.
#include "cli/common.h"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace han::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& switches,
           const std::vector<std::string>& options, const std::string& command) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const bool long_flag = a.size() > 2 && a.rfind("--", 0) == 0;
    const bool short_flag = a.size() == 2 && a[0] == '-' && std::isalpha(a[1]);  // e.g. -o
    if (long_flag || short_flag) {
      std::string name = a.substr(long_flag ? 2 : 1), value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (contains(switches, name) && eq == std::string::npos) {
        flags_[name] = "";
      } else if (contains(options, name)) {
        if (eq == std::string::npos) {
          if (i + 1 >= argv.size())
            throw UsageError("han " + command + ": --" + name + " needs a value");
          value = argv[++i];
        }
        flags_[name] = value;
      } else {
        throw UsageError("han " + command + ": unknown option '" + a + "' (see 'han " + command +
                         " --help')");
      }
    } else {
      positional_.push_back(a);
    }
  }
}

bool Args::contains(const std::vector<std::string>& list, const std::string& s) {
  for (const std::string& x : list) {
    if (x == s) return true;
  }
  return false;
}

// A positive integer option; `fallback` when it is absent (empty).
size_t parse_count(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback) {
  if (value.empty()) return fallback;
  if (value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(value) == 0) {
    throw UsageError("han " + command + ": " + flag + " expects a positive integer, found '" +
                     value + "'");
  }
  return std::stoul(value);
}

// A limit option: a non-negative integer, 0 for no limit; `fallback` when it is absent.
size_t parse_limit(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback) {
  if (value.empty()) return fallback;
  if (value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError("han " + command + ": " + flag +
                     " expects a non-negative integer (0 for no limit), found '" + value + "'");
  }
  return static_cast<size_t>(std::stoull(value));
}

// Reads at most max_bytes + 1 bytes (0: all): enough for predict to see that the text is longer
// than it reads, without holding an unbounded input in memory.
std::string read_input(std::istream& in, size_t max_bytes) {
  std::string text;
  char buffer[1 << 16];
  while (in && (max_bytes == 0 || text.size() <= max_bytes)) {
    const size_t want =
        max_bytes == 0 ? sizeof buffer : std::min(sizeof buffer, max_bytes + 1 - text.size());
    in.read(buffer, static_cast<std::streamsize>(want));
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  return text;
}

// One line without its '\n', keeping at most max_bytes + 1 bytes of it (0: all) and skipping
// the rest. False at the end of the input.
bool read_line(std::istream& in, size_t max_bytes, std::string& line) {
  line.clear();
  int c = in.get();
  if (c == EOF) return false;
  for (; c != EOF && c != '\n'; c = in.get()) {
    if (max_bytes == 0 || line.size() <= max_bytes) line.push_back(static_cast<char>(c));
  }
  return true;
}

// Invalid UTF-8 in the input shows as U+FFFD in the JSON instead of failing the whole output.
std::string dump(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json prediction_json(const han::Model& model, const han::Prediction& p) {
  json probabilities = json::object();
  for (size_t k = 0; k < model.labels.size(); ++k) {
    probabilities[model.labels[k]] = p.probabilities[k];
  }
  json sentences = json::array();
  for (const han::SentenceAttention& s : p.sentences) {
    json words = json::array();
    for (const han::WordAttention& w : s.words) {
      words.push_back({{"text", w.text},
                       {"start", w.span.byte_start},
                       {"end", w.span.byte_end},
                       {"weight", w.weight}});
    }
    sentences.push_back({{"text", s.text},
                         {"start", s.span.byte_start},
                         {"end", s.span.byte_end},
                         {"weight", s.weight},
                         {"words", words}});
  }
  return {{"label", model.labels[p.label]},
          {"probabilities", probabilities},
          {"truncated", p.truncated},
          {"sentences", sentences}};
}

std::string bar(double fraction, int width) {
  const int filled = static_cast<int>(fraction * width + 0.5);
  std::string s;
  for (int i = 0; i < width; ++i) s += i < filled ? "█" : "·";
  return s;
}

void print_prediction_text(const han::Model& model, const han::Prediction& p) {
  std::cout << model.labels[p.label] << "  " << std::fixed << std::setprecision(4)
            << p.probabilities[p.label] << "  (";
  for (size_t k = 0; k < model.labels.size(); ++k) {
    std::cout << (k ? ", " : "") << model.labels[k] << " " << p.probabilities[k];
  }
  std::cout << ")" << (p.truncated ? "  [text truncated by the model's limits]" : "") << "\n";
  if (p.sentences.empty()) std::cout << "(no words)\n";
  for (size_t s = 0; s < p.sentences.size(); ++s) {
    const han::SentenceAttention& sentence = p.sentences[s];
    std::cout << "\n"
              << bar(sentence.weight, 10) << " " << std::setprecision(3) << sentence.weight << "  "
              << sentence.text << "\n    ";
    for (size_t w = 0; w < sentence.words.size(); ++w) {
      std::cout << (w ? "  " : "") << sentence.words[w].text << " " << std::setprecision(2)
                << sentence.words[w].weight;
    }
    std::cout << "\n";
  }
}

double parse_number(const std::string& value, const std::string& command, const std::string& flag,
                    double lo, double hi) {
  char* end = nullptr;
  const double x = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(x >= lo && x <= hi)) {
    std::ostringstream message;
    message << "han " << command << ": " << flag << " expects a number from " << lo << " to " << hi
            << ", found '" << value << "'";
    throw UsageError(message.str());
  }
  return x;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  std::ostringstream out;
  out << s / 60 << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return out.str();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace han::cli
