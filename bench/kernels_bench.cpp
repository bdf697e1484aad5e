// Native micro-benchmark of the kernels (Google Benchmark) in the shapes of the reference HAN:
// the scalar reference, the vectorised kernels, and the Eigen code the layers ran before them,
// next to the roofline of this machine (peak FLOP/s, bandwidth of L1, L2 and memory); and the
// integer kernels (*_int8, operations per second) next to the integer peak (peak_int).
//   cmake -S . -B build-bench -DHAN_BUILD_BENCH=ON && cmake --build build-bench -t kernels_bench
//   build-bench/kernels_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "kernel_workloads.h"
#include "layers/attention.h"
#include "roofline.h"

namespace han::bench {
namespace {

using ConstMap = Eigen::Map<const Matrix<float>>;
using Map = Eigen::Map<Matrix<float>>;

// Reports FLOP/s and the arithmetic intensity (FLOP per operand byte).
template <typename RunOnce>
void measure(benchmark::State& state, double flops, double bytes, RunOnce&& run_once) {
  for (auto _ : state) {
    run_once();
    benchmark::ClobberMemory();
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/B"] = flops / bytes;
}

// The roofline (bench/roofline.h): the arithmetic peak, and the read bandwidth of buffers that
// sit in L1 (32 KB), L2 (1 MB) and memory (64 MB).
void peak(benchmark::State& state) {
  float sink = 0;
  double flops = 0;
  for (auto _ : state) flops = peak_flops(1 << 16, &sink);
  benchmark::DoNotOptimize(sink);
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// The integer peak (bench/roofline.h), in operations per second (2 per multiply-add).
void peak_int(benchmark::State& state) {
  float sink = 0;
  double ops = 0;
  for (auto _ : state) ops = peak_int_ops(1 << 16, &sink);
  benchmark::DoNotOptimize(sink);
  state.counters["OP/s"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
}

void bandwidth(benchmark::State& state) {
  const std::vector<float> data(static_cast<size_t>(state.range(0)) / 4, 1.0f);
  float sink = 0;
  double bytes = 0;
  for (auto _ : state) bytes = stream_bytes(data.data(), data.size(), &sink);
  benchmark::DoNotOptimize(sink);
  state.counters["bytes/s"] =
      benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void gemv(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kGemvFlops, KernelWorkload::kGemvBytes, [&] { w.gemv(*kernels); });
}

void gemm(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kGemmFlops, KernelWorkload::kGemmBytes, [&] { w.gemm(*kernels); });
}

void attention(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kAttentionFlops, KernelWorkload::kAttentionBytes,
          [&] { w.attention(*kernels); });
}

void step(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kStepFlops, KernelWorkload::kStepBytes, [&] { w.step(*kernels); });
}

// The same products in integers (rows quantized, then int8 weights): operations per second, 2 per
// multiply-add, against peak_int.
void gemv_int8(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kGemvFlops, KernelWorkload::kGemvBytes,
          [&] { w.gemv_int8(*kernels); });
}

void gemm_int8(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kGemmFlops, KernelWorkload::kGemmBytes,
          [&] { w.gemm_int8(*kernels); });
}

void attention_int8(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kAttentionFlops, KernelWorkload::kAttentionBytes,
          [&] { w.attention_int8(*kernels); });
}

void step_int8(benchmark::State& state, const KernelSet* kernels) {
  KernelWorkload w;
  measure(state, KernelWorkload::kStepFlops, KernelWorkload::kStepBytes,
          [&] { w.step_int8(*kernels); });
}

// The Eigen expressions of the layers before the kernels.
void gemv_eigen(benchmark::State& state) {
  KernelWorkload w;
  const ConstMap h(w.state.data(), 1, w.kUnits), u(w.recurrent_kernel.data(), w.kUnits, w.kGates);
  const ConstMap b(w.gate_bias.data(), 1, w.kGates);
  Map y(w.gates.data(), 1, w.kGates);
  measure(state, KernelWorkload::kGemvFlops, KernelWorkload::kGemvBytes, [&] {
    y.noalias() = h * u;
    y += b;
  });
}

void gemm_eigen(benchmark::State& state) {
  KernelWorkload w;
  const ConstMap x(w.words.data(), w.kWords, w.kEmbedding);
  const ConstMap kernel(w.input_kernel.data(), w.kEmbedding, w.kGates);
  const ConstMap b(w.gate_bias.data(), 1, w.kGates);
  Map y(w.projected.data(), w.kWords, w.kGates);
  measure(state, KernelWorkload::kGemmFlops, KernelWorkload::kGemmBytes, [&] {
    y.noalias() = x * kernel;
    y.rowwise() += b.row(0);
  });
}

void attention_eigen(benchmark::State& state) {
  KernelWorkload w;
  AttentionParams<float> a =
      make_attention<float>({w.kAttentionUnits, true, Activation::Tanh}, w.kStates);
  a.kernel = ConstMap(w.attention_kernel.data(), w.kStates, w.kAttentionUnits);
  a.bias = ConstMap(w.attention_bias.data(), 1, w.kAttentionUnits);
  a.context = ConstMap(w.context.data(), 1, w.kAttentionUnits);
  const Matrix<float> h = ConstMap(w.states.data(), w.kWords, w.kStates);
  measure(state, KernelWorkload::kAttentionFlops, KernelWorkload::kAttentionBytes, [&] {
    benchmark::DoNotOptimize(detail::attention_pool(a, detail::attention_hidden(a, h), h, {}));
  });
}

BENCHMARK(peak);
BENCHMARK(bandwidth)->Arg(32 << 10)->Arg(1 << 20)->Arg(64 << 20);
BENCHMARK_CAPTURE(gemv, reference, &kReference);
BENCHMARK_CAPTURE(gemv, vectorised, &kVectorised);
BENCHMARK(gemv_eigen);
BENCHMARK_CAPTURE(gemm, reference, &kReference);
BENCHMARK_CAPTURE(gemm, vectorised, &kVectorised);
BENCHMARK(gemm_eigen);
BENCHMARK_CAPTURE(attention, reference, &kReference);
BENCHMARK_CAPTURE(attention, vectorised, &kVectorised);
BENCHMARK(attention_eigen);
BENCHMARK_CAPTURE(step, reference, &kReference);
BENCHMARK_CAPTURE(step, vectorised, &kVectorised);
BENCHMARK(peak_int);
BENCHMARK_CAPTURE(gemv_int8, reference, &kReference);
BENCHMARK_CAPTURE(gemv_int8, vectorised, &kVectorised);
BENCHMARK_CAPTURE(gemm_int8, reference, &kReference);
BENCHMARK_CAPTURE(gemm_int8, vectorised, &kVectorised);
BENCHMARK_CAPTURE(attention_int8, reference, &kReference);
BENCHMARK_CAPTURE(attention_int8, vectorised, &kVectorised);
BENCHMARK_CAPTURE(step_int8, reference, &kReference);
BENCHMARK_CAPTURE(step_int8, vectorised, &kVectorised);

}  // namespace
}  // namespace han::bench

BENCHMARK_MAIN();
