// han render: each line of a file highlighted as a static HTML fragment (tools/static_html.h), for
// static-site generators.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_file.h"
#include "tools/static_html.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kRenderHelp = R"(usage: han render MODEL INPUT --out DIR [options]

Highlights each line of INPUT (one document per line) as an HTML fragment with the markup of the
npm package's <han-highlight>: each word shaded by its attention, a bar before each sentence for
its weight, the exact weights in each word's title. Writes DIR/N.html for line N and the
stylesheet DIR/han-highlight.css that styles them; no script is needed to view them. Every piece
of the text is escaped, so nothing in the input becomes markup.

options:
  --out DIR                          the output directory (created if missing); required
  --view combined|word|sentence      what shades a word (default combined: word x sentence)
  --no-verify                        skip the golden test cases stored in the model
  --help                             show this help

limits on what one document may hold, as for han predict (0 for no limit); past one, the rest
of the document is not read and is shown struck through:
  --max-text-bytes N            bytes of each line (default 16777216)
  --max-sentences N             sentences (default 100000)
  --max-words N                 words (default 1000000)
  --max-words-per-sentence N    words in one sentence (default 10000)
)";

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary);
  file << content;
  file.close();
  if (!file) throw han::Error("cannot write '" + path.string() + "'");
}

}  // namespace

int cmd_render(const std::vector<std::string>& argv) {
  const Args args(
      argv, {"no-verify", "help"},
      {"out", "view", "max-text-bytes", "max-sentences", "max-words", "max-words-per-sentence"},
      "render");
  if (args.has("help")) {
    std::cout << kRenderHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han render: expected MODEL INPUT");
  const std::string out = args.get("out", "");
  if (out.empty()) throw UsageError("han render: --out DIR is required");
  const std::string view = args.get("view", "combined");
  if (view != "combined" && view != "word" && view != "sentence") {
    throw UsageError("han render: --view must be combined, word or sentence");
  }
  han::InputLimits limits;
  auto limit = [&](const std::string& flag, size_t& value) {
    value = parse_limit(args.get(flag, ""), "render", "--" + flag, value);
  };
  limit("max-text-bytes", limits.max_text_bytes);
  limit("max-sentences", limits.max_sentences);
  limit("max-words", limits.max_words);
  limit("max-words-per-sentence", limits.max_words_per_sentence);

  han::Model model = han::read_model_file(args.positional()[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  const std::string& input = args.positional()[1];
  std::ifstream in(input, std::ios::binary);
  if (!in) throw han::Error("cannot open input file '" + input + "'");
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) throw han::Error("cannot create '" + out + "': " + error.message());

  const std::filesystem::path dir(out);
  write_file(dir / "han-highlight.css", han::highlight_stylesheet());
  size_t count = 0;
  for (std::string line; read_line(in, limits.max_text_bytes, line);) {
    ++count;
    write_file(dir / (std::to_string(count) + ".html"),
               han::highlight_html(line, model.predict(line, limits), view));
  }
  if (in.bad()) throw han::Error("cannot read input file '" + input + "'");
  std::cout << "wrote " << count << " fragments and han-highlight.css to " << out << "\n";
  return 0;
}

}  // namespace han::cli
