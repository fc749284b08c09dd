// --grpc-header parsing: what gRPC would refuse is refused at start-up.
#include "backends/grpc/grpc_options.h"

#include "gtest/gtest.h"

namespace memgate::backends {
namespace {

TEST(ParseGrpcHeader, NameIsLowerCasedAndBothSidesTrimmed) {
  const absl::StatusOr<GrpcHeader> header = ParseGrpcHeader("  Authorization :  Bearer a:b  ");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->name, "authorization");
  EXPECT_EQ(header->value, "Bearer a:b");
}

TEST(ParseGrpcHeader, RefusesWhatGrpcWouldRefuse) {
  for (const char* flag : {"no-colon", ": value", "bad name: v", "grpc-timeout: 1S",
                           "content-type: text/plain", "te: trailers", "x-a: line\nbreak"}) {
    EXPECT_FALSE(ParseGrpcHeader(flag).ok()) << flag;
  }
}

TEST(ParseGrpcHeader, EmptyValueIsAllowed) {
  const absl::StatusOr<GrpcHeader> header = ParseGrpcHeader("x-empty:");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->value, "");
}

TEST(ParseGrpcOptions, ParsesEveryHeaderAndStopsAtTheFirstBadOne) {
  absl::StatusOr<GrpcBackendOptions> options = ParseGrpcOptions(
      {.target = "unix:/run/kv.sock", .headers = {"a: 1", "B: 2"}, .max_item_size = 2048});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->target, "unix:/run/kv.sock");
  ASSERT_EQ(options->headers.size(), 2u);
  EXPECT_EQ(options->headers[1].name, "b");
  EXPECT_EQ(options->max_item_size, 2048u);
  EXPECT_EQ(ParseGrpcOptions({.headers = {"a: 1", "no-colon"}}).status().message(),
            "--grpc-header wants 'name: value', got 'no-colon'");
}

}  // namespace
}  // namespace memgate::backends
