// Blocking wrappers over the asynchronous SimpleStore calls, for the gRPC
// adapter's tests (tests/doubles/sync_calls.h does the same for Backend).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "backends/simple_store.h"

namespace memgate::backends::testing {

template <typename R, typename Issue>
R WaitFor(Issue issue) {
  absl::Notification done;
  std::optional<R> result;
  issue([&](R r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return *std::move(result);
}

inline FindReply SyncFind(SimpleStore& store, const ClientContext& client, std::string_view key) {
  return WaitFor<FindReply>([&](auto done) { store.Find(client, key, std::move(done)); });
}

inline GetReply SyncGet(SimpleStore& store, const ClientContext& client,
                        std::vector<std::string_view> keys) {
  return WaitFor<GetReply>([&](auto done) { store.Get(client, keys, std::move(done)); });
}

inline SetReply SyncSet(SimpleStore& store, const ClientContext& client, std::string_view key,
                        std::string_view value, uint32_t flags = 0, int64_t exptime = 0) {
  return WaitFor<SetReply>(
      [&](auto done) { store.Set(client, key, flags, exptime, value, std::move(done)); });
}

inline DeleteReply SyncDelete(SimpleStore& store, const ClientContext& client,
                              std::string_view key) {
  return WaitFor<DeleteReply>([&](auto done) { store.Delete(client, key, std::move(done)); });
}

inline DoneReply SyncFlushAll(SimpleStore& store, const ClientContext& client) {
  return WaitFor<DoneReply>([&](auto done) { store.FlushAll(client, std::move(done)); });
}

inline BeginReply SyncBegin(SimpleStore& store, const ClientContext& client) {
  return WaitFor<BeginReply>([&](auto done) { store.Begin(client, std::move(done)); });
}

// The one value a get of `key` found, or nullopt (also on an error).
inline std::optional<std::string> SyncValue(SimpleStore& store, const ClientContext& client,
                                            std::string_view key) {
  GetReply reply = SyncGet(store, client, {key});
  if (reply.error.has_value() || reply.values.size() != 1) return std::nullopt;
  return reply.values.front();
}

}  // namespace memgate::backends::testing
