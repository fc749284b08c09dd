// flush_all for the Redis backend (see redis_flush.h).
#include "backends/redis/redis_flush.h"

#include <map>
#include <utility>
#include <vector>

#include "backends/redis/cluster_slot.h"
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
  PrefixFlush(std::string pattern, bool per_slot, std::shared_ptr<LoopConnections> loop, Lane& lane,
              Backend::Done<FlushResult> done)
      : pattern_(std::move(pattern)),
        per_slot_(per_slot),
        loop_(std::move(loop)),
        lane_(lane),
        done_(std::move(done)) {}

  void Scan(std::string cursor) {
    const std::string_view argv[] = {"SCAN", cursor, "MATCH", pattern_, "COUNT", kScanCount};
    lane_.SendThrough(FormatCommand(argv),
                      [self = shared_from_this()](absl::StatusOr<Reply> reply) {
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
    // A cluster node refuses an UNLINK of keys in different slots.
    std::map<uint16_t, std::vector<std::string_view>> groups;
    for (std::size_t i = 0; i < keys.elements; ++i) {
      const std::string_view key = ReplyText(*keys.element[i]);
      std::vector<std::string_view>& argv = groups[per_slot_ ? KeySlot(key) : 0];
      if (argv.empty()) argv.push_back("UNLINK");
      argv.push_back(key);
    }
    auto page_state = std::make_shared<PageState>();
    page_state->remaining = groups.size();
    page_state->next = std::move(next);
    for (const auto& [slot, argv] : groups) {
      lane_.SendThrough(FormatCommand(argv), [self = shared_from_this(),
                                              page_state](absl::StatusOr<Reply> reply) mutable {
        if (!reply.ok()) {
          if (page_state->error.empty()) page_state->error = std::string(reply.status().message());
        } else if ((*reply)->type == REDIS_REPLY_ERROR && page_state->error.empty()) {
          page_state->error = std::string(ReplyText(**reply));
        }
        if (--page_state->remaining > 0) return;
        if (!page_state->error.empty()) {
          return self->Finish(ErrorResult<FlushResult>(std::move(page_state->error)));
        }
        self->Continue(std::move(page_state->next));
      });
    }
  }

  struct PageState {
    std::size_t remaining = 0;
    std::string next;
    std::string error;
  };

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
  const bool per_slot_;
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
                std::shared_ptr<LoopConnections> loop, Lane& lane, Backend::Done<FlushResult> done,
                bool cluster_node) {
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
  lane.Run([pattern = PrefixPattern(prefix), cluster_node, loop = std::move(loop), &lane,
            done = std::move(done)]() mutable {
    lane.Hold();
    std::make_shared<PrefixFlush>(std::move(pattern), cluster_node, std::move(loop), lane,
                                  std::move(done))
        ->Scan("0");
  });
}

}  // namespace memgate::backends::redis
