// A SimpleStore made of plain callbacks, in the shape of the seed's `cmd`
// hash: the quickest way to put a memcached face on an existing system. Each
// handler answers through its last argument, right away or later, from any
// thread. Wrap it in a MetadataLayer to get a Backend. A reply may run the
// next step of a composite command (append is get-then-set) at once, on the
// replying thread: never reply while holding a lock your handlers take.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "backends/simple_store.h"

namespace memgate::backends {

struct CallbackHandlers {
  // Seed's _find: answer true when the key exists.
  std::function<void(const std::string& key, const ClientContext& client,
                     std::function<void(bool found)> reply)>
      find;
  // Seed's get: answer the value, or nullopt when not found.
  std::function<void(const std::string& key, const ClientContext& client,
                     std::function<void(std::optional<std::string> value)> reply)>
      get;
  // Seed's set: answer SetReply{} on success, or a BackendError that keeps
  // (the seed's -1) or closes (-2) the client connection.
  std::function<void(const std::string& key, uint32_t flags, int64_t exptime,
                     const std::string& value, const ClientContext& client,
                     std::function<void(SetReply reply)> reply)>
      set;
  // Seed's delete: answer true when something was deleted.
  std::function<void(const std::string& key, const ClientContext& client,
                     std::function<void(bool deleted)> reply)>
      del;
  // Seed's flush_all.
  std::function<void(const ClientContext& client, std::function<void()> reply)> flush_all;
  // Seed's _begin (optional): a client connected; answer BeginReply{} to
  // serve it, or one with `refused` set to turn it away with that message.
  std::function<void(const ClientContext& client, std::function<void(BeginReply reply)> reply)>
      begin;
  // Seed's _end (optional): the client went away; `client` is valid for the
  // call only.
  std::function<void(const ClientContext& client)> end;
};

class CallbackStore final : public SimpleStore {
 public:
  // find, get, set, del and flush_all are required.
  explicit CallbackStore(CallbackHandlers handlers, std::string name = "callbacks");

  std::string_view Name() const override { return name_; }

  void Find(const ClientContext& client, std::string_view key, Done<FindReply> done) override;
  void Get(const ClientContext& client, std::span<const std::string_view> keys,
           Done<GetReply> done) override;
  void Set(const ClientContext& client, std::string_view key, uint32_t flags, int64_t exptime,
           std::string_view value, Done<SetReply> done) override;
  void Delete(const ClientContext& client, std::string_view key, Done<DeleteReply> done) override;
  void FlushAll(const ClientContext& client, Done<DoneReply> done) override;
  void Begin(const ClientContext& client, Done<BeginReply> done) override;
  void End(const ClientContext& client) override;

 private:
  CallbackHandlers handlers_;
  std::string name_;
};

}  // namespace memgate::backends
