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

}  // namespace
}  // namespace memgate::backends
