#include "layers/activation.h"

namespace han {

std::string_view activation_name(Activation activation) {
  switch (activation) {
    case Activation::Linear:
      return "linear";
    case Activation::Tanh:
      return "tanh";
    case Activation::Relu:
      return "relu";
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::HardSigmoid:
      return "hard_sigmoid";
    case Activation::Softmax:
      return "softmax";
  }
  return "?";
}

Activation parse_activation(std::string_view name, std::string_view what) {
  for (Activation a : {Activation::Linear, Activation::Tanh, Activation::Relu, Activation::Sigmoid,
                       Activation::HardSigmoid, Activation::Softmax}) {
    if (activation_name(a) == name) return a;
  }
  throw Error(std::string(what) + ": unknown activation '" + std::string(name) + "'");
}

}  // namespace han
