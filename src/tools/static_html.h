#pragma once
// A prediction as static HTML, for static-site generators (han render): the markup of the npm
// package's <han-highlight> without its script, and its stylesheet. The fragment is the string
// highlightHTML (web/src/export.js) and han.render (python/) give for the same prediction: every
// piece of the text escaped, each word's exact weights in its title.
#include <string>
#include <string_view>

#include "model/model.h"

namespace han {

// web/src/render.js's stylesheet, character for character (python/tests/test_render.py compares).
const char* highlight_stylesheet();

// `text` is what was predicted (UTF-8, byte offsets); `view` is combined, word or sentence.
std::string highlight_html(std::string_view text, const Prediction& prediction,
                           const std::string& view);

// JavaScript's toFixed(4) of a value in [0, 1]: the exact binary value rounded half up (printf
// rounds exact ties such as 1/32 half to even).
std::string fixed4(double value);

}  // namespace han
