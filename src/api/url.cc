#include "api/url.h"

namespace gantry {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Malformed("bad percent escape at offset " + std::to_string(i));
      c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return Malformed("percent escape %00 is not allowed");
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    out.push_back(c);
  }
  return out;
}

Result<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return Malformed("request target must start with '/'");
  RequestTarget out;
  const size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  const size_t hash = raw_path.find('#');
  if (hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
  Result<std::string> path = PercentDecode(raw_path, false);
  if (!path.ok()) return Malformed("request path: " + path.status().message());
  out.path = std::move(path).value();
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  const size_t qhash = query.find('#');
  if (qhash != std::string_view::npos) query = query.substr(0, qhash);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    Result<std::string> key = PercentDecode(item.substr(0, eq), true);
    Result<std::string> value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1), true);
    if (!key.ok()) return Malformed("query parameter name: " + key.status().message());
    if (!value.ok())
      return Malformed("query parameter '" + *key + "': " + value.status().message());
    out.query.emplace_back(std::move(key).value(), std::move(value).value());
  }
  return out;
}

}  // namespace gantry
