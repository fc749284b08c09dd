// Prometheus text exposition format (version 0.0.4): metric families with
// their HELP and TYPE lines, samples with escaped label values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace memgate::server::metrics {

// The Content-Type a scrape of this format is answered with.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct Label {
  std::string_view name;
  std::string_view value;
};

class ExpositionWriter {
 public:
  // Starts a family: "# HELP name help" and "# TYPE name type" (counter,
  // gauge, summary, histogram or untyped). Its samples follow.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void Sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void Sample(std::string_view name, double value) { Sample(name, {}, value); }
  void Sample(std::string_view name, uint64_t value) { Sample(name, {}, value); }

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void SampleStart(std::string_view name, std::initializer_list<Label> labels);

  std::string out_;
};

// A value as the format spells it: integers without a fraction, NaN,
// +Inf and -Inf by name.
std::string FormatValue(double value);

}  // namespace memgate::server::metrics
