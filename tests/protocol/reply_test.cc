// Byte-exact tests of the reply encoders against what memcached 1.6.18 sends.
#include "server/protocol/reply.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace memgate::protocol::reply {
namespace {

TEST(ReplyTest, Constants) {
  EXPECT_EQ(kStored, "STORED\r\n");
  EXPECT_EQ(kNotStored, "NOT_STORED\r\n");
  EXPECT_EQ(kExists, "EXISTS\r\n");
  EXPECT_EQ(kNotFound, "NOT_FOUND\r\n");
  EXPECT_EQ(kDeleted, "DELETED\r\n");
  EXPECT_EQ(kTouched, "TOUCHED\r\n");
  EXPECT_EQ(kOk, "OK\r\n");
  EXPECT_EQ(kEnd, "END\r\n");
  EXPECT_EQ(kError, "ERROR\r\n");
  EXPECT_EQ(kBadCommandLine, "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(kBadDataChunk, "CLIENT_ERROR bad data chunk\r\n");
  EXPECT_EQ(kTooLarge, "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(kOutOfMemory, "SERVER_ERROR out of memory storing object\r\n");
  EXPECT_EQ(kNonNumeric, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(kInvalidDelta, "CLIENT_ERROR invalid numeric delta argument\r\n");
  EXPECT_EQ(kInvalidExptime, "CLIENT_ERROR invalid exptime argument\r\n");
  EXPECT_EQ(kBadKeyInGet, "CLIENT_ERROR bad command line format\r\n\r\n");
}

TEST(ReplyTest, Value) {
  std::string out;
  AppendValue(out, "k", 0, "a");
  EXPECT_EQ(out, "VALUE k 0 1\r\na\r\n");
  AppendValue(out, "key2", 4294967295u, "");
  EXPECT_EQ(out, "VALUE k 0 1\r\na\r\nVALUE key2 4294967295 0\r\n\r\n");
}

TEST(ReplyTest, ValueKeepsBinaryData) {
  std::string out;
  const std::string data("a\0\r\nb", 5);
  AppendValue(out, "k", 7, data);
  EXPECT_EQ(out, std::string("VALUE k 7 5\r\na\0\r\nb\r\n", 20));
}

TEST(ReplyTest, ValueWithCas) {
  std::string out;
  AppendValueWithCas(out, "k", 5, "a", 6);
  EXPECT_EQ(out, "VALUE k 5 1 6\r\na\r\n");
  out.clear();
  AppendValueWithCas(out, "k", 0, "xyz", UINT64_MAX);
  EXPECT_EQ(out, "VALUE k 0 3 18446744073709551615\r\nxyz\r\n");
  out.clear();
  AppendValueWithCas(out, "k", 0, "", 0);
  EXPECT_EQ(out, "VALUE k 0 0 0\r\n\r\n");
}

TEST(ReplyTest, LargeValueLength) {
  std::string out;
  const std::string data(1048576, 'x');
  AppendValue(out, "big", 10, data);
  EXPECT_EQ(out.substr(0, 25), "VALUE big 10 1048576\r\nxxx");
  EXPECT_EQ(out.size(), 22 + data.size() + 2);
  EXPECT_EQ(out.substr(out.size() - 3), "x\r\n");
}

TEST(ReplyTest, Number) {
  std::string out;
  AppendNumber(out, 0);
  AppendNumber(out, 9);
  AppendNumber(out, 10);
  AppendNumber(out, 1234567890);
  AppendNumber(out, UINT64_MAX);
  EXPECT_EQ(out, "0\r\n9\r\n10\r\n1234567890\r\n18446744073709551615\r\n");
}

TEST(ReplyTest, Stat) {
  std::string out;
  AppendStat(out, "version", "1.6.18");
  AppendStat(out, "curr_items", uint64_t{0});
  AppendStat(out, "bytes", uint64_t{18446744073709551615u});
  EXPECT_EQ(out, "STAT version 1.6.18\r\nSTAT curr_items 0\r\nSTAT bytes 18446744073709551615\r\n");
}

TEST(ReplyTest, ServerError) {
  std::string out;
  AppendServerError(out, "backend unavailable");
  EXPECT_EQ(out, "SERVER_ERROR backend unavailable\r\n");
  out = "STORED\r\n";
  AppendServerError(out, "two\r\nlines\n");
  EXPECT_EQ(out, "STORED\r\nSERVER_ERROR two  lines \r\n");
}

TEST(ReplyTest, AppendsToExistingOutput) {
  std::string out = "prefix|";
  AppendValue(out, "k", 1, "v");
  out.append(kEnd);
  EXPECT_EQ(out, "prefix|VALUE k 1 1\r\nv\r\nEND\r\n");
}

}  // namespace
}  // namespace memgate::protocol::reply
