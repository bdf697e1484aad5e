// tools/static_html: toFixed(4) as JavaScript rounds, and the fragment's escaping and layout.
#include <gtest/gtest.h>

#include <string>

#include "model/model.h"
#include "tools/static_html.h"

namespace {

TEST(StaticHtml, Fixed4RoundsLikeJavaScriptToFixed) {
  // The expected strings are (x).toFixed(4) in Node 20; printf would give 0.0312 for 1/32.
  const std::pair<double, const char*> cases[] = {{0.03125, "0.0313"},
                                                  {0.09375, "0.0938"},
                                                  {0.15625, "0.1563"},
                                                  {0.00005, "0.0001"},
                                                  {0.99995, "1.0000"},
                                                  {1, "1.0000"},
                                                  {0, "0.0000"},
                                                  {0.5, "0.5000"},
                                                  {0.123449999999999, "0.1234"},
                                                  {0.12345, "0.1235"},
                                                  {1.0 / 3, "0.3333"},
                                                  {2.0 / 3, "0.6667"},
                                                  {0.00004999, "0.0000"},
                                                  {0.99994999, "0.9999"},
                                                  {1e-45, "0.0000"},
                                                  {0.999950000000001, "1.0000"}};
  for (const auto& [value, expected] : cases) EXPECT_EQ(han::fixed4(value), expected) << value;
}

han::Prediction hand_made(bool truncated) {
  // "Go <b>now</b>! x" with the sentence "Go <b>now</b>!" and its words "Go", "b" (a tie: 1/32).
  han::Prediction p;
  p.truncated = truncated;
  han::SentenceAttention s;
  s.span.byte_start = 0;
  s.span.byte_end = 14;
  s.weight = 1;
  s.words.push_back({"Go", {0, 2, 0, 2}, 2, 0.96875f});
  s.words.push_back({"b", {4, 5, 4, 5}, 3, 0.03125f});
  p.sentences.push_back(s);
  return p;
}

TEST(StaticHtml, EscapesTextAndMarksTheUnreadRest) {
  const std::string text = "Go <b>now</b>! x";
  EXPECT_EQ(han::highlight_html(text, hand_made(true), "word"),
            "<div class=\"han-highlight\" data-view=\"word\"><div class=\"han-review\" "
            "role=\"group\" aria-label=\"Review shaded by attention\"><span "
            "class=\"han-sentence\"><span class=\"han-bar\" style=\"--han-bar:1.0000\" "
            "title=\"sentence 1: weight 1.0000\" aria-hidden=\"true\"></span><span "
            "class=\"han-word\" style=\"--han-shade-word:1.0000;--han-shade-sentence:1.0000;"
            "--han-shade-combined:1.0000\" title=\"“Go”: word weight 0.9688 × sentence weight "
            "1.0000 = 0.9688 of the attention\">Go</span> &lt;<span class=\"han-word\" "
            "style=\"--han-shade-word:0.0323;--han-shade-sentence:1.0000;"
            "--han-shade-combined:0.0323\" title=\"“b”: word weight 0.0313 × sentence weight "
            "1.0000 = 0.0313 of the attention\">b</span>&gt;now&lt;/b&gt;!</span><span "
            "class=\"han-unread\" title=\"not read: the model’s length limits cut the text "
            "here\"> x</span></div></div>");
  const std::string plain = han::highlight_html(text, hand_made(false), "combined");
  EXPECT_NE(plain.find("!</span> x</div></div>"), std::string::npos);
}

TEST(StaticHtml, InvalidUtf8AndControlsBecomeReplacementCharacters) {
  han::Prediction p;  // no sentences: the whole text is outside them
  const std::string html = han::highlight_html("a\xff\xed\xa0\x80\x01\tb\"'&", p, "combined");
  EXPECT_EQ(html.substr(html.find("attention\">") + 11),
            "a\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\tb&quot;&#39;&amp;</div></div>");
}

}  // namespace
