// Fuzzes the tokenizer on arbitrary bytes and checks what it promises (docs/tokenizer.md):
//   - every sentence has words; words and sentences are in order and do not overlap, and each
//     word lies inside its sentence;
//   - every offset falls on a code point boundary, and its UTF-16 offset is what an independent
//     WHATWG decoder (JavaScript's TextDecoder) counts for the bytes before it;
//   - with limits, the result is the unlimited result cut as the limits say, and `truncated`
//     says exactly whether anything was dropped.
// The first input byte chooses lowercase and small limits; the rest is the text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace {

constexpr size_t kNotABoundary = SIZE_MAX;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_tokenize: %s\n", what);
  std::abort();
}

// units[i] is the number of UTF-16 code units that decode from text[0, i) when i is where a code
// point or an invalid subpart starts (or i is the end), kNotABoundary otherwise. WHATWG Encoding
// Standard, "UTF-8 decoder": an invalid subpart is the bytes read before the byte that broke the
// sequence, which is then read again.
std::vector<size_t> utf16_units(std::string_view text) {
  std::vector<size_t> units(text.size() + 1, kNotABoundary);
  size_t i = 0, count = 0;
  while (i < text.size()) {
    units[i] = count;
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t needed = 0;
    unsigned char lower = 0x80, upper = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      needed = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      needed = 2;
      if (lead == 0xE0) lower = 0xA0;
      if (lead == 0xED) upper = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      needed = 3;
      if (lead == 0xF0) lower = 0x90;
      if (lead == 0xF4) upper = 0x8F;
    }
    size_t length = 1;
    bool valid = lead < 0x80 || needed > 0;
    for (size_t k = 1; valid && k <= needed; ++k) {
      const unsigned char next = i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
      if (i + k >= text.size() || next < lower || next > upper) {
        valid = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
      length = k + 1;
    }
    // Four-byte sequences are astral code points: a surrogate pair. Anything invalid is one U+FFFD.
    count += valid && needed == 3 ? 2 : 1;
    i += length;
  }
  units[text.size()] = count;
  return units;
}

void check_span(const han::TextSpan& span, const std::vector<size_t>& units) {
  require(span.byte_start < span.byte_end && span.byte_end < units.size(), "span within text");
  require(units[span.byte_start] == span.utf16_start, "UTF-16 start agrees with the decoder");
  require(units[span.byte_end] == span.utf16_end, "UTF-16 end agrees with the decoder");
}

void check_structure(const han::TokenizedText& result, const std::vector<size_t>& units) {
  size_t previous_end = 0;
  for (const han::TokenizedSentence& sentence : result.sentences) {
    require(!sentence.words.empty(), "sentences have words");
    check_span(sentence.span, units);
    require(sentence.span.byte_start >= previous_end, "sentences in order, not overlapping");
    size_t word_end = sentence.span.byte_start;
    for (const han::Token& word : sentence.words) {
      check_span(word.span, units);
      require(!word.text.empty(), "words are not empty");
      require(word.span.byte_start >= word_end, "words in order, not overlapping");
      require(word.span.byte_end <= sentence.span.byte_end, "words inside their sentence");
      word_end = word.span.byte_end;
    }
    previous_end = sentence.span.byte_end;
  }
}

bool same_words(const std::vector<han::Token>& a, const std::vector<han::Token>& b, size_t n) {
  for (size_t w = 0; w < n; ++w) {
    if (a[w].text != b[w].text || a[w].span.byte_start != b[w].span.byte_start ||
        a[w].span.byte_end != b[w].span.byte_end) {
      return false;
    }
  }
  return true;
}

// The limited result must be the unlimited one cut by the limits, in the tokenizer's order:
// the sentence count, then the words of the whole text, then the words of each sentence.
void check_limits(const han::TokenizedText& limited, const han::TokenizedText& full,
                  const han::TokenizerConfig& config) {
  size_t kept_words = 0;
  bool dropped = false;
  size_t s = 0;
  for (; s < full.sentences.size(); ++s) {
    if ((config.max_sentences && s == config.max_sentences) ||
        (config.max_words && kept_words == config.max_words)) {
      dropped = true;
      break;
    }
    const std::vector<han::Token>& words = full.sentences[s].words;
    size_t n = words.size();
    if (config.max_words_per_sentence) n = std::min(n, config.max_words_per_sentence);
    if (config.max_words) n = std::min(n, config.max_words - kept_words);
    dropped = dropped || n < words.size();
    require(s < limited.sentences.size(), "limited result has the sentences the limits keep");
    const han::TokenizedSentence& sentence = limited.sentences[s];
    require(sentence.words.size() == n && same_words(sentence.words, words, n),
            "limited sentence keeps the first words");
    require(sentence.span.byte_start == full.sentences[s].span.byte_start,
            "limited sentence starts where it did");
    if (n == words.size()) {
      require(sentence.span.byte_end == full.sentences[s].span.byte_end,
              "a sentence that kept its words ends where it did");
    }
    kept_words += n;
  }
  require(limited.sentences.size() == s, "no sentence past the limits");
  require(limited.truncated == dropped, "truncated says whether anything was dropped");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  han::TokenizerConfig unlimited;
  unlimited.lowercase = choice & 1;
  han::TokenizerConfig limited = unlimited;
  limited.max_sentences = (choice >> 1) & 3;
  limited.max_words_per_sentence = (choice >> 3) & 3;
  limited.max_words = (choice >> 5) & 7;

  const std::vector<size_t> units = utf16_units(text);
  const han::TokenizedText full = han::tokenize(text, unlimited);
  check_structure(full, units);
  require(!full.truncated, "no limits, no truncation");
  const han::TokenizedText cut = han::tokenize(text, limited);
  check_structure(cut, units);
  check_limits(cut, full, limited);
  return 0;
}
