#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "tinyae/io.hpp"

namespace tinyae {
namespace {

// Decompressed input larger than this is refused rather than read into memory.
constexpr std::size_t kMaxCsvBytes = std::size_t{2} << 30;

// Reads a whole file, gunzipping it when it is gzip (zlib passes plain files through).
Status read_text(const std::string& path, std::string* text) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::error(StatusCode::io_error, path.c_str(), ": cannot open (",
                         std::strerror(errno), ")");
  }
  std::string data;
  char chunk[1 << 16];
  for (;;) {
    const int n = gzread(file, chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      const char* why = gzerror(file, &code);
      Status s = Status::error(StatusCode::corrupt_data, path.c_str(),
                               ": corrupt or unreadable data (", why, ")");
      gzclose(file);
      return s;
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > kMaxCsvBytes) {
      gzclose(file);
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": more than ", kMaxCsvBytes,
                           " bytes of text");
    }
    data.append(chunk, static_cast<std::size_t>(n));
  }
  // A gzip stream cut short reads as a clean end of file; gzclose reports it.
  const int closed = gzclose(file);
  if (closed != Z_OK) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": compressed data is truncated or corrupt");
  }
  *text = std::move(data);
  return Status();
}

}  // namespace

Status load_csv(const std::string& path, Matrix* out, bool has_header) {
  std::string text;
  TINYAE_RETURN_IF_ERROR(read_text(path, &text));
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
