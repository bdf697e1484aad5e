#include "text/tokenizer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "text/utf8.h"

namespace han {
namespace {

// What reading past the end yields; no character class contains it.
constexpr char32_t kEndOfText = 0x110000;
// Longer "tags" are more likely a stray '<' in prose than markup.
constexpr std::size_t kMaxTagBytes = 64;
constexpr std::size_t kMaxEntityNameLength = 10;

bool in_range(char32_t c, char32_t first, char32_t last) {
  return c >= first && c <= last;
}
bool is_ascii_letter(char32_t c) {
  return in_range(c, 'a', 'z') || in_range(c, 'A', 'Z');
}
bool is_ascii_digit(char32_t c) {
  return in_range(c, '0', '9');
}
bool is_ascii_hex_digit(char32_t c) {
  return is_ascii_digit(c) || in_range(c, 'a', 'f') || in_range(c, 'A', 'F');
}
bool is_ascii_alphanumeric(char32_t c) {
  return is_ascii_letter(c) || is_ascii_digit(c);
}
char to_ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 0x20) : c;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_ascii_lower(x) == to_ascii_lower(y);
         });
}

template <std::size_t N>
bool is_one_of_ignoring_ascii_case(std::string_view word,
                                   const std::array<std::string_view, N>& list) {
  return std::any_of(list.begin(), list.end(), [&](std::string_view entry) {
    return equals_ignoring_ascii_case(word, entry);
  });
}

// One token per emoji (pictographs, dingbats and miscellaneous symbols).
bool is_emoji(char32_t c) {
  return in_range(c, 0x1F000, 0x1FAFF) || in_range(c, 0x2600, 0x27BF);
}
bool is_regional_indicator(char32_t c) {
  return in_range(c, 0x1F1E6, 0x1F1FF);
}
// Characters that modify the emoji before them rather than standing alone: the emoji
// presentation selector, skin tones and the tag characters of subdivision flags.
bool is_emoji_modifier(char32_t c) {
  return c == 0xFE0F || in_range(c, 0x1F3FB, 0x1F3FF) || in_range(c, 0xE0020, 0xE007F);
}
constexpr char32_t kZeroWidthJoiner = 0x200D;

// Non-ASCII punctuation, symbols and invisible characters. Every other non-ASCII code point counts
// as a letter, mark or digit: a cheap approximation that needs no Unicode tables.
bool is_non_ascii_separator(char32_t c) {
  return in_range(c, 0x80, 0xBF) || c == 0xD7 || c == 0xF7 || in_range(c, 0x2000, 0x206F) ||
         in_range(c, 0x2190, 0x23FF) || in_range(c, 0x2500, 0x25FF) ||
         in_range(c, 0x3000, 0x303F) || in_range(c, 0xFE10, 0xFE6F) ||
         in_range(c, 0xFF01, 0xFF0F) || in_range(c, 0xFF1A, 0xFF20) ||
         in_range(c, 0xFF3B, 0xFF40) || in_range(c, 0xFF5B, 0xFF65) ||
         c == utf8::kReplacementCharacter || c == 0xFEFF;
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return is_ascii_alphanumeric(c);
  return c != kEndOfText && !is_non_ascii_separator(c) && !is_emoji(c);
}

// U+0092 is how IMDB's text shows a cp1252 right single quote decoded as Latin-1.
bool is_apostrophe(char32_t c) {
  return c == '\'' || c == 0x2019 || c == 0x92;
}

// U+0085 is IMDB's mis-decoded cp1252 ellipsis.
bool is_ellipsis_char(char32_t c) {
  return c == '.' || c == 0x2026 || c == 0x85;
}
bool is_terminator(char32_t c) {
  return is_ellipsis_char(c) || c == '!' || c == '?';
}

// Marks that open a sentence before its first word: quotes, brackets, Spanish ¡ ¿, and the
// mis-decoded cp1252 left quotes U+0091/U+0093.
bool is_opening_mark(char32_t c) {
  return c == '"' || c == '\'' || c == '(' || c == '[' || c == 0xAB || c == 0xA1 || c == 0xBF ||
         c == 0x2018 || c == 0x201C || c == 0x201E || c == 0x91 || c == 0x93;
}

// Marks that close the sentence they directly follow the terminator of.
bool is_closing_mark(char32_t c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0xBB || c == 0x2019 || c == 0x201D ||
         c == 0x92 || c == 0x94;
}

bool is_inline_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == 0xA0;
}
// A lone '\r' (old Mac files) breaks too; the '\n' of "\r\n" then ends an empty sentence.
bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r';
}

// Simple lowercase mapping for the scripts most reviews are written in; everything else is left
// as it is:
//   ASCII A-Z; Latin-1 U+00C0-U+00DE except U+00D7 (×);
//   Latin Extended-A U+0100-U+017F, whose case pairs are (upper, lower) = (even, odd) except in
//     U+0139-U+0148 and U+0179-U+017E, where they are (odd, even); İ (U+0130) -> i and
//     Ÿ (U+0178) -> ÿ, whose lowercase lies outside the pair, and ĸ (U+0138), which has no pair;
//   Greek U+0391-U+03A9 except the unassigned U+03A2;
//   Cyrillic U+0410-U+042F (+0x20) and U+0400-U+040F (+0x50).
char32_t to_lower(char32_t c) {
  if (in_range(c, 'A', 'Z') || (in_range(c, 0xC0, 0xDE) && c != 0xD7)) return c + 0x20;
  if (in_range(c, 0x100, 0x17F)) {
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if (c == 0x138) return c;
    const bool odd_is_upper = in_range(c, 0x139, 0x148) || in_range(c, 0x179, 0x17E);
    const bool is_upper = (c % 2 == 1) == odd_is_upper;
    return is_upper ? c + 1 : c;
  }
  if (in_range(c, 0x391, 0x3A9) && c != 0x3A2) return c + 0x20;
  if (in_range(c, 0x410, 0x42F)) return c + 0x20;
  if (in_range(c, 0x400, 0x40F)) return c + 0x50;
  return c;
}

// Lowercase letters of the scripts `to_lower` knows; decides whether an ellipsis ends a sentence.
bool is_lowercase_letter(char32_t c) {
  if (c < 0x80) return in_range(c, 'a', 'z');
  if (in_range(c, 0xDF, 0xFF)) return c != 0xF7;
  if (in_range(c, 0x100, 0x17F)) return to_lower(c) == c;  // every code point there is a letter
  return c == 0x390 || in_range(c, 0x3AC, 0x3CE) || in_range(c, 0x430, 0x45F);
}

// Inside a word, `joiner` joins `before` and `after` into one token: contractions, hyphenated
// compounds, and numbers such as 1,000 and ratings such as 7.5/10.
bool joins_word(char32_t before, char32_t joiner, char32_t after) {
  if (is_apostrophe(joiner) || joiner == '-') return is_word_char(after);
  if (joiner == '.' || joiner == ',' || joiner == '/') {
    return is_ascii_digit(before) && is_ascii_digit(after);
  }
  return false;
}

// A '.' right after these words does not end the sentence.
constexpr std::array<std::string_view, 10> kAbbreviations = {"mr", "mrs", "ms", "dr", "prof",
                                                             "st", "jr",  "sr", "vs", "etc"};
// Dotted acronyms that never end a sentence, even before a capital.
constexpr std::array<std::string_view, 3> kContinuingAcronyms = {"e.g.", "i.e.", "a.k.a."};

struct Position {
  std::size_t byte = 0;
  std::size_t utf16 = 0;
};

TextSpan make_span(Position start, Position end) {
  return {start.byte, end.byte, start.utf16, end.utf16};
}

// One pass over the code points. Each step looks ahead a bounded distance, or over spaces that
// the next step then consumes, so the whole pass is linear.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, const TokenizerConfig& config) : text_(text), config_(config) {}

  TokenizedText run();

 private:
  struct CodePoint {
    char32_t value;
    Position next;
  };
  struct HtmlTag {
    Position end;
    bool breaks_sentence;
  };

  CodePoint read(Position at) const;
  unsigned char byte_at(std::size_t i) const { return static_cast<unsigned char>(text_[i]); }
  std::string_view slice(Position start, Position end) const {
    return text_.substr(start.byte, end.byte - start.byte);
  }
  Position skip_inline_spaces(Position at) const;

  std::optional<HtmlTag> match_html_tag(Position at) const;
  std::optional<Position> match_entity(Position at) const;
  std::optional<Position> match_dotted_acronym(Position at) const;

  Position take_word(Position at);
  Position take_dotted_acronym(Position at, Position end);
  Position take_emoji(Position at);
  Position take_terminators(Position at);

  void add_word(Position start, Position end);
  std::string normalise(Position start, Position end) const;
  void finish_sentence(std::optional<Position> terminator_end);

  std::string_view text_;
  const TokenizerConfig& config_;
  TokenizedText result_;
  bool done_ = false;  // max_sentences or max_words reached and another word seen
  std::size_t words_kept_ = 0;

  // The sentence being built.
  TokenizedSentence sentence_;
  std::optional<Position> sentence_start_;
  bool words_dropped_ = false;
  // Byte offset just after the last word when that word is an abbreviation such as "Mr".
  std::optional<std::size_t> abbreviation_end_;
};

Tokenizer::CodePoint Tokenizer::read(Position at) const {
  if (at.byte >= text_.size()) return {kEndOfText, at};
  const utf8::Decoded decoded = utf8::decode(text_, at.byte);
  return {decoded.code_point,
          {at.byte + decoded.byte_length, at.utf16 + utf8::utf16_length(decoded.code_point)}};
}

Position Tokenizer::skip_inline_spaces(Position at) const {
  for (CodePoint c = read(at); is_inline_space(c.value); c = read(at)) at = c.next;
  return at;
}

TokenizedText Tokenizer::run() {
  Position at;
  while (!done_ && at.byte < text_.size()) {
    const CodePoint c = read(at);
    if (is_line_break(c.value)) {
      finish_sentence(std::nullopt);
      at = c.next;
    } else if (const auto tag = match_html_tag(at)) {
      if (tag->breaks_sentence) finish_sentence(std::nullopt);
      at = tag->end;
    } else if (const auto entity_end = match_entity(at)) {
      at = *entity_end;
    } else if (is_emoji(c.value)) {
      at = take_emoji(at);
    } else if (is_word_char(c.value)) {
      at = take_word(at);
    } else if (is_terminator(c.value)) {
      at = take_terminators(at);
    } else {
      if (is_opening_mark(c.value) && !sentence_start_) sentence_start_ = at;
      at = c.next;
    }
  }
  finish_sentence(std::nullopt);
  return std::move(result_);
}

// `<` [`/`] letter ... `>` within kMaxTagBytes and without another `<`.
std::optional<Tokenizer::HtmlTag> Tokenizer::match_html_tag(Position at) const {
  if (byte_at(at.byte) != '<') return std::nullopt;
  const std::size_t limit = std::min(text_.size(), at.byte + kMaxTagBytes);
  std::size_t i = at.byte + 1;
  if (i < limit && byte_at(i) == '/') ++i;
  if (i >= limit || !is_ascii_letter(byte_at(i))) return std::nullopt;
  const std::size_t name_start = i;
  while (i < limit && is_ascii_alphanumeric(byte_at(i))) ++i;
  const std::string_view name = text_.substr(name_start, i - name_start);
  for (; i < limit && byte_at(i) != '<'; ++i) {
    if (byte_at(i) != '>') continue;
    Position end = at;
    while (end.byte <= i) end = read(end).next;  // the tag may hold non-ASCII attribute text
    return HtmlTag{end,
                   equals_ignoring_ascii_case(name, "br") || equals_ignoring_ascii_case(name, "p")};
  }
  return std::nullopt;
}

// `&name;`, `&#123;` or `&#x1F;`.
std::optional<Position> Tokenizer::match_entity(Position at) const {
  if (byte_at(at.byte) != '&') return std::nullopt;
  std::size_t i = at.byte + 1;
  bool (*is_name_char)(char32_t) = is_ascii_letter;
  if (i < text_.size() && byte_at(i) == '#') {
    ++i;
    is_name_char = is_ascii_digit;
    if (i < text_.size() && (byte_at(i) == 'x' || byte_at(i) == 'X')) {
      ++i;
      is_name_char = is_ascii_hex_digit;
    }
  }
  const std::size_t name_start = i;
  while (i < text_.size() && i - name_start < kMaxEntityNameLength && is_name_char(byte_at(i))) {
    ++i;
  }
  if (i == name_start || i >= text_.size() || byte_at(i) != ';') return std::nullopt;
  const std::size_t length = i + 1 - at.byte;  // all ASCII: bytes and UTF-16 units agree
  return Position{at.byte + length, at.utf16 + length};
}

// Two or more single ASCII letters each followed by '.', such as "e.g." or "U.S.".
std::optional<Position> Tokenizer::match_dotted_acronym(Position at) const {
  Position end = at;
  int letters = 0;
  for (CodePoint letter = read(end); is_ascii_letter(letter.value); letter = read(end)) {
    const CodePoint dot = read(letter.next);
    if (dot.value != '.') break;
    end = dot.next;
    ++letters;
  }
  if (letters < 2) return std::nullopt;
  return end;
}

Position Tokenizer::take_word(Position at) {
  if (const auto acronym_end = match_dotted_acronym(at)) {
    return take_dotted_acronym(at, *acronym_end);
  }
  const CodePoint first = read(at);
  char32_t previous = first.value;
  Position end = first.next;
  for (;;) {
    const CodePoint c = read(end);
    if (is_word_char(c.value)) {
      previous = c.value;
      end = c.next;
      continue;
    }
    const CodePoint after = read(c.next);
    if (!joins_word(previous, c.value, after.value)) break;
    previous = after.value;
    end = after.next;
  }
  add_word(at, end);
  if (is_one_of_ignoring_ascii_case(slice(at, end), kAbbreviations)) abbreviation_end_ = end.byte;
  return end;
}

// The acronym keeps its dots. Its last dot ends the sentence only before a capital letter, as in
// "born in the U.S. Then...", and never for acronyms such as "e.g." that introduce more text.
Position Tokenizer::take_dotted_acronym(Position at, Position end) {
  add_word(at, end);
  const bool capital_follows = in_range(read(skip_inline_spaces(end)).value, 'A', 'Z');
  if (capital_follows && !is_one_of_ignoring_ascii_case(slice(at, end), kContinuingAcronyms)) {
    finish_sentence(end);
  }
  return end;
}

Position Tokenizer::take_emoji(Position at) {
  const CodePoint first = read(at);
  Position end = first.next;
  // A flag is a pair of regional indicators.
  if (is_regional_indicator(first.value)) {
    const CodePoint second = read(end);
    if (is_regional_indicator(second.value)) end = second.next;
  }
  for (;;) {
    const CodePoint c = read(end);
    if (is_emoji_modifier(c.value)) {
      end = c.next;
      continue;
    }
    const CodePoint joined = read(c.next);
    if (c.value != kZeroWidthJoiner || !is_emoji(joined.value)) break;
    end = joined.next;
  }
  add_word(at, end);
  return end;
}

// A run such as "!!!", "?!" or "..." counts as one terminator. It takes the closing quotes and
// brackets right after it into the sentence it ends.
Position Tokenizer::take_terminators(Position at) {
  Position run_end = at;
  std::size_t run_length = 0;
  bool only_ellipsis_chars = true;
  for (CodePoint c = read(run_end); is_terminator(c.value); c = read(run_end)) {
    only_ellipsis_chars = only_ellipsis_chars && is_ellipsis_char(c.value);
    ++run_length;
    run_end = c.next;
  }
  const bool single_dot = run_length == 1 && read(at).value == '.';
  Position closed_end = run_end;
  for (CodePoint c = read(closed_end); is_closing_mark(c.value); c = read(closed_end)) {
    closed_end = c.next;
  }

  bool ends_sentence = true;
  if (single_dot) {
    // A lone '.' inside "www.imdb.com" or after "Mr" is not a full stop.
    ends_sentence = !is_word_char(read(run_end).value) && abbreviation_end_ != at.byte;
  } else if (only_ellipsis_chars) {
    // "I thought... well, no." trails off mid-sentence.
    ends_sentence = !is_lowercase_letter(read(skip_inline_spaces(closed_end)).value);
  }
  if (!ends_sentence) return run_end;
  finish_sentence(closed_end);
  return closed_end;
}

void Tokenizer::add_word(Position start, Position end) {
  if ((config_.max_sentences > 0 && result_.sentences.size() == config_.max_sentences) ||
      (config_.max_words > 0 && words_kept_ == config_.max_words)) {
    result_.truncated = true;
    done_ = true;
    return;
  }
  if (!sentence_start_) sentence_start_ = start;
  if (config_.max_words_per_sentence > 0 &&
      sentence_.words.size() == config_.max_words_per_sentence) {
    result_.truncated = true;
    words_dropped_ = true;
    return;
  }
  sentence_.words.push_back({normalise(start, end), make_span(start, end)});
  ++words_kept_;
}

std::string Tokenizer::normalise(Position start, Position end) const {
  std::string text;
  text.reserve(end.byte - start.byte);
  for (Position at = start; at.byte < end.byte;) {
    const CodePoint c = read(at);
    const char32_t apostrophe_normalised = is_apostrophe(c.value) ? U'\'' : c.value;
    utf8::append(text, config_.lowercase ? to_lower(apostrophe_normalised) : apostrophe_normalised);
    at = c.next;
  }
  return text;
}

// Emits the sentence being built, if it has words. It ends at `terminator_end`, or at its last
// kept word when it has no terminator or lost words to the limit.
void Tokenizer::finish_sentence(std::optional<Position> terminator_end) {
  if (!sentence_.words.empty()) {
    const TextSpan& last_word = sentence_.words.back().span;
    const Position end = terminator_end && !words_dropped_
                             ? *terminator_end
                             : Position{last_word.byte_end, last_word.utf16_end};
    sentence_.span = make_span(*sentence_start_, end);
    result_.sentences.push_back(std::move(sentence_));
  }
  sentence_ = TokenizedSentence{};
  sentence_start_.reset();
  words_dropped_ = false;
}

}  // namespace

TokenizedText tokenize(std::string_view utf8, const TokenizerConfig& config) {
  return Tokenizer(utf8, config).run();
}

}  // namespace han
