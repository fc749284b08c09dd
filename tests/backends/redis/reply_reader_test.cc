// The one-allocation reply objects hold what hiredis's own objects hold.
#include "backends/redis/reply_reader.h"

#include <string>

#include "gtest/gtest.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {
namespace {

// Parses one reply from `resp` with `reader`, which it frees.
redisReply* ParseWith(redisReader* reader, const std::string& resp) {
  redisReaderFeed(reader, resp.data(), resp.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  redisReaderFree(reader);
  return static_cast<redisReply*>(reply);
}

void ExpectSame(const redisReply& ours, const redisReply& theirs) {
  ASSERT_EQ(ours.type, theirs.type);
  switch (ours.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      EXPECT_EQ(std::string(ours.str, ours.len), std::string(theirs.str, theirs.len));
      EXPECT_EQ(ours.str[ours.len], '\0');
      break;
    case REDIS_REPLY_INTEGER:
      EXPECT_EQ(ours.integer, theirs.integer);
      break;
    case REDIS_REPLY_ARRAY:
      ASSERT_EQ(ours.elements, theirs.elements);
      for (std::size_t i = 0; i < ours.elements; ++i)
        ExpectSame(*ours.element[i], *theirs.element[i]);
      break;
    default:
      break;
  }
}

TEST(ReplyReaderTest, BuildsWhatHiredisBuilds) {
  const std::string binary("a\r\nb\0c", 6);
  const std::string cases[] = {
      "$5\r\nhello\r\n",
      "$0\r\n\r\n",
      "$6\r\n" + binary + "\r\n",
      "+OK\r\n",
      "-NOSCRIPT No matching script\r\n",
      ":-42\r\n",
      "$-1\r\n",
      "*0\r\n",
      "*3\r\n$3\r\nval\r\n$2\r\n17\r\n$-1\r\n",
      "*2\r\n*2\r\n:1\r\n+S\r\n*0\r\n",
  };
  for (const std::string& resp : cases) {
    redisReply* ours = ParseWith(CreateReplyReader(), resp);
    redisReply* theirs = ParseWith(redisReaderCreate(), resp);
    ASSERT_NE(ours, nullptr) << resp;
    ASSERT_NE(theirs, nullptr) << resp;
    ExpectSame(*ours, *theirs);
    FreeReply(ours);
    freeReplyObject(theirs);
  }
}

TEST(ReplyReaderTest, ArrayArrivesInPieces) {
  const std::string resp = "*2\r\n$5\r\nfirst\r\n$6\r\nsecond\r\n";
  redisReader* reader = CreateReplyReader();
  void* reply = nullptr;
  for (char c : resp) {
    ASSERT_EQ(reply, nullptr);
    redisReaderFeed(reader, &c, 1);
    ASSERT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  }
  redisReaderFree(reader);
  ASSERT_NE(reply, nullptr);
  auto* array = static_cast<redisReply*>(reply);
  ASSERT_EQ(array->elements, 2u);
  EXPECT_EQ(std::string(array->element[1]->str, array->element[1]->len), "second");
  FreeReply(array);
}

}  // namespace
}  // namespace memgate::backends::redis
