// GetServerInfo's command line hides URL passwords and header values.
#include "admin/redacted_args.h"

#include "gtest/gtest.h"

namespace memgate::admin {
namespace {

TEST(RedactedArgsTest, HidesUrlPasswordsAndHeaderValues) {
  const std::vector<std::string> args = {"memgate",
                                         "--redis-url",
                                         "redis://app:s3cret@10.0.0.1:6379/2",
                                         "--redis-url=rediss+cluster://:s3cret@a:1,b:2",
                                         "--grpc-header",
                                         "authorization: Bearer s3cret",
                                         "--grpc-header=x-token: s3cret",
                                         "--grpc-target",
                                         "dns:///kv.local:50051",
                                         "-p",
                                         "11211"};
  const std::vector<std::string> want = {"memgate",
                                         "--redis-url",
                                         "redis://app:***@10.0.0.1:6379/2",
                                         "--redis-url=rediss+cluster://:***@a:1,b:2",
                                         "--grpc-header",
                                         "authorization: ***",
                                         "--grpc-header=x-token: ***",
                                         "--grpc-target",
                                         "dns:///kv.local:50051",
                                         "-p",
                                         "11211"};
  EXPECT_EQ(RedactedArgs(args), want);
}

TEST(RedactedArgsTest, AUserWithoutPasswordIsHiddenWhole) {
  EXPECT_EQ(RedactedArgs({"redis://s3cret@host:1"}),
            std::vector<std::string>{"redis://***@host:1"});
}

}  // namespace
}  // namespace memgate::admin
