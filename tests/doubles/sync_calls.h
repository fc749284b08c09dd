// Blocking wrappers over the asynchronous Backend calls, for tests: each one
// issues the call, waits for its completion (on whatever thread it runs) and
// returns the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "backends/backend.h"

namespace memgate::backends::testing {

namespace sync_internal {

template <typename R, typename Issue>
R Wait(Issue issue) {
  absl::Notification done;
  std::optional<R> result;
  issue([&](R r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return *std::move(result);
}

}  // namespace sync_internal

inline GetResult SyncGet(Backend& backend, const ClientContext& client, const GetRequest& request) {
  return sync_internal::Wait<GetResult>(
      [&](auto done) { backend.Get(client, request, std::move(done)); });
}

inline GetResult SyncGet(Backend& backend, const ClientContext& client,
                         std::vector<std::string_view> keys, bool with_cas = true) {
  return SyncGet(backend, client, GetRequest{.keys = keys, .with_cas = with_cas});
}

inline GetResult SyncGetAndTouch(Backend& backend, const ClientContext& client,
                                 std::vector<std::string_view> keys, int64_t exptime) {
  return SyncGet(backend, client,
                 GetRequest{.keys = keys, .with_cas = true, .touch_exptime = exptime});
}

// mg (or me) on one key.
inline GetResult SyncMetaGet(Backend& backend, const ClientContext& client, std::string_view key,
                             const MetaGetFields& fields) {
  const std::string_view keys[] = {key};
  return SyncGet(backend, client, GetRequest{.keys = keys, .with_cas = true, .meta = fields});
}

inline StoreResult SyncStore(Backend& backend, const ClientContext& client,
                             const StoreRequest& request) {
  return sync_internal::Wait<StoreResult>(
      [&](auto done) { backend.Store(client, request, std::move(done)); });
}

inline StoreResult SyncStore(Backend& backend, const ClientContext& client, StoreMode mode,
                             std::string_view key, std::string_view value, uint32_t flags = 0,
                             int64_t exptime = 0, uint64_t cas = 0) {
  return SyncStore(backend, client,
                   StoreRequest{.mode = mode,
                                .key = key,
                                .value = value,
                                .flags = flags,
                                .exptime = exptime,
                                .cas = cas});
}

inline DeleteResult SyncDelete(Backend& backend, const ClientContext& client,
                               const DeleteRequest& request) {
  return sync_internal::Wait<DeleteResult>(
      [&](auto done) { backend.Delete(client, request, std::move(done)); });
}

inline DeleteResult SyncDelete(Backend& backend, const ClientContext& client,
                               std::string_view key) {
  return SyncDelete(backend, client, DeleteRequest{.key = key});
}

inline ArithResult SyncArith(Backend& backend, const ClientContext& client,
                             const ArithRequest& request) {
  return sync_internal::Wait<ArithResult>(
      [&](auto done) { backend.Arith(client, request, std::move(done)); });
}

inline ArithResult SyncArith(Backend& backend, const ClientContext& client, ArithOp op,
                             std::string_view key, uint64_t delta) {
  return SyncArith(backend, client, ArithRequest{.op = op, .key = key, .delta = delta});
}

inline TouchResult SyncTouch(Backend& backend, const ClientContext& client, std::string_view key,
                             int64_t exptime) {
  return sync_internal::Wait<TouchResult>([&](auto done) {
    backend.Touch(client, TouchRequest{.key = key, .exptime = exptime}, std::move(done));
  });
}

inline FlushResult SyncFlushAll(Backend& backend, const ClientContext& client,
                                int64_t delay_seconds = 0) {
  return sync_internal::Wait<FlushResult>([&](auto done) {
    backend.FlushAll(client, FlushRequest{.delay_seconds = delay_seconds}, std::move(done));
  });
}

inline OpenResult SyncClientOpened(Backend& backend, const ClientContext& client) {
  return sync_internal::Wait<OpenResult>(
      [&](auto done) { backend.ClientOpened(client, std::move(done)); });
}

inline StatsResult SyncStats(Backend& backend) {
  return sync_internal::Wait<StatsResult>([&](auto done) { backend.Stats(std::move(done)); });
}

// The value of stat `name`, or nullopt when the backend does not report it.
inline std::optional<std::string> StatValue(const StatsResult& result, std::string_view name) {
  for (const Stat& stat : result.stats) {
    if (stat.name == name) return stat.value;
  }
  return std::nullopt;
}

// The value stored under `key`, or nullopt when a get does not find it.
inline std::optional<std::string> SyncValue(Backend& backend, const ClientContext& client,
                                            std::string_view key) {
  GetResult result = SyncGet(backend, client, {key});
  if (result.hits.empty()) return std::nullopt;
  return std::string(result.hits.front().value);
}

}  // namespace memgate::backends::testing
