#pragma once
// The one exception type the core throws. Its message is complete and meant for the user:
// the CLI prints it as one line, the bindings turn it into a JavaScript Error.
#include <stdexcept>
#include <string>

namespace han {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace han
