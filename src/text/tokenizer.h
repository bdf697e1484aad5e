#pragma once
// Raw UTF-8 text -> sentences -> words, with offsets into the original text.
//
// The same code runs natively and in WebAssembly. Offsets are given both in UTF-8 bytes (for C++
// and the CLI) and in UTF-16 code units (what JavaScript's String.slice needs). Invalid UTF-8 is
// never an error: every maximal invalid subsequence counts as one U+FFFD (exactly what
// JavaScript's TextDecoder produces), which is a separator, never part of a word.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace han {

struct TokenizerConfig {
  bool lowercase = true;
  // Zero means no limit. Past a limit the rest is dropped and `truncated` is set.
  std::size_t max_sentences = 0;
  std::size_t max_words_per_sentence = 0;
  std::size_t max_words = 0;  // in the whole text
};

// Half-open range [start, end) in both units.
struct TextSpan {
  std::size_t byte_start = 0, byte_end = 0;
  std::size_t utf16_start = 0, utf16_end = 0;
};

struct Token {
  std::string text;  // normalised form used for the vocabulary lookup (lowercased, ’ -> ')
  TextSpan span;     // where it stands in the original text
};

struct TokenizedSentence {
  TextSpan span;  // from its first character to its closing punctuation (and closing quotes)
  std::vector<Token> words;  // never empty
};

struct TokenizedText {
  std::vector<TokenizedSentence> sentences;
  bool truncated = false;  // a limit of the config dropped sentences or words
};

TokenizedText tokenize(std::string_view utf8, const TokenizerConfig& config);

}  // namespace han
