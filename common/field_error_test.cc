#include "common/field_error.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

TEST(ShownValue, ShortPrintableValuesAreKept) {
  EXPECT_EQ(ShownValue("arcade"), "arcade");
  EXPECT_EQ(ShownValue("größe ✓"), "größe ✓");
}

TEST(ShownValue, LongValuesAreCutWithAnEllipsis) {
  const std::string big(10240, 'x');
  std::string shown = ShownValue(big);
  EXPECT_EQ(shown, std::string(64, 'x') + "…");
  EXPECT_EQ(ShownValue("abcdef", 3), "abc…");
  EXPECT_EQ(ShownValue("abc", 3), "abc");
  // Counted in characters, not bytes: a multi-byte letter is one.
  EXPECT_EQ(ShownValue("ééééé", 2), "éé…");
}

TEST(ShownValue, ControlBytesQuotesAndBrokenUtf8AreEscaped) {
  EXPECT_EQ(ShownValue("a\nb"), "a\\x0ab");
  EXPECT_EQ(ShownValue("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(ShownValue("it's \"x\" \\"), "it\\'s \\\"x\\\" \\\\");
  // A truncated sequence at the end.
  EXPECT_EQ(ShownValue("ok\xc3"), "ok\\xc3");
  // Overlong '/' and a surrogate are not UTF-8.
  EXPECT_EQ(ShownValue("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(ShownValue("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_TRUE(IsUtf8(ShownValue(std::string("\x80\x81\xff", 3))));
}

TEST(Utf8, WellFormedAndClean) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("plain ascii"));
  EXPECT_TRUE(IsUtf8("\xf0\x9f\x8e\xae"));  // U+1F3AE
  EXPECT_FALSE(IsUtf8("\xff"));
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsUtf8("\xe2\x82"));          // truncated
  EXPECT_TRUE(IsUtf8("tab\there"));
  EXPECT_FALSE(IsCleanUtf8("tab\there"));
  EXPECT_FALSE(IsCleanUtf8("\xc2\x85"));  // U+0085, a C1 control
  EXPECT_TRUE(IsCleanUtf8("ann ✓"));
}

TEST(FieldError, RecordsTheField) {
  absl::Status status = FieldError("player_ids[3]", "must not be empty");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "player_ids[3]: must not be empty");
  EXPECT_EQ(ErrorField(status), "player_ids[3]");
}

TEST(FieldError, FieldFromAMessagePrefix) {
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("page_size: must be 1")),
            "page_size");
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("no field here")), "");
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("two words: x")), "");
  EXPECT_EQ(ErrorField(absl::NotFoundError("game_id: unknown")), "");
}

TEST(FieldError, PrefixField) {
  absl::Status inner = FieldError("game_id", "bad");
  absl::Status outer = PrefixField(inner, "events[3]", "(event_id 'e-1')");
  EXPECT_EQ(outer.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outer.message(), "events[3].game_id (event_id 'e-1'): bad");
  EXPECT_EQ(ErrorField(outer), "events[3].game_id");

  absl::Status plain =
      PrefixField(absl::InvalidArgumentError("something"), "events[1]");
  EXPECT_EQ(plain.message(), "events[1]: something");
  EXPECT_TRUE(PrefixField(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace statstracker
