#pragma once
// Reading and writing the model file format v1 (docs/model-format.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/model.h"

namespace han {

struct LoadOptions {
  bool verify_golden = true;  // run the golden cases stored in the file before returning
  ModelLimits limits;
};

// Throws han::Error when a file of `size` bytes is larger than limits.max_file_bytes.
void check_file_size(uint64_t size, const ModelLimits& limits);

// Throws han::Error with a one-line message naming what is wrong.
Model read_model(const uint8_t* data, size_t size, const LoadOptions& options = {});
Model read_model_file(const std::string& path, const LoadOptions& options = {});

// Stores each tensor as model.storage says (float32 when absent).
std::vector<uint8_t> write_model(const Model& model);
void write_model_file(const Model& model, const std::string& path);

const char* storage_name(StorageType type);
StorageType parse_storage(const std::string& name);  // "float32", "float16" or "int8"
ComputeType parse_compute(const std::string& name);  // "float32" or "int8"
const char* compute_name(ComputeType type);

// The model as it is after storing its embedding (with all_matrices: every matrix) as `type`:
// the weights rounded exactly as the file stores them, and the golden cases recomputed from the
// rounded model, so the result verifies when loaded.
// The matrices of a model that computes in int8 stay int8 per column.
Model quantize(const Model& model, StorageType type, bool all_matrices);

// The model as it is after switching its compute to `compute` (Model::set_compute) and storing it:
// to int8, the matrices of the large products stored as int8 with a scale per column
// (StorageType::Int8Columns, exactly the integers the products use), and the golden cases
// recomputed on the integer products, so that the loader holds the model to its own outputs.
Model with_compute(const Model& model, ComputeType compute);

}  // namespace han
