// The helpers every command of the han CLI shares: argument parsing, reading input, JSON output
// and the prediction's two output formats.
#pragma once

#include <chrono>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/model.h"

namespace han::cli {

// Keys come out in the order written: label before sentences, start before end.
using json = nlohmann::ordered_json;

// A mistake in the command line: exit code 2. Its message names the command ("han predict: ...").
struct UsageError : han::Error {
  using han::Error::Error;
};

// Positional arguments and --flags (with or without a value) of one command.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& switches,
       const std::vector<std::string>& options, const std::string& command);
  bool has(const std::string& flag) const { return flags_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& fallback) const {
    auto it = flags_.find(flag);
    return it == flags_.end() ? fallback : it->second;
  }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  static bool contains(const std::vector<std::string>& list, const std::string& s);
  std::map<std::string, std::string> flags_;
  std::vector<std::string> positional_;
};

// A positive integer option, a limit (0: none), a number within [lo, hi]; `fallback` when the
// value is empty. A bad value is a UsageError naming the command and the flag.
size_t parse_count(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback);
size_t parse_limit(const std::string& value, const std::string& command, const std::string& flag,
                   size_t fallback);
double parse_number(const std::string& value, const std::string& command, const std::string& flag,
                    double lo, double hi);
std::vector<std::string> split_list(const std::string& list);

// All of `in` up to max_bytes + 1 bytes (0: all); one line without its '\n', likewise bounded
// (false at the end of the input).
std::string read_input(std::istream& in, size_t max_bytes);
bool read_line(std::istream& in, size_t max_bytes, std::string& line);

// JSON text, with invalid UTF-8 shown as U+FFFD; the prediction as `han predict` prints it.
std::string dump(const json& j, int indent);
json prediction_json(const han::Model& model, const han::Prediction& p);
std::string bar(double fraction, int width);
void print_prediction_text(const han::Model& model, const han::Prediction& p);

// m:ss; the seconds since `t`.
std::string format_duration(double seconds);
double seconds_since(std::chrono::steady_clock::time_point t);

}  // namespace han::cli
