// flush_all for the Redis backend (see redis_flush.h).
#include "backends/redis/redis_flush.h"

#include <utility>
#include <vector>

#include "backends/redis/codec.h"
#include "backends/redis/reply_fields.h"

namespace memgate::backends::redis {
namespace {

// Keys per SCAN page, and so per UNLINK: small enough that neither blocks
// Redis noticeably.
constexpr std::string_view kScanCount = "500";

// One prefix flush: the lane holds its later commands until the last page
// is gone, so a key set after flush_all survives it.
class PrefixFlush : public std::enable_shared_from_this<PrefixFlush> {
 public:
  PrefixFlush(std::string pattern, std::shared_ptr<LoopConnections> loop, Lane& lane,
              Backend::Done<FlushResult> done)
      : pattern_(std::move(pattern)), loop_(std::move(loop)), lane_(lane), done_(std::move(done)) {}

  void Scan(std::string cursor) {
    const std::string_view argv[] = {"SCAN", cursor, "MATCH", pattern_, "COUNT", kScanCount};
    lane_.SendThrough(FormatCommand(argv), [self = shared_from_this()](
                                                absl::StatusOr<Reply> reply) {
      self->OnPage(std::move(reply));
    });
  }

 private:
  void OnPage(absl::StatusOr<Reply> reply) {
    if (!reply.ok()) return Finish(ErrorResult<FlushResult>(std::string(reply.status().message())));
    const redisReply& page = **reply;
    if (page.type == REDIS_REPLY_ERROR) {
      return Finish(ErrorResult<FlushResult>(std::string(ReplyText(page))));
    }
    if (page.type != REDIS_REPLY_ARRAY || page.elements != 2 || !IsText(*page.element[0]) ||
        page.element[1]->type != REDIS_REPLY_ARRAY) {
      return Finish(ErrorResult<FlushResult>(std::string(kUnexpectedReply)));
    }
    std::string next(ReplyText(*page.element[0]));
    const redisReply& keys = *page.element[1];
    if (keys.elements == 0) return Continue(std::move(next));
    std::vector<std::string_view> argv;
    argv.reserve(keys.elements + 1);
    argv.push_back("UNLINK");
    for (std::size_t i = 0; i < keys.elements; ++i) argv.push_back(ReplyText(*keys.element[i]));
    lane_.SendThrough(FormatCommand(argv), [self = shared_from_this(), next = std::move(next)](
                                               absl::StatusOr<Reply> reply) mutable {
      if (!reply.ok()) {
        return self->Finish(ErrorResult<FlushResult>(std::string(reply.status().message())));
      }
      if ((*reply)->type == REDIS_REPLY_ERROR) {
        return self->Finish(ErrorResult<FlushResult>(std::string(ReplyText(**reply))));
      }
      self->Continue(std::move(next));
    });
  }

  void Continue(std::string cursor) {
    if (cursor == "0") return Finish(FlushResult{});
    Scan(std::move(cursor));
  }

  void Finish(FlushResult result) {
    Backend::Done<FlushResult> done = std::move(done_);
    lane_.Release();
    std::move(done)(std::move(result));
  }

  const std::string pattern_;
  const std::shared_ptr<LoopConnections> loop_;
  Lane& lane_;
  Backend::Done<FlushResult> done_;
};

}  // namespace

std::string PrefixPattern(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 1);
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('*');
  return pattern;
}

void StartFlush(FlushPolicy policy, const std::string& prefix,
                std::shared_ptr<LoopConnections> loop, Lane& lane,
                Backend::Done<FlushResult> done) {
  if (policy == FlushPolicy::kDb) {
    const std::string_view argv[] = {"FLUSHDB", "ASYNC"};
    lane.Send(FormatCommand(argv), [done = std::move(done)](absl::StatusOr<Reply> reply) mutable {
      if (!reply.ok()) {
        return std::move(done)(ErrorResult<FlushResult>(std::string(reply.status().message())));
      }
      if ((*reply)->type == REDIS_REPLY_ERROR) {
        return std::move(done)(ErrorResult<FlushResult>(std::string(ReplyText(**reply))));
      }
      std::move(done)(FlushResult{});
    });
    return;
  }
  lane.Run([pattern = PrefixPattern(prefix), loop = std::move(loop), &lane,
            done = std::move(done)]() mutable {
    lane.Hold();
    std::make_shared<PrefixFlush>(std::move(pattern), std::move(loop), lane, std::move(done))
        ->Scan("0");
  });
}

}  // namespace memgate::backends::redis
