// The commands of the han CLI, one file each in src/cli/; main.cpp dispatches to them. Each takes
// the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace han::cli {

int cmd_predict(const std::vector<std::string>& argv);
int cmd_inspect(const std::vector<std::string>& argv);
int cmd_test(const std::vector<std::string>& argv);
int cmd_quantize(const std::vector<std::string>& argv);
int cmd_train(const std::vector<std::string>& argv);
int cmd_pretrain(const std::vector<std::string>& argv);
int cmd_convert(const std::vector<std::string>& argv);
int cmd_experiment(const std::vector<std::string>& argv);
int cmd_render(const std::vector<std::string>& argv);
int cmd_explain(const std::vector<std::string>& argv);
int cmd_faithfulness(const std::vector<std::string>& argv);

}  // namespace han::cli
