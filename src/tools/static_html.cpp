#include "tools/static_html.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "text/utf8.h"

namespace han {
namespace {

// web/src/render.js's stylesheet, character for character (python/tests/test_render.py compares).
const char* const kStylesheet = R"(
.han-highlight { position: relative; }
.han-review { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; }
.han-word {
  --han-shade: var(--han-shade-combined);
  background-color: color-mix(in srgb, var(--han-highlight, #ff9900)
    calc(var(--han-shade) * 85%), transparent);
  border-radius: 0.2em;
  padding-block: 0.1em;
  cursor: default;
}
[data-view='word'] .han-word { --han-shade: var(--han-shade-word); }
[data-view='sentence'] .han-word { --han-shade: var(--han-shade-sentence); }
.han-word.han-against {
  background-color: color-mix(in srgb, var(--han-against, #5b9bff)
    calc(var(--han-shade) * 85%), transparent);
}
.han-word:hover { outline: 1px dashed currentColor; }
.han-word:focus-visible { outline: 2px solid currentColor; outline-offset: 1px; }
.han-bar, .han-legend-bar {
  display: inline-block;
  width: 0.3em;
  height: calc(0.2em + var(--han-bar) * 0.9em);
  margin-inline-end: 0.3em;
  border-radius: 0.15em;
  background: var(--han-bar-color, #9a4a00);
}
.han-bar.han-against, .han-legend-bar.han-against {
  background: var(--han-against-bar-color, #1d4f91);
}
.han-unread { color: #5c5c5c; text-decoration: line-through; }
.han-tip {
  position: absolute;
  z-index: 1;
  max-width: min(24em, 100%);
  padding: 0.35em 0.6em;
  border-radius: 0.3em;
  background: #1c1c1c;
  color: #fff;
  font-size: 0.85em;
  line-height: 1.4;
  white-space: normal;
  pointer-events: none;
}
.han-tip[hidden] { display: none; }
.han-highlight:not([data-view='word']) [data-legend='word'],
.han-highlight:not([data-view='sentence']) [data-legend='sentence'],
.han-highlight:not([data-view='combined']) [data-legend='combined'] {
  display: none;
}
.han-legend {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.4em 1.2em;
  margin-block-end: 0.8em;
  font-size: 0.875em;
}
.han-legend-scale {
  display: inline-block;
  width: 6em;
  height: 0.9em;
  margin-inline: 0.4em;
  vertical-align: -0.1em;
  border: 1px solid #767676;
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-highlight, #ff9900) 85%, transparent));
}
.han-legend-scale.han-against {
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-against, #5b9bff) 85%, transparent));
}
@media (prefers-reduced-motion: no-preference) {
  .han-word { transition: background-color 0.15s; }
}
/* High-contrast modes would drop the shading: keep it, on white, with black text. */
@media (forced-colors: active) {
  .han-word, .han-bar, .han-legend-bar, .han-legend-scale { forced-color-adjust: none; }
  .han-word {
    color: #000;
    background-color: color-mix(in srgb, var(--han-highlight, #ff9900)
      calc(var(--han-shade) * 85%), #fff);
  }
  .han-word.han-against {
    background-color: color-mix(in srgb, var(--han-against, #5b9bff)
      calc(var(--han-shade) * 85%), #fff);
  }
}
)";

// The text as HTML text or attribute value: & < > " ' as entities; invalid UTF-8 (one U+FFFD per
// maximal invalid subpart, as TextDecoder reads it) and the characters XML 1.0 forbids as U+FFFD.
void append_escaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const utf8::Decoded d = utf8::decode(text, i);
    const char32_t c = d.code_point;
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&#39;";
    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF ||
               c == utf8::kReplacementCharacter) {
      utf8::append(out, utf8::kReplacementCharacter);
    } else {
      out.append(text.substr(i, d.byte_length));
    }
    i += d.byte_length;
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  append_escaped(out, text);
  return out;
}

double share(double value, double largest) {
  return largest > 0 ? value / largest : 0;
}

}  // namespace

const char* highlight_stylesheet() {
  return kStylesheet;
}

// 30 digits tell every case but a near-tie, for which glibc's exact expansion decides.
std::string fixed4(double value) {
  char digits[1200];
  std::snprintf(digits, sizeof digits, "%.30f", value);
  const char* point = std::strchr(digits, '.');
  if (point[5] == '5' && std::strspn(point + 6, "0") == std::strlen(point + 6)) {
    std::snprintf(digits, sizeof digits, "%.1100f", value);
    point = std::strchr(digits, '.');
  }
  std::string integer(static_cast<const char*>(digits), point), fraction(point + 1, 4);
  if (point[5] >= '5') {  // round up: carry through the digits
    std::string number = integer + fraction;
    size_t k = number.size();
    while (k > 0 && number[k - 1] == '9') number[--k] = '0';
    if (k == 0) {
      number.insert(number.begin(), '1');
    } else {
      ++number[k - 1];
    }
    integer = number.substr(0, number.size() - 4);
    fraction = number.substr(number.size() - 4);
  }
  return integer + "." + fraction;
}

std::string highlight_html(std::string_view text, const Prediction& p, const std::string& view) {
  double max_sentence = 0, max_word = 0, max_combined = 0;
  for (const SentenceAttention& s : p.sentences) {
    max_sentence = std::max(max_sentence, static_cast<double>(s.weight));
    for (const WordAttention& w : s.words) {
      max_word = std::max(max_word, static_cast<double>(w.weight));
      max_combined = std::max(max_combined, static_cast<double>(w.weight) * s.weight);
    }
  }
  auto slice = [&](size_t begin, size_t end) { return text.substr(begin, end - begin); };
  std::string out = "<div class=\"han-highlight\" data-view=\"" + view +
                    "\"><div class=\"han-review\" role=\"group\" aria-label=\"Review shaded by "
                    "attention\">";
  size_t cursor = 0;
  for (size_t index = 0; index < p.sentences.size(); ++index) {
    const SentenceAttention& sentence = p.sentences[index];
    const double weight = sentence.weight;
    if (sentence.span.byte_start > cursor) {
      append_escaped(out, slice(cursor, sentence.span.byte_start));
    }
    out += "<span class=\"han-sentence\"><span class=\"han-bar\" style=\"--han-bar:" +
           fixed4(share(weight, max_sentence)) + "\" title=\"sentence " +
           std::to_string(index + 1) + ": weight " + fixed4(weight) +
           "\" aria-hidden=\"true\"></span>";
    size_t inner = sentence.span.byte_start;
    for (const WordAttention& word : sentence.words) {
      if (word.span.byte_start > inner) append_escaped(out, slice(inner, word.span.byte_start));
      const double combined = static_cast<double>(word.weight) * weight;
      const std::string_view part = slice(word.span.byte_start, word.span.byte_end);
      const std::string title = "“" + std::string(part) + "”: word weight " + fixed4(word.weight) +
                                " × sentence weight " + fixed4(weight) + " = " + fixed4(combined) +
                                " of the attention";
      out += "<span class=\"han-word\" style=\"--han-shade-word:" +
             fixed4(share(word.weight, max_word)) +
             ";--han-shade-sentence:" + fixed4(share(weight, max_sentence)) +
             ";--han-shade-combined:" + fixed4(share(combined, max_combined)) + "\" title=\"" +
             escaped(title) + "\">" + escaped(part) + "</span>";
      inner = word.span.byte_end;
    }
    if (sentence.span.byte_end > inner) append_escaped(out, slice(inner, sentence.span.byte_end));
    out += "</span>";
    cursor = sentence.span.byte_end;
  }
  if (cursor < text.size()) {
    if (p.truncated) {
      out +=
          "<span class=\"han-unread\" title=\"not read: the model’s length limits cut the "
          "text here\">" +
          escaped(text.substr(cursor)) + "</span>";
    } else {
      append_escaped(out, text.substr(cursor));
    }
  }
  return out + "</div></div>";
}

}  // namespace han
