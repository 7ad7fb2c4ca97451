#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

// Decompressed input larger than this is refused rather than read into memory.
constexpr std::size_t kMaxCsvBytes = std::size_t{2} << 30;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Whether [p, end) is a decimal number: [+-] digits [. digits] [(e|E) [+-] digits],
// with digits before or after the point. strtod alone would also take hexadecimal,
// "inf" and "nan", and a C string would end at a NUL byte inside the field.
bool is_decimal(const char* p, const char* end) {
  if (p != end && (*p == '+' || *p == '-')) ++p;
  const char* digits = p;
  while (p != end && is_digit(*p)) ++p;
  bool any = p != digits;
  if (p != end && *p == '.') {
    const char* fraction = ++p;
    while (p != end && is_digit(*p)) ++p;
    any = any || p != fraction;
  }
  if (!any) return false;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    const char* exponent = p;
    while (p != end && is_digit(*p)) ++p;
    if (p == exponent) return false;
  }
  return p == end;
}

// "inf", "infinity" or "nan" in any case, signed or not: a number, but not a finite one.
bool is_non_finite_word(const char* p, const char* end) {
  if (p != end && (*p == '+' || *p == '-')) ++p;
  auto is = [&](const char* word) {
    const std::size_t n = std::strlen(word);
    if (static_cast<std::size_t>(end - p) != n) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if ((p[i] | 0x20) != word[i]) return false;  // ASCII letters in either case
    }
    return true;
  };
  return is("inf") || is("infinity") || is("nan");
}

// Why a field that is not a decimal number is not one, when that is not plain to see.
const char* not_decimal_reason(const char* p, const char* end) {
  if (std::memchr(p, '\0', static_cast<std::size_t>(end - p)) != nullptr) return " (it holds a NUL byte)";
  if (p != end && (*p == '+' || *p == '-')) ++p;
  if (end - p > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) return " (hexadecimal is not read)";
  return "";
}

}  // namespace

Status load_csv(const std::string& path, Matrix* out, bool has_header) {
  std::string text;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, kMaxCsvBytes, &text));
  Matrix m;
  std::int64_t line_number = 0;
  std::size_t pos = 0;
  std::vector<float> row;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
    if (has_header && line_number == 1) continue;
    row.clear();
    const char* p = line.data();
    const char* const line_end = p + line.size();
    for (std::int64_t field = 1;; ++field) {
      const char* comma = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(line_end - p)));
      const char* field_end = comma != nullptr ? comma : line_end;
      const char* first = p;
      const char* last = field_end;
      while (first != last && (*first == ' ' || *first == '\t')) ++first;
      while (last != first && (last[-1] == ' ' || last[-1] == '\t')) --last;
      auto not_finite = [&] {
        return Status::error(StatusCode::non_finite, path.c_str(), ": line ", line_number,
                             ", field ", field, ": value is not finite in float");
      };
      if (is_non_finite_word(first, last)) return not_finite();
      if (!is_decimal(first, last)) {
        return Status::error(StatusCode::corrupt_data, path.c_str(), ": line ", line_number, ", field ",
                             field, ": '", io::printable(p, static_cast<std::size_t>(field_end - p)).c_str(),
                             "' is not a number", not_decimal_reason(p, field_end));
      }
      // A checked decimal holds no NUL, so strtod reads exactly [first, last).
      const double v = std::strtod(std::string(first, last).c_str(), nullptr);
      const auto f = static_cast<float>(v);
      if (!std::isfinite(f)) return not_finite();
      row.push_back(f);
      if (comma == nullptr) break;
      p = comma + 1;
    }
    if (m.rows == 0) {
      m.cols = static_cast<std::int32_t>(row.size());
    } else if (static_cast<std::int64_t>(row.size()) != m.cols) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": line ", line_number,
                           " has ", row.size(), " fields, expected ", m.cols);
    }
    if (m.rows == INT32_MAX) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": too many rows");
    }
    m.values.insert(m.values.end(), row.begin(), row.end());
    ++m.rows;
  }
  if (m.rows == 0) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": no data rows");
  }
  *out = std::move(m);
  return Status();
}

}  // namespace tinyae
