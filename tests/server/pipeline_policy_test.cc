// PipelinePolicy on its own: the outstanding-reply bound follows the reply
// size, reading and parsing stop at the output bound, -R ends a pass after
// its turn, and resumes and posted writes are claimed once.
#include "server/pipeline_policy.h"

#include "gtest/gtest.h"

namespace memgate::server {
namespace {

constexpr std::size_t kMaxQueued = PipelinePolicy::kMaxQueuedOutput;

TEST(PipelinePolicyTest, OutstandingRepliesFollowTheReplySize) {
  struct Case {
    std::size_t reply_bytes;
    uint64_t max_outstanding;
  };
  const Case cases[] = {
      {0, PipelinePolicy::kMaxOutstandingReplies},
      {1, PipelinePolicy::kMaxOutstandingReplies},
      {kMaxQueued / 2048, PipelinePolicy::kMaxOutstandingReplies},
      {kMaxQueued / 100, 100},
      {PipelinePolicy::kInitialReplyBytes, 4},
      {kMaxQueued, 1},
      {10 * kMaxQueued, PipelinePolicy::kMinOutstandingReplies},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PipelinePolicy::MaxOutstandingReplies(c.reply_bytes), c.max_outstanding)
        << c.reply_bytes;
  }
}

TEST(PipelinePolicyTest, ParsingStopsAtEitherBound) {
  const std::size_t small = 100;  // 1024 outstanding allowed
  EXPECT_TRUE(PipelinePolicy::MayParse(0, 0, small, true));
  EXPECT_TRUE(PipelinePolicy::MayParse(1023, kMaxQueued - 1, small, true));
  EXPECT_FALSE(PipelinePolicy::MayParse(1024, 0, small, true));
  EXPECT_FALSE(PipelinePolicy::MayParse(0, kMaxQueued, small, true));
  // At the initial size, four replies.
  EXPECT_TRUE(PipelinePolicy::MayParse(3, 0, PipelinePolicy::kInitialReplyBytes, true));
  EXPECT_FALSE(PipelinePolicy::MayParse(4, 0, PipelinePolicy::kInitialReplyBytes, true));
}

TEST(PipelinePolicyTest, ABackendOutOfOrderGetsOneCommandAtATime) {
  EXPECT_TRUE(PipelinePolicy::MayParse(0, 0, 100, false));
  EXPECT_FALSE(PipelinePolicy::MayParse(1, 0, 100, false));
  EXPECT_TRUE(PipelinePolicy::MayParse(1, 0, 100, true));
}

TEST(PipelinePolicyTest, ReadingCountsTheWriteInFlight) {
  EXPECT_TRUE(PipelinePolicy::MayRead(0, 0, 100));
  EXPECT_TRUE(PipelinePolicy::MayRead(1023, kMaxQueued - 1, 100));
  EXPECT_FALSE(PipelinePolicy::MayRead(1024, 0, 100));
  EXPECT_FALSE(PipelinePolicy::MayRead(0, kMaxQueued, 100));
}

TEST(PipelinePolicyTest, ALongRetrievalWaitsForEveryReplyBeforeItsNextPart) {
  EXPECT_TRUE(PipelinePolicy::MayRetrieveNextPart(0, 0));
  EXPECT_TRUE(PipelinePolicy::MayRetrieveNextPart(0, kMaxQueued - 1));
  EXPECT_FALSE(PipelinePolicy::MayRetrieveNextPart(1, 0));
  EXPECT_FALSE(PipelinePolicy::MayRetrieveNextPart(0, kMaxQueued));
}

TEST(PipelinePolicyTest, PassesDoNotNest) {
  PipelinePolicy policy(0);
  EXPECT_FALSE(policy.in_pass());
  EXPECT_TRUE(policy.BeginPass());
  EXPECT_TRUE(policy.in_pass());
  EXPECT_FALSE(policy.BeginPass());
  policy.EndPass();
  EXPECT_FALSE(policy.in_pass());
  EXPECT_TRUE(policy.BeginPass());
}

TEST(PipelinePolicyTest, WithoutRequestsPerEventAPassNeverYields) {
  PipelinePolicy policy(0);
  policy.BeginPass();
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(policy.TakeTurn());
}

TEST(PipelinePolicyTest, RequestsPerEventEndAPassAfterItsTurn) {
  PipelinePolicy policy(3);
  policy.BeginPass();
  EXPECT_TRUE(policy.TakeTurn());
  EXPECT_TRUE(policy.TakeTurn());
  EXPECT_TRUE(policy.TakeTurn());
  EXPECT_FALSE(policy.TakeTurn());
  policy.EndPass();
  // The next pass has a turn of its own.
  policy.BeginPass();
  EXPECT_TRUE(policy.TakeTurn());
}

TEST(PipelinePolicyTest, AResumeIsPostedOnce) {
  PipelinePolicy policy(1);
  EXPECT_TRUE(policy.ClaimResume());
  EXPECT_FALSE(policy.ClaimResume());
  policy.Resumed();
  EXPECT_TRUE(policy.ClaimResume());
}

TEST(PipelinePolicyTest, AWriteIsPostedOnce) {
  PipelinePolicy policy(0);
  EXPECT_TRUE(policy.ClaimWrite());
  EXPECT_FALSE(policy.ClaimWrite());
  policy.WriteRuns();
  EXPECT_TRUE(policy.ClaimWrite());
}

}  // namespace
}  // namespace memgate::server
