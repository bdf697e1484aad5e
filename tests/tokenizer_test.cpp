#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace han {
namespace {

using Words = std::vector<std::string>;

TokenizedText tokenize_default(std::string_view text) {
  return tokenize(text, TokenizerConfig{});
}

Words all_words(const TokenizedText& result) {
  Words words;
  for (const auto& sentence : result.sentences) {
    for (const auto& word : sentence.words) words.push_back(word.text);
  }
  return words;
}

Words words_of(std::string_view text) {
  return all_words(tokenize_default(text));
}

std::vector<Words> sentence_words_of(std::string_view text) {
  std::vector<Words> sentences;
  for (const auto& sentence : tokenize_default(text).sentences) {
    Words words;
    for (const auto& word : sentence.words) words.push_back(word.text);
    sentences.push_back(words);
  }
  return sentences;
}

std::string slice(std::string_view text, const TextSpan& span) {
  return std::string(text.substr(span.byte_start, span.byte_end - span.byte_start));
}

// The text each sentence span covers.
Words sentence_texts(std::string_view text, const TokenizerConfig& config = {}) {
  Words texts;
  for (const auto& sentence : tokenize(text, config).sentences) {
    texts.push_back(slice(text, sentence.span));
  }
  return texts;
}

void expect_span(const TextSpan& span, std::size_t byte_start, std::size_t byte_end,
                 std::size_t utf16_start, std::size_t utf16_end) {
  EXPECT_EQ(span.byte_start, byte_start);
  EXPECT_EQ(span.byte_end, byte_end);
  EXPECT_EQ(span.utf16_start, utf16_start);
  EXPECT_EQ(span.utf16_end, utf16_end);
}

// Independent reference: the WHATWG UTF-8 decoder state machine (what TextDecoder runs),
// counting the UTF-16 code units that decoding text[0, end) produces.
std::size_t utf16_units_of_prefix(std::string_view text, std::size_t end) {
  std::size_t units = 0, bytes_needed = 0, bytes_seen = 0;
  std::uint32_t code_point = 0;
  unsigned lower = 0x80, upper = 0xBF;
  std::size_t i = 0;
  while (i < end) {
    const unsigned byte = static_cast<unsigned char>(text[i]);
    if (bytes_needed == 0) {
      ++i;
      if (byte <= 0x7F) {
        ++units;
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        bytes_needed = 1;
        code_point = byte & 0x1F;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower = 0xA0;
        if (byte == 0xED) upper = 0x9F;
        bytes_needed = 2;
        code_point = byte & 0xF;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower = 0x90;
        if (byte == 0xF4) upper = 0x8F;
        bytes_needed = 3;
        code_point = byte & 0x7;
      } else {
        ++units;  // U+FFFD
      }
      continue;
    }
    if (byte < lower || byte > upper) {
      // U+FFFD for the bytes so far; the current byte is processed again.
      bytes_needed = bytes_seen = 0;
      lower = 0x80;
      upper = 0xBF;
      ++units;
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    code_point = (code_point << 6) | (byte & 0x3F);
    ++i;
    if (++bytes_seen == bytes_needed) {
      units += code_point >= 0x10000 ? 2 : 1;
      bytes_needed = bytes_seen = 0;
    }
  }
  if (bytes_needed != 0) ++units;  // the input ended inside a sequence
  return units;
}

// ---------------------------------------------------------------------------------------------
// Basics

TEST(Tokenizer, EmptyInputHasNoSentences) {
  const TokenizedText result = tokenize_default("");
  EXPECT_TRUE(result.sentences.empty());
  EXPECT_FALSE(result.truncated);
}

TEST(Tokenizer, WhitespaceOnlyInputHasNoSentences) {
  const TokenizedText result = tokenize_default(" \t\n\r\n  \f\v ");
  EXPECT_TRUE(result.sentences.empty());
  EXPECT_FALSE(result.truncated);
}

TEST(Tokenizer, SplitsWordsAndLowercases) {
  EXPECT_EQ(words_of("The Plot, sadly; was THIN: (really)"),
            (Words{"the", "plot", "sadly", "was", "thin", "really"}));
}

TEST(Tokenizer, GivesByteAndUtf16OffsetsOfWordsAndSentence) {
  const std::string text = "  Nice film, ok!";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(result.sentences.size(), 1u);
  const auto& sentence = result.sentences[0];
  ASSERT_EQ(sentence.words.size(), 3u);
  expect_span(sentence.words[0].span, 2, 6, 2, 6);
  expect_span(sentence.words[1].span, 7, 11, 7, 11);
  expect_span(sentence.words[2].span, 13, 15, 13, 15);
  expect_span(sentence.span, 2, 16, 2, 16);
}

TEST(Tokenizer, KeepsCaseWhenLowercaseIsOff) {
  TokenizerConfig config;
  config.lowercase = false;
  EXPECT_EQ(all_words(tokenize("Great ÉCOLE Don’t", config)), (Words{"Great", "ÉCOLE", "Don't"}));
}

TEST(Tokenizer, AsciiPunctuationAndSymbolsSeparateWords) {
  EXPECT_EQ(words_of("snake_case#tag@home*star+plus=eq~wave"),
            (Words{"snake", "case", "tag", "home", "star", "plus", "eq", "wave"}));
}

// ---------------------------------------------------------------------------------------------
// Contractions, hyphens, numbers

TEST(Tokenizer, ApostropheInsideWordJoins) {
  EXPECT_EQ(words_of("Don't say it's not rock'n'roll"),
            (Words{"don't", "say", "it's", "not", "rock'n'roll"}));
}

TEST(Tokenizer, CurlyApostropheJoinsAndIsNormalised) {
  const std::string text = "I’m in";  // ’ is 3 bytes, 1 UTF-16 unit
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"i'm", "in"}));
  expect_span(result.sentences[0].words[0].span, 0, 5, 0, 3);
  expect_span(result.sentences[0].words[1].span, 6, 8, 4, 6);
}

TEST(Tokenizer, MisdecodedCp1252ApostropheJoinsAndIsNormalised) {
  const std::string text = "don\xC2\x92t go";  // U+0092
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"don't", "go"}));
  expect_span(result.sentences[0].words[0].span, 0, 6, 0, 5);
}

TEST(Tokenizer, LeadingAndTrailingApostrophesAreNotPartOfWords) {
  EXPECT_EQ(words_of("'hello' the actors' work ’quoted’ ''"),
            (Words{"hello", "the", "actors", "work", "quoted"}));
}

TEST(Tokenizer, HyphenBetweenWordCharactersJoins) {
  EXPECT_EQ(words_of("a well-made, self-indulgent X-Men film"),
            (Words{"a", "well-made", "self-indulgent", "x-men", "film"}));
}

TEST(Tokenizer, DoubleLeadingAndTrailingHyphensDoNotJoin) {
  EXPECT_EQ(words_of("well--made -dash- end- -- x"), (Words{"well", "made", "dash", "end", "x"}));
}

TEST(Tokenizer, DecimalsThousandsAndRatingsAreOneToken) {
  EXPECT_EQ(words_of("7.5/10 10/10 1/2 1,000 3.14 1,000,000 2.5."),
            (Words{"7.5/10", "10/10", "1/2", "1,000", "3.14", "1,000,000", "2.5"}));
}

TEST(Tokenizer, PunctuationBetweenNonDigitsDoesNotJoin) {
  EXPECT_EQ(words_of("and/or a,b 5/ /5 x.5"), (Words{"and", "or", "a", "b", "5", "5", "x", "5"}));
}

TEST(Tokenizer, DecimalPointDoesNotEndSentence) {
  EXPECT_EQ(sentence_words_of("I give it 7.5/10. Worth it."),
            (std::vector<Words>{{"i", "give", "it", "7.5/10"}, {"worth", "it"}}));
}

// ---------------------------------------------------------------------------------------------
// Abbreviations and dotted acronyms

TEST(Tokenizer, AbbreviationDotDoesNotEndSentence) {
  const std::string text = "Mr. Smith met Dr. Jones. They talked.";
  EXPECT_EQ(sentence_words_of(text),
            (std::vector<Words>{{"mr", "smith", "met", "dr", "jones"}, {"they", "talked"}}));
  EXPECT_EQ(sentence_texts(text), (Words{"Mr. Smith met Dr. Jones.", "They talked."}));
}

TEST(Tokenizer, EveryListedAbbreviationContinuesTheSentence) {
  EXPECT_EQ(sentence_words_of("MRS. A MS. B PROF. C St. D Jr. E Sr. F vs. G etc. H"),
            (std::vector<Words>{{"mrs", "a", "ms", "b", "prof", "c", "st", "d", "jr", "e", "sr",
                                 "f", "vs", "g", "etc", "h"}}));
}

TEST(Tokenizer, AbbreviationTokenExcludesTheDot) {
  const TokenizedText result = tokenize_default("Batman vs. Superman.");
  ASSERT_EQ(result.sentences.size(), 1u);
  expect_span(result.sentences[0].words[1].span, 7, 9, 7, 9);
}

TEST(Tokenizer, DottedAcronymIsOneTokenKeepingItsDots) {
  EXPECT_EQ(words_of("e.g. i.e. U.S. a.k.a. P.M."),
            (Words{"e.g.", "i.e.", "u.s.", "a.k.a.", "p.m."}));
}

TEST(Tokenizer, DottedAcronymEndsSentenceOnlyBeforeCapital) {
  const std::string text = "He lived in the U.S. Then he moved. The U.S. army won.";
  EXPECT_EQ(sentence_texts(text),
            (Words{"He lived in the U.S.", "Then he moved.", "The U.S. army won."}));
  EXPECT_EQ(sentence_words_of(text)[0], (Words{"he", "lived", "in", "the", "u.s."}));
}

TEST(Tokenizer, IntroducingAcronymsNeverEndSentence) {
  EXPECT_EQ(sentence_texts("Horror, e.g. The Thing, i.e. Carpenter, a.k.a. The Master. Yes."),
            (Words{"Horror, e.g. The Thing, i.e. Carpenter, a.k.a. The Master.", "Yes."}));
}

TEST(Tokenizer, SingleLetterBeforeFullStopIsNotAnAcronym) {
  EXPECT_EQ(sentence_texts("Plan B. Then nothing."), (Words{"Plan B.", "Then nothing."}));
}

TEST(Tokenizer, DotDirectlyFollowedByWordIsASeparator) {
  EXPECT_EQ(
      sentence_words_of("See www.imdb.com now. The end.Start here."),
      (std::vector<Words>{{"see", "www", "imdb", "com", "now"}, {"the", "end", "start", "here"}}));
}

// ---------------------------------------------------------------------------------------------
// Sentence terminators

TEST(Tokenizer, RepeatedPunctuationIsOneTerminator) {
  EXPECT_EQ(sentence_texts("Wow!!! Great?! Really!?!? Yes."),
            (Words{"Wow!!!", "Great?!", "Really!?!?", "Yes."}));
}

TEST(Tokenizer, SentenceWithoutWordsIsDropped) {
  EXPECT_TRUE(tokenize_default("!!!").sentences.empty());
  EXPECT_TRUE(tokenize_default("...").sentences.empty());
  EXPECT_TRUE(tokenize_default("<br />").sentences.empty());
  EXPECT_EQ(sentence_texts("Fine. ?!? ... Good."), (Words{"Fine.", "Good."}));
}

TEST(Tokenizer, EllipsisBeforeLowercaseContinuesSentence) {
  EXPECT_EQ(sentence_texts("I thought... well, no. Next."),
            (Words{"I thought... well, no.", "Next."}));
}

TEST(Tokenizer, EllipsisBeforeAnythingElseEndsSentence) {
  EXPECT_EQ(sentence_texts("I thought... Then I left... 5 stars..."),
            (Words{"I thought...", "Then I left...", "5 stars..."}));
}

TEST(Tokenizer, EllipsisBeforeNonAsciiLowercaseContinuesSentence) {
  EXPECT_EQ(sentence_texts("Hmm... état. Hmm... État. Ну... ладно."),
            (Words{"Hmm... état.", "Hmm...", "État.", "Ну... ладно."}));
}

TEST(Tokenizer, UnicodeEllipsisFollowsEllipsisRules) {
  EXPECT_EQ(sentence_texts("Wait… what? Wait… What?"), (Words{"Wait… what?", "Wait…", "What?"}));
}

TEST(Tokenizer, MisdecodedCp1252EllipsisFollowsEllipsisRules) {
  const std::string text = "Hmm\xC2\x85 fine. Hmm\xC2\x85 Fine.";
  EXPECT_EQ(sentence_texts(text), (Words{"Hmm\xC2\x85 fine.", "Hmm\xC2\x85", "Fine."}));
}

TEST(Tokenizer, ClosingQuoteAfterTerminatorBelongsToSentence) {
  EXPECT_EQ(sentence_texts("He said \"wow!\" Then left."),
            (Words{"He said \"wow!\"", "Then left."}));
}

TEST(Tokenizer, OpeningQuoteStartsSentenceSpan) {
  const std::string text = "\"Wow, great.\" Next.";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(result.sentences.size(), 2u);
  expect_span(result.sentences[0].span, 0, 13, 0, 13);
  EXPECT_EQ(slice(text, result.sentences[1].span), "Next.");
}

TEST(Tokenizer, BracketsAndCurlyQuotesWrapSentences) {
  EXPECT_EQ(sentence_texts("(Spoilers ahead.) “Superb!” Then ‘fine.’ «Oui!» [Note.] Done"),
            (Words{"(Spoilers ahead.)", "“Superb!”", "Then ‘fine.’", "«Oui!»", "[Note.]", "Done"}));
}

TEST(Tokenizer, SeveralClosingMarksAndSpanishOpeningMarks) {
  EXPECT_EQ(sentence_texts("(He left?!\") ¡Qué bien! ¿Sí?"),
            (Words{"(He left?!\")", "¡Qué bien!", "¿Sí?"}));
}

TEST(Tokenizer, MisdecodedCp1252QuotesWrapSentences) {
  const std::string text = "\xC2\x93Great!\xC2\x94 Yes.";  // U+0093 ... U+0094
  EXPECT_EQ(sentence_texts(text), (Words{"\xC2\x93Great!\xC2\x94", "Yes."}));
}

TEST(Tokenizer, SentenceSpanSkipsLeadingSpacesAndOtherPunctuation) {
  EXPECT_EQ(sentence_texts("   -- Hello there.  * Bye"), (Words{"Hello there.", "Bye"}));
}

TEST(Tokenizer, SentenceWithoutTerminatorEndsAtItsLastWord) {
  EXPECT_EQ(sentence_texts("Good film \"really\" :)"), (Words{"Good film \"really"}));
}

TEST(Tokenizer, NewlinesEndSentences) {
  EXPECT_EQ(sentence_texts("First line\nSecond line\r\nThird\rFourth"),
            (Words{"First line", "Second line", "Third", "Fourth"}));
}

// ---------------------------------------------------------------------------------------------
// HTML

TEST(Tokenizer, BreakTagsEndSentences) {
  EXPECT_EQ(sentence_texts("Great film.<br /><br />Bad ending<br />really"),
            (Words{"Great film.", "Bad ending", "really"}));
}

TEST(Tokenizer, AllBreakTagVariantsEndSentences) {
  EXPECT_EQ(sentence_words_of("a<br>b<br/>c<BR>d<br />e</p>f<P class=\"x\">g"),
            (std::vector<Words>{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}, {"g"}}));
}

TEST(Tokenizer, OtherTagsAreSkippedWithoutBreaking) {
  const std::string text = "<i>great</i> movie<pre>, truly</pre>.";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(result.sentences.size(), 1u);
  EXPECT_EQ(all_words(result), (Words{"great", "movie", "truly"}));
  EXPECT_EQ(slice(text, result.sentences[0].span), "great</i> movie<pre>, truly</pre>.");
}

TEST(Tokenizer, TagWithNonAsciiAttributeKeepsUtf16OffsetsRight) {
  const std::string text = "<a title=\"é\">ok</a>";  // é: 2 bytes, 1 UTF-16 unit
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"ok"}));
  expect_span(result.sentences[0].words[0].span, 14, 16, 13, 15);
}

TEST(Tokenizer, LessThanThatIsNotATagIsPunctuation) {
  EXPECT_EQ(words_of("x < y and a<b <3 </ b"), (Words{"x", "y", "and", "a", "b", "3", "b"}));
}

TEST(Tokenizer, TagMustCloseWithinLimitAndWithoutAnotherLessThan) {
  EXPECT_EQ(words_of("<span " + std::string(60, 'x') + ">"), (Words{"span", std::string(60, 'x')}));
  EXPECT_EQ(words_of("<b <i>x"), (Words{"b", "x"}));
  EXPECT_EQ(words_of("<span " + std::string(50, 'x') + ">ok"), (Words{"ok"}));
}

TEST(Tokenizer, EntitiesAreSeparators) {
  EXPECT_EQ(words_of("&quot;great&quot; &amp; &#39;fine&#39; &#x1F600;&nbsp;ok"),
            (Words{"great", "fine", "ok"}));
}

TEST(Tokenizer, AmpersandThatIsNotAnEntityIsPunctuation) {
  EXPECT_EQ(words_of("AT&T &unterminated &toolongentityname; &#; &#xZ;"),
            (Words{"at", "t", "unterminated", "toolongentityname", "xz"}));
}

// ---------------------------------------------------------------------------------------------
// Lowercasing and scripts

TEST(Tokenizer, LowercasesLatin1) {
  EXPECT_EQ(words_of("ÉCOLE ÀÖØÞ"), (Words{"école", "àöøþ"}));
  EXPECT_EQ(words_of("A×B"), (Words{"a", "b"}));  // × is a separator, not a letter
}

TEST(Tokenizer, LowercasesLatinExtendedA) {
  EXPECT_EQ(words_of("ĀČĚŠŽ ŁÓDŹ ĹĽŃŇ ŒŸ İSTANBUL ĸ"),
            (Words{"āčěšž", "łódź", "ĺľńň", "œÿ", "istanbul", "ĸ"}));
}

TEST(Tokenizer, LowercasesGreekAndCyrillic) {
  EXPECT_EQ(words_of("ΑΘΗΝΑ ΣΩΣ ПРИВЕТ ЁЖ ЇЎ"), (Words{"αθηνα", "σωσ", "привет", "ёж", "їў"}));
}

TEST(Tokenizer, CjkRunsAreWordsAndCjkPunctuationSeparates) {
  EXPECT_EQ(words_of("这部电影很好。我喜欢！"), (Words{"这部电影很好", "我喜欢"}));
}

TEST(Tokenizer, CombiningMarksContinueWord) {
  const std::string text = "cafe\xCC\x81 nai\xCC\x88ve";  // e + U+0301, i + U+0308
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"cafe\xCC\x81", "nai\xCC\x88ve"}));
  expect_span(result.sentences[0].words[0].span, 0, 6, 0, 5);
}

TEST(Tokenizer, NonAsciiPunctuationSeparates) {
  EXPECT_EQ(words_of("a—b “c” d•e ¡f! ©g →h ─i\xE2\x80\x8Bj k\xC2\xA0l"),
            (Words{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}));
}

// ---------------------------------------------------------------------------------------------
// Emoji

TEST(Tokenizer, EmojiIsItsOwnToken) {
  const std::string text = "Loved it👍";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"loved", "it", "👍"}));
  expect_span(result.sentences[0].words[2].span, 8, 12, 8, 10);
}

TEST(Tokenizer, SkinToneStaysWithItsEmoji) {
  const TokenizedText result = tokenize_default("👍🏽");
  ASSERT_EQ(all_words(result), (Words{"👍🏽"}));
  expect_span(result.sentences[0].words[0].span, 0, 8, 0, 4);
}

TEST(Tokenizer, ZwjSequenceIsOneToken) {
  const TokenizedText result = tokenize_default("👨‍👩‍👧 fun");
  ASSERT_EQ(all_words(result), (Words{"👨‍👩‍👧", "fun"}));
  expect_span(result.sentences[0].words[0].span, 0, 18, 0, 8);
}

TEST(Tokenizer, AdjacentEmojiAreSeparateTokens) {
  EXPECT_EQ(words_of("😂😂great😀"), (Words{"😂", "😂", "great", "😀"}));
}

TEST(Tokenizer, VariationSelectorAndFlagsStayInOneToken) {
  EXPECT_EQ(words_of("❤️ ☺ 🇫🇷"), (Words{"❤️", "☺", "🇫🇷"}));
}

TEST(Tokenizer, ZwjNotFollowedByEmojiIsASeparator) {
  EXPECT_EQ(words_of("😀\xE2\x80\x8Dok"), (Words{"😀", "ok"}));
}

TEST(Tokenizer, EmojiCountsAsAWordOfItsSentence) {
  EXPECT_EQ(sentence_words_of("Fun 😀. 😡!"), (std::vector<Words>{{"fun", "😀"}, {"😡"}}));
}

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8: each maximal invalid subpart is one U+FFFD (one UTF-16 unit), a separator.

TEST(Tokenizer, LoneContinuationByteIsOneReplacement) {
  const std::string text = std::string("ab\x80") + "cd";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"ab", "cd"}));
  expect_span(result.sentences[0].words[0].span, 0, 2, 0, 2);
  expect_span(result.sentences[0].words[1].span, 3, 5, 3, 5);
}

TEST(Tokenizer, TruncatedSequenceIsOneReplacement) {
  const std::string text = std::string("\xE2\x82") + "x " + "\xF0\x9F\x98" + "yes";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"x", "yes"}));
  expect_span(result.sentences[0].words[0].span, 2, 3, 1, 2);
  expect_span(result.sentences[0].words[1].span, 7, 10, 4, 7);
}

TEST(Tokenizer, TruncatedSequenceAtEndOfInputIsIgnored) {
  const std::string text = "ok \xE2\x82";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"ok"}));
  expect_span(result.sentences[0].span, 0, 2, 0, 2);
}

TEST(Tokenizer, OverlongEncodingIsOneReplacementPerByte) {
  const std::string text = std::string("\xC0\x80") + "z " + "\xE0\x80\x80" + "w";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"z", "w"}));
  expect_span(result.sentences[0].words[0].span, 2, 3, 2, 3);
  expect_span(result.sentences[0].words[1].span, 7, 8, 7, 8);
}

TEST(Tokenizer, EncodedSurrogateIsThreeReplacementsAndSplitsWord) {
  const std::string text = std::string("x\xED\xA0\x80") + "y";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"x", "y"}));
  expect_span(result.sentences[0].words[1].span, 4, 5, 4, 5);
}

TEST(Tokenizer, BytesF5AndAboveAndCodePointsAboveMaxAreInvalid) {
  const std::string text = std::string("\xF5\x80") + "a" + "\xFF" + "b" + "\xF4\x90\x80\x80" + "c";
  const TokenizedText result = tokenize_default(text);
  ASSERT_EQ(all_words(result), (Words{"a", "b", "c"}));
  expect_span(result.sentences[0].words[0].span, 2, 3, 2, 3);
  expect_span(result.sentences[0].words[1].span, 4, 5, 4, 5);
  expect_span(result.sentences[0].words[2].span, 9, 10, 9, 10);
}

TEST(Tokenizer, InvalidLeadByteFollowedByAsciiSplitsWord) {
  EXPECT_EQ(words_of(std::string("caf\xC3") + "x"), (Words{"caf", "x"}));
}

TEST(Tokenizer, ValidEmojiAfterInvalidByteKeepsOffsets) {
  const TokenizedText result = tokenize_default(std::string("\x80") + "😀");
  ASSERT_EQ(all_words(result), (Words{"😀"}));
  expect_span(result.sentences[0].words[0].span, 1, 5, 1, 3);
}

TEST(Tokenizer, EncodedReplacementCharacterIsASeparator) {
  EXPECT_EQ(words_of("a\xEF\xBF\xBD"
                     "b"),
            (Words{"a", "b"}));
}

// ---------------------------------------------------------------------------------------------
// Limits

TEST(Tokenizer, MaxSentencesKeepsFirstSentences) {
  TokenizerConfig config;
  config.max_sentences = 2;
  const TokenizedText result = tokenize("One. Two. Three.", config);
  EXPECT_EQ(result.sentences.size(), 2u);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(sentence_texts("One. Two. Three.", config), (Words{"One.", "Two."}));
}

TEST(Tokenizer, MaxSentencesNotTruncatedWhenNothingIsDropped) {
  TokenizerConfig config;
  config.max_sentences = 2;
  const TokenizedText result = tokenize("One. Two! ... <br /> !!", config);
  EXPECT_EQ(result.sentences.size(), 2u);
  EXPECT_FALSE(result.truncated);
}

TEST(Tokenizer, MaxWordsKeepsFirstWordsAndEndsSpanAtLastKeptWord) {
  TokenizerConfig config;
  config.max_words_per_sentence = 2;
  const std::string text = "one two three. four five.";
  const TokenizedText result = tokenize(text, config);
  ASSERT_EQ(result.sentences.size(), 2u);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(all_words(result), (Words{"one", "two", "four", "five"}));
  EXPECT_EQ(sentence_texts(text, config), (Words{"one two", "four five."}));
}

TEST(Tokenizer, MaxWordsNotTruncatedWhenSentencesFit) {
  TokenizerConfig config;
  config.max_words_per_sentence = 2;
  const TokenizedText result = tokenize("one two. three", config);
  EXPECT_EQ(result.sentences.size(), 2u);
  EXPECT_FALSE(result.truncated);
}

TEST(Tokenizer, AbbreviationStillRecognisedAfterWordLimit) {
  TokenizerConfig config;
  config.max_words_per_sentence = 1;
  EXPECT_EQ(sentence_texts("Hi Mr. Smith. Bye.", config), (Words{"Hi", "Bye."}));
}

TEST(Tokenizer, BothLimitsTogether) {
  TokenizerConfig config;
  config.max_sentences = 1;
  config.max_words_per_sentence = 3;
  const TokenizedText result = tokenize("a b c d e. f g.", config);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(all_words(result), (Words{"a", "b", "c"}));
}

TEST(Tokenizer, MaxSentencesStopsEarlyOnHugeInput) {
  TokenizerConfig config;
  config.max_sentences = 1;
  std::string text = "Short. ";
  for (int i = 0; i < 200000; ++i) text += "More words here. ";
  const TokenizedText result = tokenize(text, config);
  EXPECT_EQ(all_words(result), (Words{"short"}));
  EXPECT_TRUE(result.truncated);
}

// ---------------------------------------------------------------------------------------------
// Properties over varied inputs

TEST(Tokenizer, SpansSliceTheTextAndAgreeWithIndependentUtf16Count) {
  const std::vector<std::string> inputs = {
      "Plain ASCII text. With two sentences!",
      "“Un film très réussi”, dit-il… Ça m’a plu. ÉNORME!",
      "Greek ΚΑΛΗ ταινία, Русский ФИЛЬМ ёЁ.",
      "Emoji 👍🏽 and 👨‍👩‍👧 and 🇫🇷! Nice ❤️.",
      "CJK 这部电影很好。Mixed 映画 ok.",
      "don\xC2\x92t <br /><br />7.5/10 &quot;x&quot; U.S. Mr. Smith... well",
      std::string("bad \x80 bytes \xC0\x80 here \xED\xA0\x80 and \xF5 end \xE2\x82"),
      std::string("\xF0\x9F\x98 mid\xF4\x90\x80\x80word \xFF\xFE ok 😀\x80😀"),
      "Mixed\r\nlines\nand <p>tags</p> <a href='ü'>link</a>",
  };
  for (const std::string& text : inputs) {
    SCOPED_TRACE(text);
    TokenizerConfig keep_case;
    keep_case.lowercase = false;
    const TokenizedText lowered = tokenize(text, TokenizerConfig{});
    const TokenizedText cased = tokenize(text, keep_case);
    ASSERT_EQ(lowered.sentences.size(), cased.sentences.size());
    ASSERT_FALSE(lowered.sentences.empty());

    std::size_t previous_sentence_end = 0;
    for (std::size_t s = 0; s < lowered.sentences.size(); ++s) {
      const TokenizedSentence& sentence = lowered.sentences[s];
      ASSERT_FALSE(sentence.words.empty());
      ASSERT_LE(previous_sentence_end, sentence.span.byte_start);
      ASSERT_LT(sentence.span.byte_start, sentence.span.byte_end);
      ASSERT_LE(sentence.span.byte_end, text.size());
      EXPECT_EQ(sentence.span.utf16_start, utf16_units_of_prefix(text, sentence.span.byte_start));
      EXPECT_EQ(sentence.span.utf16_end, utf16_units_of_prefix(text, sentence.span.byte_end));
      previous_sentence_end = sentence.span.byte_end;

      ASSERT_EQ(sentence.words.size(), cased.sentences[s].words.size());
      for (std::size_t w = 0; w < sentence.words.size(); ++w) {
        const Token& token = sentence.words[w];
        const Token& cased_token = cased.sentences[s].words[w];
        EXPECT_GE(token.span.byte_start, sentence.span.byte_start);
        EXPECT_LE(token.span.byte_end, sentence.span.byte_end);
        ASSERT_LT(token.span.byte_start, token.span.byte_end);
        EXPECT_EQ(token.span.utf16_start, utf16_units_of_prefix(text, token.span.byte_start));
        EXPECT_EQ(token.span.utf16_end, utf16_units_of_prefix(text, token.span.byte_end));
        EXPECT_EQ(token.span.byte_start, cased_token.span.byte_start);
        EXPECT_EQ(token.span.byte_end, cased_token.span.byte_end);

        const std::string original = slice(text, token.span);
        const bool has_unusual_apostrophe = original.find("’") != std::string::npos ||
                                            original.find("\xC2\x92") != std::string::npos;
        if (!has_unusual_apostrophe) {
          EXPECT_EQ(cased_token.text, original);
        }
        // Words never hold invalid bytes, so their UTF-16 length is that of a valid decode.
        EXPECT_EQ(token.span.utf16_end - token.span.utf16_start,
                  utf16_units_of_prefix(original, original.size()));
      }
    }
  }
}

TEST(Tokenizer, AsciiTokensAreTheLowercasedSlice) {
  const std::string text = "The QUICK brown-Fox JUMPED over 7.5/10 Dogs' U.S. heads!!";
  for (const auto& sentence : tokenize_default(text).sentences) {
    for (const auto& token : sentence.words) {
      std::string expected = slice(text, token.span);
      for (char& c : expected) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      EXPECT_EQ(token.text, expected);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Linear time on pathological input (the suite would crawl if any of these were quadratic)

TEST(Tokenizer, HandlesMegabyteInputsOfOneCharacter) {
  constexpr std::size_t kSize = 1 << 20;
  EXPECT_TRUE(tokenize_default(std::string(kSize, '.')).sentences.empty());
  EXPECT_TRUE(tokenize_default(std::string(kSize, '<')).sentences.empty());
  const TokenizedText letters = tokenize_default(std::string(kSize, 'a'));
  ASSERT_EQ(letters.sentences.size(), 1u);
  EXPECT_EQ(letters.sentences[0].words[0].text.size(), kSize);
}

TEST(Tokenizer, HandlesLongRepetitivePatterns) {
  const auto repeat = [](std::string_view unit, std::size_t times) {
    std::string text;
    for (std::size_t i = 0; i < times; ++i) text += unit;
    return text;
  };
  EXPECT_EQ(all_words(tokenize_default(repeat("a.", 20000))).size(), 1u);  // one long acronym
  EXPECT_EQ(all_words(tokenize_default(repeat("<a", 20000))).size(), 20000u);
  EXPECT_EQ(all_words(tokenize_default(repeat("&amp", 20000))).size(), 20000u);
  EXPECT_EQ(tokenize_default(repeat("... ", 20000)).sentences.size(), 0u);
  EXPECT_EQ(tokenize_default(repeat("x... ", 20000)).sentences.size(), 1u);
  EXPECT_EQ(tokenize_default(repeat("x. ", 20000)).sentences.size(), 20000u);
  EXPECT_EQ(all_words(tokenize_default(repeat("'-", 20000))).size(), 0u);
  EXPECT_EQ(all_words(tokenize_default(repeat("\xF0\x9F\x98", 20000))).size(), 0u);
}

}  // namespace
}  // namespace han
