// Encoders for memcached text-protocol replies. Every fixed reply is a
// constant here, so a reader can grep for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memgate::protocol::reply {

inline constexpr std::string_view kStored = "STORED\r\n";
inline constexpr std::string_view kNotStored = "NOT_STORED\r\n";
inline constexpr std::string_view kExists = "EXISTS\r\n";
inline constexpr std::string_view kNotFound = "NOT_FOUND\r\n";
inline constexpr std::string_view kDeleted = "DELETED\r\n";
inline constexpr std::string_view kTouched = "TOUCHED\r\n";
inline constexpr std::string_view kOk = "OK\r\n";
inline constexpr std::string_view kEnd = "END\r\n";
inline constexpr std::string_view kError = "ERROR\r\n";
inline constexpr std::string_view kBadCommandLine = "CLIENT_ERROR bad command line format\r\n";
// memcached 1.6.45 follows the error for a key over 250 bytes in a get line
// with an empty line.
inline constexpr std::string_view kBadKeyInGet = "CLIENT_ERROR bad command line format\r\n\r\n";
inline constexpr std::string_view kBadDataChunk = "CLIENT_ERROR bad data chunk\r\n";
inline constexpr std::string_view kTooLarge = "SERVER_ERROR object too large for cache\r\n";
inline constexpr std::string_view kOutOfMemory = "SERVER_ERROR out of memory storing object\r\n";
inline constexpr std::string_view kNonNumeric =
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
inline constexpr std::string_view kInvalidDelta = "CLIENT_ERROR invalid numeric delta argument\r\n";
inline constexpr std::string_view kInvalidExptime = "CLIENT_ERROR invalid exptime argument\r\n";
// memcached -F.
inline constexpr std::string_view kFlushNotAllowed = "CLIENT_ERROR flush_all not allowed\r\n";
// shutdown without -A, and with a mode other than graceful.
inline constexpr std::string_view kShutdownNotEnabled = "SERVER_ERROR: shutdown not enabled\r\n";
inline constexpr std::string_view kInvalidShutdownMode = "CLIENT_ERROR invalid shutdown mode\r\n";
inline constexpr std::string_view kBinaryProtocol =
    "SERVER_ERROR binary protocol is not supported\r\n";

// Meta commands (mg ms md ma mn me).
inline constexpr std::string_view kMetaNoop = "MN\r\n";
inline constexpr std::string_view kMetaMiss = "EN\r\n";
inline constexpr std::string_view kMetaInvalidFlag = "CLIENT_ERROR invalid flag\r\n";
inline constexpr std::string_view kMetaDuplicateFlag = "CLIENT_ERROR duplicate flag\r\n";
// md and ma report every flag error this way (but md's bad E token, see
// parser.cc).
inline constexpr std::string_view kMetaInvalidOrDuplicateFlag =
    "CLIENT_ERROR invalid or duplicate flag\r\n";
inline constexpr std::string_view kMetaBadToken =
    "CLIENT_ERROR bad token in command line format\r\n";
inline constexpr std::string_view kMetaKeyDecode = "CLIENT_ERROR error decoding key\r\n";
inline constexpr std::string_view kMetaTooManyFlags = "CLIENT_ERROR options flags are too long\r\n";
// ms words the same error differently.
inline constexpr std::string_view kMetaSetTooManyFlags = "CLIENT_ERROR options flags too long\r\n";
inline constexpr std::string_view kMetaModeLength = "CLIENT_ERROR incorrect length for M token\r\n";
inline constexpr std::string_view kMetaBadInitial =
    "CLIENT_ERROR invalid numeric initial value\r\n";
inline constexpr std::string_view kMetaBadDelta = "CLIENT_ERROR invalid numeric delta value\r\n";
inline constexpr std::string_view kMetaOpaqueTooLong = "CLIENT_ERROR opaque token too long\r\n";
inline constexpr std::string_view kMetaSetBadMode = "CLIENT_ERROR invalid mode for ms M token\r\n";
inline constexpr std::string_view kMetaArithBadMode =
    "CLIENT_ERROR invalid mode for ma M token\r\n";

// "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n"
void AppendValue(std::string& out, std::string_view key, uint32_t flags, std::string_view data);
void AppendValueWithCas(std::string& out, std::string_view key, uint32_t flags,
                        std::string_view data, uint64_t cas);
// Only the "VALUE <key> <flags> <bytes>[ <cas>]\r\n" line, for a value sent
// from elsewhere; the caller adds the data and its "\r\n".
void AppendValueHeader(std::string& out, std::string_view key, uint32_t flags, std::size_t bytes);
void AppendValueHeaderWithCas(std::string& out, std::string_view key, uint32_t flags,
                              std::size_t bytes, uint64_t cas);
// "<n>\r\n", the incr/decr reply.
void AppendNumber(std::string& out, uint64_t n);
// "STAT <name> <value>\r\n"
void AppendStat(std::string& out, std::string_view name, std::string_view value);
void AppendStat(std::string& out, std::string_view name, uint64_t value);
// "SERVER_ERROR <message>\r\n" (a backend failure); newlines in message are
// replaced so the reply stays one line.
void AppendServerError(std::string& out, std::string_view message);

}  // namespace memgate::protocol::reply
