// ReplyQueue on its own: replies leave in reservation order whatever order
// they complete in, shared values are spliced in where they were appended,
// nothing after a closing reply is kept, and a closed queue drops everything.
#include "server/reply_queue.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boost/asio/buffer.hpp"
#include "gtest/gtest.h"

namespace memgate::server {
namespace {

using Completion = ReplyQueue::Completion;

constexpr std::size_t kInitialReplyBytes = 1000;

// What the write in flight sends, its pieces joined.
std::string Sending(const ReplyQueue& queue) {
  if (queue.sending_contiguous()) {
    const boost::asio::const_buffer buffer = queue.sending_buffer();
    return std::string(static_cast<const char*>(buffer.data()), buffer.size());
  }
  std::string bytes;
  for (const boost::asio::const_buffer& buffer : queue.sending_gather()) {
    bytes.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
  return bytes;
}

// Starts a write of the output and returns its bytes.
std::string WriteOutput(ReplyQueue& queue) {
  const std::size_t size = queue.StartWrite();
  std::string bytes = Sending(queue);
  EXPECT_EQ(bytes.size(), size);
  return bytes;
}

TEST(ReplyQueueTest, RepliesLeaveInReservationOrder) {
  ReplyQueue queue(kInitialReplyBytes);
  const uint64_t a = queue.Reserve();
  const uint64_t b = queue.Reserve();
  const uint64_t c = queue.Reserve();
  EXPECT_EQ(queue.outstanding(), 3u);
  EXPECT_EQ(queue.reserved(), 3u);

  queue.Buffer(c) += "C";
  EXPECT_EQ(queue.Complete(c, false), Completion::kRecorded);
  queue.Buffer(b) += "B";
  EXPECT_EQ(queue.Complete(b, false), Completion::kRecorded);
  // The head is still missing: nothing to write yet.
  EXPECT_FALSE(queue.has_output());
  EXPECT_EQ(queue.outstanding(), 3u);

  queue.Buffer(a) += "A";
  EXPECT_EQ(queue.Complete(a, false), Completion::kRecorded);
  EXPECT_EQ(queue.outstanding(), 0u);
  EXPECT_EQ(queue.queued_bytes(), 3u);
  EXPECT_EQ(WriteOutput(queue), "ABC");
}

TEST(ReplyQueueTest, OutputGrowsWhileAWriteIsInFlight) {
  ReplyQueue queue(kInitialReplyBytes);
  const uint64_t first = queue.Reserve();
  queue.Buffer(first) += "first";
  queue.Complete(first, false);
  EXPECT_EQ(WriteOutput(queue), "first");
  EXPECT_TRUE(queue.writing());
  EXPECT_FALSE(queue.idle());
  EXPECT_EQ(queue.queued_bytes(), 0u);

  const uint64_t second = queue.Reserve();
  queue.Buffer(second) += "second";
  queue.Complete(second, false);
  EXPECT_EQ(queue.queued_bytes(), 6u);
  EXPECT_EQ(queue.buffered_bytes(), 11u);

  queue.WriteDone();
  EXPECT_FALSE(queue.writing());
  EXPECT_EQ(queue.buffered_bytes(), 6u);
  EXPECT_EQ(WriteOutput(queue), "second");
  queue.WriteDone();
  EXPECT_TRUE(queue.idle());
}

TEST(ReplyQueueTest, SharedValuesAreSplicedInWhereTheyWereAppended) {
  ReplyQueue queue(kInitialReplyBytes);
  auto owner = std::make_shared<std::string>("kept alive");
  const uint64_t head = queue.Reserve();
  const uint64_t later = queue.Reserve();
  // A later slot: its offsets move when it joins the output.
  queue.Buffer(later) += "VALUE b 0 2\r\n";
  queue.AppendShared(later, "bb", owner);
  queue.Buffer(later) += "\r\nEND\r\n";
  queue.Complete(later, false);
  // The head slot writes straight into the output.
  queue.Buffer(head) += "VALUE a 0 1\r\n";
  queue.AppendShared(head, "a", owner);
  queue.Buffer(head) += "\r\nEND\r\n";
  queue.Complete(head, false);

  EXPECT_EQ(queue.queued_bytes(), 43u);
  EXPECT_EQ(owner.use_count(), 3);
  EXPECT_EQ(WriteOutput(queue), "VALUE a 0 1\r\na\r\nEND\r\nVALUE b 0 2\r\nbb\r\nEND\r\n");
  EXPECT_FALSE(queue.sending_contiguous());
  queue.WriteDone();
  // Written: the owners are let go.
  EXPECT_EQ(owner.use_count(), 1);
}

TEST(ReplyQueueTest, NothingAfterAClosingReplyIsKept) {
  ReplyQueue queue(kInitialReplyBytes);
  const uint64_t a = queue.Reserve();
  const uint64_t closing = queue.Reserve();
  const uint64_t after = queue.Reserve();
  queue.Buffer(after) += "after";
  queue.Complete(after, false);
  queue.Buffer(closing) += "ERROR\r\n";
  EXPECT_EQ(queue.Complete(closing, true), Completion::kRecorded);
  queue.Buffer(a) += "A";
  EXPECT_EQ(queue.Complete(a, false), Completion::kClosing);
  EXPECT_EQ(queue.outstanding(), 0u);

  // A slot dropped after the closing reply: its bytes go nowhere.
  queue.Buffer(after) += "late";
  EXPECT_EQ(queue.Complete(after, false), Completion::kDiscarded);
  EXPECT_EQ(WriteOutput(queue), "AERROR\r\n");
}

TEST(ReplyQueueTest, AClosedQueueDropsEverythingButTheWriteInFlight) {
  ReplyQueue queue(kInitialReplyBytes);
  const uint64_t written = queue.Reserve();
  queue.Buffer(written) += "written";
  queue.Complete(written, false);
  queue.StartWrite();
  const uint64_t pending = queue.Reserve();

  queue.Close();
  EXPECT_EQ(queue.outstanding(), 0u);
  // The socket may still be reading the write in flight's bytes.
  EXPECT_EQ(Sending(queue), "written");
  queue.Buffer(pending) += "dropped";
  EXPECT_EQ(queue.Complete(pending, false), Completion::kDiscarded);
  const uint64_t later = queue.Reserve();
  queue.Buffer(later) += "dropped";
  queue.AppendShared(later, "value", nullptr);
  EXPECT_EQ(queue.Complete(later, false), Completion::kDiscarded);
  EXPECT_FALSE(queue.has_output());
}

// The size is measured on replies that complete behind another one, the
// case where the outstanding bound matters. A head reply writes straight
// into the output and counts as empty.
TEST(ReplyQueueTest, AverageReplySizeFollowsRepliesCompletedBehindTheHead) {
  ReplyQueue queue(kInitialReplyBytes);
  EXPECT_EQ(queue.average_reply_bytes(), kInitialReplyBytes);
  const uint64_t head = queue.Reserve();
  for (int i = 0; i < 100; ++i) {
    const uint64_t seq = queue.Reserve();
    queue.Buffer(seq) += std::string(80, 'x');
    queue.AppendShared(seq, std::string_view("0123456789012345", 16), nullptr);
    queue.Complete(seq, false);
  }
  EXPECT_EQ(queue.average_reply_bytes(), kInitialReplyBytes);
  queue.Complete(head, false);
  // 96 bytes a reply, shared values included, within the average's
  // rounding (an eighth, rounded down).
  EXPECT_GE(queue.average_reply_bytes(), 96u);
  EXPECT_LE(queue.average_reply_bytes(), 103u);

  const uint64_t at_head = queue.Reserve();
  queue.Buffer(at_head) += std::string(1000, 'x');
  queue.Complete(at_head, false);
  EXPECT_LT(queue.average_reply_bytes(), 96u);
}

}  // namespace
}  // namespace memgate::server
