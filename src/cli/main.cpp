// han: the command-line tool. Each command is a function taking its arguments (one file each in
// src/cli/); errors are one line on stderr and a non-zero exit code (1 for a failure, 2 for a
// usage mistake).
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"

namespace {

const char* kHelp = R"(han: explainable text classification with Hierarchical Attention Networks

usage: han <command> [arguments]

commands:
  predict     classify text; print label, probabilities and word/sentence attention
  explain     the same with each word's attribution by a method (occlusion, gradients, ...)
  faithfulness  how faithful each attribution method is on a data set (ERASER's measures)
  render      highlight each line of a file as a static HTML fragment (no script needed)
  inspect     show a model's architecture, parameter counts, vocabulary, labels and golden tests
  train       train a model on labelled text (label<TAB>text, plain or .gz)
  pretrain    learn word vectors from unlabelled text (word2vec) for train --pretrained
  test        evaluate a model on labelled data: accuracy, precision, recall, F1, confusion
  quantize    store a model's embedding (or all matrices) as float16 or int8
  convert     convert a PyTorch or Keras HAN (safetensors + JSON) into a model file
  experiment  run a seed experiment (select, masking, sum): attention on synthetic sequences

Run 'han <command> --help' for the options of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace han::cli;
  const std::map<std::string, std::function<int(const std::vector<std::string>&)>> commands = {
      {"predict", cmd_predict},          {"inspect", cmd_inspect},       {"test", cmd_test},
      {"quantize", cmd_quantize},        {"train", cmd_train},           {"pretrain", cmd_pretrain},
      {"convert", cmd_convert},          {"experiment", cmd_experiment}, {"explain", cmd_explain},
      {"faithfulness", cmd_faithfulness}, {"render", cmd_render}};
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kHelp;
    return args.empty() ? 2 : 0;
  }
  auto command = commands.find(args[0]);
  try {
    if (command == commands.end()) {
      throw UsageError("han: unknown command '" + args[0] + "' (see 'han --help')");
    }
    return command->second(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";  // it names the command: "han predict: ..."
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "han: error: " << e.what() << "\n";
    return 1;
  }
}
