#include "tools/data_file.h"

#include <zlib.h>

#include <memory>

#include "core/error.h"

namespace han {
namespace {

// Reads a whole file, decompressing it when it is gzip (zlib's gz* functions read plain files
// unchanged).
std::string read_maybe_gzipped(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw Error("cannot open data file '" + path + "'");
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      int code = 0;
      throw Error("cannot read data file '" + path + "': " + gzerror(file.get(), &code));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

}  // namespace

Dataset read_labelled_text(const std::string& path, bool skip_malformed) {
  return parse_labelled_text(read_maybe_gzipped(path), path, skip_malformed);
}

TrainData read_train_data(const std::string& train_path, const std::string& validation_path,
                          bool skip_malformed) {
  TrainData data;
  data.train = read_labelled_text(train_path, skip_malformed);
  data.train_name = train_path;
  if (!validation_path.empty()) {
    data.validation = read_labelled_text(validation_path, skip_malformed);
    if (data.validation.examples.empty()) throw Error(validation_path + ": no examples");
    data.validation_name = validation_path;
  }
  return data;
}

}  // namespace han
