// Command formatting through hiredis (see resp_command.h).
#include "backends/redis/resp_command.h"

#include <cstdlib>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace memgate::backends::redis {

Command FormatCommand(std::span<const std::string_view> argv) {
  absl::InlinedVector<const char*, 12> pointers;
  absl::InlinedVector<std::size_t, 12> lengths;
  for (std::string_view arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()),
                                            pointers.data(), lengths.data());
  Command command;
  if (length > 0) command.bytes.assign(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return command;
}

}  // namespace memgate::backends::redis
