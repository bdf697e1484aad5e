#pragma once
// Labelled text files, plain or gzip-compressed: what the CLI trains and tests on. Native only (it
// needs zlib); the WebAssembly trainer parses bytes it is given (train/dataset.h).
#include <string>

#include "train/dataset.h"
#include "train/trainer.h"

namespace han {

// parse_labelled_text of the file's (decompressed) content; errors name the file and line.
Dataset read_labelled_text(const std::string& path, bool skip_malformed = false);

// The training file, and the validation file unless `validation_path` is empty.
TrainData read_train_data(const std::string& train_path, const std::string& validation_path = "",
                          bool skip_malformed = false);

}  // namespace han
