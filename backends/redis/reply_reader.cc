// Reply objects in one allocation each (see reply_reader.h).
#include "backends/redis/reply_reader.h"

#include <cstdlib>
#include <cstring>

namespace memgate::backends::redis {
namespace {

// A header with `extra` bytes after it, zeroed, of `type`, linked into its
// parent array when it has one.
redisReply* NewReply(const redisReadTask* task, int type, std::size_t extra) {
  auto* reply = static_cast<redisReply*>(std::malloc(sizeof(redisReply) + extra));
  if (reply == nullptr) return nullptr;
  std::memset(reply, 0, sizeof(redisReply));
  reply->type = type;
  if (task->parent != nullptr) {
    auto* parent = static_cast<redisReply*>(task->parent->obj);
    parent->element[task->idx] = reply;
  }
  return reply;
}

void* CreateString(const redisReadTask* task, char* text, std::size_t length) {
  redisReply* reply = NewReply(task, task->type, length + 1);
  if (reply == nullptr) return nullptr;
  reply->str = reinterpret_cast<char*>(reply + 1);
  std::memcpy(reply->str, text, length);
  reply->str[length] = '\0';
  reply->len = length;
  return reply;
}

void* CreateArray(const redisReadTask* task, int elements) {
  const std::size_t count = elements > 0 ? static_cast<std::size_t>(elements) : 0;
  redisReply* reply = NewReply(task, REDIS_REPLY_ARRAY, count * sizeof(redisReply*));
  if (reply == nullptr) return nullptr;
  reply->elements = count;
  if (count > 0) {
    reply->element = reinterpret_cast<redisReply**>(reply + 1);
    // A reply that breaks off half way is freed with the elements it has.
    std::memset(reply->element, 0, count * sizeof(redisReply*));
  }
  return reply;
}

void* CreateInteger(const redisReadTask* task, long long value) {
  redisReply* reply = NewReply(task, REDIS_REPLY_INTEGER, 0);
  if (reply != nullptr) reply->integer = value;
  return reply;
}

void* CreateNil(const redisReadTask* task) { return NewReply(task, REDIS_REPLY_NIL, 0); }

void FreeObject(void* reply) { FreeReply(static_cast<redisReply*>(reply)); }

redisReplyObjectFunctions kFunctions = {CreateString, CreateArray, CreateInteger, CreateNil,
                                        FreeObject};

}  // namespace

redisReader* CreateReplyReader() { return redisReaderCreateWithFunctions(&kFunctions); }

void FreeReply(redisReply* reply) {
  if (reply == nullptr) return;
  if (reply->type == REDIS_REPLY_ARRAY) {
    for (std::size_t i = 0; i < reply->elements; ++i) FreeReply(reply->element[i]);
  }
  std::free(reply);
}

}  // namespace memgate::backends::redis
