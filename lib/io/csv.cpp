#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

// Decompressed input larger than this is refused rather than read into memory.
constexpr std::size_t kMaxCsvBytes = std::size_t{2} << 30;

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
    const char* p = line.c_str();
    for (std::int64_t field = 1;; ++field) {
      char* stop = nullptr;
      errno = 0;
      const double v = std::strtod(p, &stop);
      const char* after = stop;
      while (*after == ' ' || *after == '\t') ++after;
      if (stop == p || (*after != ',' && *after != '\0')) {
        const char* field_end = std::strchr(p, ',');
        std::string bad(p, field_end ? static_cast<std::size_t>(field_end - p) : std::strlen(p));
        return Status::error(StatusCode::corrupt_data, path.c_str(), ": line ", line_number,
                             ", field ", field, ": '", bad.c_str(), "' is not a number");
      }
      const auto f = static_cast<float>(v);
      if (!std::isfinite(f)) {
        return Status::error(StatusCode::non_finite, path.c_str(), ": line ", line_number,
                             ", field ", field, ": value is not finite in float");
      }
      row.push_back(f);
      if (*after == '\0') break;
      p = after + 1;
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
