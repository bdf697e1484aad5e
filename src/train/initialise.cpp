#include "train/initialise.h"

#include <Eigen/QR>
#include <cmath>

namespace han {

uint32_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^ c;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<uint32_t>(z ^ (z >> 31));
}

void initialise_weight(const std::string& name, Matrix<float>& weight, const EncoderConfig* encoder,
                       std::mt19937& rng) {
  auto uniform = [&](double limit) {
    std::uniform_real_distribution<float> u(static_cast<float>(-limit), static_cast<float>(limit));
    for (Eigen::Index i = 0; i < weight.size(); ++i) weight.data()[i] = u(rng);
  };
  const std::string suffix = name.substr(name.rfind('.') + 1);
  if (suffix == "recurrent_kernel") {
    std::normal_distribution<double> normal;
    const Eigen::Index units = weight.rows();
    for (Eigen::Index block = 0; block < weight.cols() / units; ++block) {
      Eigen::MatrixXd gaussian(units, units);
      for (Eigen::Index i = 0; i < gaussian.size(); ++i) gaussian.data()[i] = normal(rng);
      const Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian);
      const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(units, units);
      weight.middleCols(block * units, units) = q.cast<float>();
    }
  } else if (suffix == "bias") {
    weight.setZero();
    if (encoder && encoder->cell == CellType::Lstm) {
      weight.middleCols(encoder->units, encoder->units).setOnes();
    }
  } else if (suffix == "context") {
    uniform(std::sqrt(6.0 / static_cast<double>(weight.cols() + 1)));
  } else {
    uniform(std::sqrt(6.0 / static_cast<double>(weight.rows() + weight.cols())));
  }
}

}  // namespace han
