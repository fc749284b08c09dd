// The command line as GetServerInfo shows it: secrets given on it (a URL's
// password, --grpc-header values) replaced by "***".
#pragma once

#include <string>
#include <vector>

namespace memgate::admin {

std::vector<std::string> RedactedArgs(const std::vector<std::string>& args);

}  // namespace memgate::admin
