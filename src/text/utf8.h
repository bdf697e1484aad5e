#pragma once
// Small UTF-8 helpers for the tokenizer. Decoding follows the WHATWG Encoding Standard, which is
// what JavaScript's TextDecoder does: every maximal invalid subpart becomes one U+FFFD, so
// offsets computed here match the string the browser sees.
#include <cstddef>
#include <string>
#include <string_view>

namespace han::utf8 {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

struct Decoded {
  char32_t code_point;      // kReplacementCharacter for an invalid subpart
  std::size_t byte_length;  // at least 1
};

// Decodes the code point that starts at text[offset]. Requires offset < text.size().
Decoded decode(std::string_view text, std::size_t offset);

// Number of UTF-16 code units that encode `code_point`.
inline std::size_t utf16_length(char32_t code_point) {
  return code_point >= 0x10000 ? 2 : 1;
}

// Appends the UTF-8 encoding of a valid code point.
void append(std::string& out, char32_t code_point);

}  // namespace han::utf8
