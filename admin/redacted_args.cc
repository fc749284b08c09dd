#include "admin/redacted_args.h"

#include <string_view>

namespace memgate::admin {
namespace {

constexpr std::string_view kHidden = "***";
constexpr std::string_view kHeaderFlag = "--grpc-header";

// scheme://user:password@host... -> scheme://user:***@host...
std::string WithoutPassword(std::string arg) {
  const std::size_t scheme = arg.find("://");
  if (scheme == std::string::npos) return arg;
  const std::size_t start = scheme + 3;
  const std::size_t at = arg.find('@', start);
  if (at == std::string::npos || arg.find('/', start) < at) return arg;
  const std::size_t colon = arg.find(':', start);
  const std::size_t from = colon < at ? colon + 1 : start;
  return arg.replace(from, at - from, kHidden);
}

// "name: value" -> "name: ***"
std::string WithoutHeaderValue(const std::string& header) {
  const std::size_t colon = header.find(':');
  if (colon == std::string::npos) return std::string(kHidden);
  return header.substr(0, colon + 1) + " " + std::string(kHidden);
}

}  // namespace

std::vector<std::string> RedactedArgs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  bool header_value = false;
  for (const std::string& arg : args) {
    if (header_value) {
      out.push_back(WithoutHeaderValue(arg));
      header_value = false;
    } else if (arg == kHeaderFlag) {
      out.push_back(arg);
      header_value = true;
    } else if (arg.starts_with(std::string(kHeaderFlag) + "=")) {
      out.push_back(std::string(kHeaderFlag) + "=" +
                    WithoutHeaderValue(arg.substr(kHeaderFlag.size() + 1)));
    } else {
      out.push_back(WithoutPassword(arg));
    }
  }
  return out;
}

}  // namespace memgate::admin
