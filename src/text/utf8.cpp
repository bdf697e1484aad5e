#include "text/utf8.h"

namespace han::utf8 {

Decoded decode(std::string_view text, std::size_t offset) {
  const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte_at(offset);
  if (lead < 0x80) return {lead, 1};

  // The lead byte fixes the length and, for E0/ED/F0/F4, a narrower range for the second byte:
  // that is what rejects overlong forms, surrogates and code points above U+10FFFF.
  std::size_t continuation_bytes = 0;
  unsigned char lower = 0x80, upper = 0xBF;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_bytes = 1;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation_bytes = 2;
    code_point = lead & 0x0F;
    if (lead == 0xE0) lower = 0xA0;
    if (lead == 0xED) upper = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation_bytes = 3;
    code_point = lead & 0x07;
    if (lead == 0xF0) lower = 0x90;
    if (lead == 0xF4) upper = 0x8F;
  } else {
    return {kReplacementCharacter, 1};
  }

  std::size_t length = 1;
  for (std::size_t k = 0; k < continuation_bytes; ++k, ++length) {
    // The maximal subpart ends before the first byte that cannot continue the sequence.
    if (offset + length >= text.size()) return {kReplacementCharacter, length};
    const unsigned char byte = byte_at(offset + length);
    if (byte < lower || byte > upper) return {kReplacementCharacter, length};
    code_point = (code_point << 6) | (byte & 0x3F);
    lower = 0x80;
    upper = 0xBF;
  }
  return {code_point, length};
}

void append(std::string& out, char32_t code_point) {
  const auto put = [&](char32_t bits) { out.push_back(static_cast<char>(bits)); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xC0 | (code_point >> 6));
    put(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    put(0xE0 | (code_point >> 12));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  } else {
    put(0xF0 | (code_point >> 18));
    put(0x80 | ((code_point >> 12) & 0x3F));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  }
}

}  // namespace han::utf8
