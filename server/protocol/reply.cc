// Reply encoders for the memcached text protocol. Numbers are written with a
// hand-rolled digit loop and each reply grows `out` at most once.
#include "server/protocol/reply.h"

#include <cstddef>
#include <cstring>

namespace memgate::protocol::reply {
namespace {

constexpr std::size_t kMaxDigits = 20;  // UINT64_MAX has 20 digits

// Writes n's decimal digits so that they end at `end`; returns their start.
inline char* DigitsBackward(uint64_t n, char* end) {
  char* p = end;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  return p;
}

// Appends one line made of `prefix`, then `middle`, then ' ' and each number
// (at most 3), then "\r\n".
inline void AppendLine(std::string& out, std::string_view prefix, std::string_view middle,
                       const uint64_t* numbers, std::size_t count, std::size_t extra_reserve) {
  char digits[3 * (kMaxDigits + 1)];
  char* const end = digits + sizeof(digits);
  char* p = end;
  for (std::size_t i = count; i-- > 0;) {
    p = DigitsBackward(numbers[i], p);
    *--p = ' ';
  }
  const std::size_t numbers_len = static_cast<std::size_t>(end - p);
  out.reserve(out.size() + prefix.size() + middle.size() + numbers_len + 2 + extra_reserve);
  out.append(prefix);
  out.append(middle);
  out.append(p, numbers_len);
  out.append("\r\n", 2);
}

// Small values: one resize, then plain copies of the header line, the data
// and its "\r\n". Larger ones are appended, so their bytes are not zeroed by
// the resize first. A null `data` writes the header line only, for `bytes`.
inline void AppendValueImpl(std::string& out, std::string_view key, uint32_t flags,
                            std::size_t bytes, const std::string_view* data, const uint64_t* cas) {
  constexpr std::string_view kValue = "VALUE ";
  constexpr std::size_t kResizeWholeBelow = 512;
  char digits[3 * (kMaxDigits + 1)];
  char* const end = digits + sizeof(digits);
  char* p = end;
  if (cas != nullptr) {
    p = DigitsBackward(*cas, p);
    *--p = ' ';
  }
  p = DigitsBackward(bytes, p);
  *--p = ' ';
  p = DigitsBackward(flags, p);
  *--p = ' ';
  const std::size_t numbers_len = static_cast<std::size_t>(end - p);
  const std::size_t start = out.size();
  const std::size_t line_len = kValue.size() + key.size() + numbers_len + 2;
  const bool whole = data != nullptr && bytes < kResizeWholeBelow;
  if (data != nullptr && !whole) out.reserve(start + line_len + bytes + 2);
  out.resize(start + line_len + (whole ? bytes + 2 : 0));
  char* w = out.data() + start;
  std::memcpy(w, kValue.data(), kValue.size());
  w += kValue.size();
  std::memcpy(w, key.data(), key.size());
  w += key.size();
  std::memcpy(w, p, numbers_len);
  w += numbers_len;
  *w++ = '\r';
  *w++ = '\n';
  if (data == nullptr) return;
  if (whole) {
    if (bytes != 0) std::memcpy(w, data->data(), bytes);
    w += bytes;
    *w++ = '\r';
    *w = '\n';
  } else {
    out.append(*data);
    out.append("\r\n", 2);
  }
}

}  // namespace

void AppendValue(std::string& out, std::string_view key, uint32_t flags, std::string_view data) {
  AppendValueImpl(out, key, flags, data.size(), &data, nullptr);
}

void AppendValueWithCas(std::string& out, std::string_view key, uint32_t flags,
                        std::string_view data, uint64_t cas) {
  AppendValueImpl(out, key, flags, data.size(), &data, &cas);
}

void AppendValueHeader(std::string& out, std::string_view key, uint32_t flags, std::size_t bytes) {
  AppendValueImpl(out, key, flags, bytes, nullptr, nullptr);
}

void AppendValueHeaderWithCas(std::string& out, std::string_view key, uint32_t flags,
                              std::size_t bytes, uint64_t cas) {
  AppendValueImpl(out, key, flags, bytes, nullptr, &cas);
}

void AppendNumber(std::string& out, uint64_t n) {
  char digits[kMaxDigits + 2];
  char* const end = digits + sizeof(digits);
  end[-2] = '\r';
  end[-1] = '\n';
  char* p = DigitsBackward(n, end - 2);
  out.append(p, static_cast<std::size_t>(end - p));
}

void AppendStat(std::string& out, std::string_view name, std::string_view value) {
  out.reserve(out.size() + 5 + name.size() + 1 + value.size() + 2);
  out.append("STAT ", 5);
  out.append(name);
  out.push_back(' ');
  out.append(value);
  out.append("\r\n", 2);
}

void AppendStat(std::string& out, std::string_view name, uint64_t value) {
  AppendLine(out, "STAT ", name, &value, 1, 0);
}

void AppendServerError(std::string& out, std::string_view message) {
  constexpr std::string_view kPrefix = "SERVER_ERROR ";
  const std::size_t start = out.size();
  out.reserve(start + kPrefix.size() + message.size() + 2);
  out.append(kPrefix);
  out.append(message);
  // A newline inside the message would end the reply early and desync the
  // client, so fold line breaks into spaces.
  for (std::size_t i = start + kPrefix.size(); i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n", 2);
}

}  // namespace memgate::protocol::reply
