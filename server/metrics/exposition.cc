// The exposition format's escaping rules: in HELP text a backslash and a
// newline are escaped; in label values a double quote too.
#include "server/metrics/exposition.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace memgate::server::metrics {
namespace {

void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Exactly representable integers print without an exponent or fraction.
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.17g", value);
}

void ExpositionWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, /*quote=*/false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void ExpositionWriter::SampleStart(std::string_view name, std::initializer_list<Label> labels) {
  out_ += name;
  if (labels.size() == 0) return;
  out_ += '{';
  bool first = true;
  for (const Label& label : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += label.name;
    out_ += "=\"";
    AppendEscaped(out_, label.value, /*quote=*/true);
    out_ += '"';
  }
  out_ += '}';
}

void ExpositionWriter::Sample(std::string_view name, std::initializer_list<Label> labels,
                              double value) {
  SampleStart(name, labels);
  out_ += ' ';
  out_ += FormatValue(value);
  out_ += '\n';
}

void ExpositionWriter::Sample(std::string_view name, std::initializer_list<Label> labels,
                              uint64_t value) {
  SampleStart(name, labels);
  absl::StrAppend(&out_, " ", value, "\n");
}

}  // namespace memgate::server::metrics
