// memcached mode's item header and the cas values memgate makes for it.
#include "backends/redis/item_header.h"

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends/redis/cas_clock.h"
#include "gtest/gtest.h"

namespace memgate::backends::redis {
namespace {

TEST(ItemHeaderTest, RoundTripsFlagsCasAndTheBinaryKeyBit) {
  const ItemHeader header{.flags = 0xfedcba98, .cas = 0x0102030405060708, .key_binary = true};
  const std::string stored = EncodeItem(header, "value");
  EXPECT_EQ(stored,
            std::string("\x01\x01\xfe\xdc\xba\x98\x01\x02\x03\x04\x05\x06\x07\x08", 14) + "value");
  std::string_view value;
  const std::optional<ItemHeader> decoded = DecodeItem(stored, value);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->flags, header.flags);
  EXPECT_EQ(decoded->cas, header.cas);
  EXPECT_TRUE(decoded->key_binary);
  EXPECT_EQ(value, "value");
  // Scripts compare and splice these very bytes.
  EXPECT_EQ(stored.substr(6, 8), EncodeCas(header.cas));
  EXPECT_EQ(stored.substr(2, 4), EncodeFlags(header.flags));
  EXPECT_EQ(stored.substr(1, 1), ItemBits(true));
}

TEST(ItemHeaderTest, AnEmptyValueIsAnItem) {
  std::string_view value = "unchanged";
  const std::optional<ItemHeader> decoded = DecodeItem(EncodeItem({.flags = 3}, ""), value);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->flags, 3u);
  EXPECT_FALSE(decoded->key_binary);
  EXPECT_EQ(value, "");
}

TEST(ItemHeaderTest, StringsOfAnotherShapeAreNotItems) {
  std::string_view value;
  EXPECT_FALSE(DecodeItem("", value));
  EXPECT_FALSE(DecodeItem("hello", value));
  EXPECT_FALSE(DecodeItem(std::string(13, '\x01'), value));
  EXPECT_FALSE(DecodeItem("a plain string a client wrote", value));
}

TEST(CasClockTest, CarriesItsTagAndNeverRepeatsAcrossThreads) {
  CasClock clock(0xabc);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) seen[t].push_back(clock.Next());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const std::vector<uint64_t>& values : seen) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(values[i] & 0xfff, 0xabcu);
      if (i > 0) EXPECT_GT(values[i], values[i - 1]);
      all.insert(values[i]);
    }
  }
  EXPECT_EQ(all.size(), std::size_t{kThreads * kPerThread});
}

TEST(CasClockTest, ClocksWithOtherTagsNeverMeet) {
  CasClock a(1);
  CasClock b(2);
  std::set<uint64_t> from_a;
  for (int i = 0; i < 10000; ++i) from_a.insert(a.Next());
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(from_a.count(b.Next()), 0u);
}

TEST(CasClockTest, StartsAtTheWallClockSoARestartDoesNotGoBack) {
  const uint64_t first = CasClock(0).Next() >> CasClock::kTagBits;
  const uint64_t now_us =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  EXPECT_LE(first, now_us);
  EXPECT_GT(first, now_us - 1000000);
}

}  // namespace
}  // namespace memgate::backends::redis
