// Blocking wrappers over the asynchronous Backend calls, for tests: each one
// issues the call, waits for its completion (on whatever thread it runs) and
// returns the result.
#pragma once

#include <cstdint>
#include <initializer_list>
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

inline GetResult SyncGet(Backend& backend, const ClientContext& client,
                         std::vector<std::string_view> keys, bool with_cas = true) {
  return sync_internal::Wait<GetResult>(
      [&](auto done) { backend.Get(client, keys, with_cas, std::move(done)); });
}

inline GetResult SyncGetAndTouch(Backend& backend, const ClientContext& client,
                                 std::vector<std::string_view> keys, int64_t exptime) {
  return sync_internal::Wait<GetResult>(
      [&](auto done) { backend.GetAndTouch(client, keys, exptime, std::move(done)); });
}

inline StoreResult SyncStore(Backend& backend, const ClientContext& client, StoreMode mode,
                             std::string_view key, std::string_view value, uint32_t flags = 0,
                             int64_t exptime = 0, uint64_t cas = 0) {
  return sync_internal::Wait<StoreResult>([&](auto done) {
    backend.Store(client, mode, key, flags, exptime, value, cas, std::move(done));
  });
}

inline DeleteResult SyncDelete(Backend& backend, const ClientContext& client,
                               std::string_view key) {
  return sync_internal::Wait<DeleteResult>(
      [&](auto done) { backend.Delete(client, key, std::move(done)); });
}

inline ArithResult SyncArith(Backend& backend, const ClientContext& client, ArithOp op,
                             std::string_view key, uint64_t delta) {
  return sync_internal::Wait<ArithResult>(
      [&](auto done) { backend.Arith(client, op, key, delta, std::move(done)); });
}

inline TouchResult SyncTouch(Backend& backend, const ClientContext& client, std::string_view key,
                             int64_t exptime) {
  return sync_internal::Wait<TouchResult>(
      [&](auto done) { backend.Touch(client, key, exptime, std::move(done)); });
}

inline FlushResult SyncFlushAll(Backend& backend, const ClientContext& client,
                                int64_t delay_seconds = 0) {
  return sync_internal::Wait<FlushResult>(
      [&](auto done) { backend.FlushAll(client, delay_seconds, std::move(done)); });
}

inline MetaGetResult SyncMetaGet(Backend& backend, const ClientContext& client,
                                 std::string_view key, const MetaGetRequest& request) {
  return sync_internal::Wait<MetaGetResult>(
      [&](auto done) { backend.MetaGet(client, key, request, std::move(done)); });
}

inline StoreResult SyncMetaStore(Backend& backend, const ClientContext& client,
                                 std::string_view key, const MetaStoreRequest& request,
                                 std::string_view value) {
  return sync_internal::Wait<StoreResult>(
      [&](auto done) { backend.MetaStore(client, key, request, value, std::move(done)); });
}

inline DeleteResult SyncMetaDelete(Backend& backend, const ClientContext& client,
                                   std::string_view key, const MetaDeleteRequest& request) {
  return sync_internal::Wait<DeleteResult>(
      [&](auto done) { backend.MetaDelete(client, key, request, std::move(done)); });
}

inline MetaArithResult SyncMetaArith(Backend& backend, const ClientContext& client,
                                     std::string_view key, const MetaArithRequest& request) {
  return sync_internal::Wait<MetaArithResult>(
      [&](auto done) { backend.MetaArith(client, key, request, std::move(done)); });
}

// The value stored under `key`, or nullopt when a get does not find it.
inline std::optional<std::string> SyncValue(Backend& backend, const ClientContext& client,
                                            std::string_view key) {
  GetResult result = SyncGet(backend, client, {key});
  if (result.hits.empty()) return std::nullopt;
  return std::string(result.hits.front().value);
}

}  // namespace memgate::backends::testing
