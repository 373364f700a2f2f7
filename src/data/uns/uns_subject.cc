#include "data/uns/uns_subject.h"

namespace gantry::uns {
namespace {

bool MustEscape(unsigned char c) {
  return c <= 0x20 || c >= 0x7F || c == '%' || c == '.' || c == '*' || c == '>' || c == '/' ||
         c == '+' || c == '#';  // MQTT's wildcards: a subject maps to a topic by '.' -> '/'
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr size_t kMaxSubjectBytes = 1024;
constexpr int kMaxTokens = 16;

}  // namespace

std::string EscapeToken(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if (MustEscape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

Result<std::string> UnescapeToken(std::string_view token) {
  if (token.empty()) return InvalidArgument("empty subject token");
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c == '%') {
      if (i + 2 >= token.size()) {
        return InvalidArgument("subject token '" + std::string(token) +
                               "': '%' must be followed by two hex digits");
      }
      const int hi = HexDigit(token[i + 1]);
      const int lo = HexDigit(token[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidArgument("subject token '" + std::string(token) +
                               "': '%' must be followed by two hex digits");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (MustEscape(c)) {
      return InvalidArgument("subject token holds a character that must be escaped as %XX");
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string TagSubject(std::string_view prefix, std::string_view path) {
  std::string out(prefix);
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (!out.empty()) out += '.';
    out += EscapeToken(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Result<std::string> PathFromSubject(std::string_view prefix, std::string_view subject) {
  if (subject.size() > kMaxSubjectBytes) return InvalidArgument("subject longer than 1024 bytes");
  if (subject.size() <= prefix.size() + 1 || subject.substr(0, prefix.size()) != prefix ||
      subject[prefix.size()] != '.') {
    return InvalidArgument("subject does not start with '" + std::string(prefix) + ".'");
  }
  std::string_view rest = subject.substr(prefix.size() + 1);
  std::string path;
  int tokens = 0;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    if (dot == std::string_view::npos) dot = rest.size();
    if (++tokens > kMaxTokens) return InvalidArgument("subject has more than 16 tokens");
    GANTRY_ASSIGN_OR_RETURN(std::string segment, UnescapeToken(rest.substr(start, dot - start)));
    if (segment.find('/') != std::string::npos)
      return InvalidArgument("subject token holds an escaped '/' (%2F), which no path segment has");
    if (tokens > 1) path += '/';
    path += segment;
    start = dot + 1;
  }
  return path;
}

Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 128)
    return InvalidArgument("prefix: expected 1 to 128 characters");
  int tokens = 1;
  char prev = '.';
  for (char c : prefix) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '$' || c == '.';
    if (!ok) {
      return InvalidArgument(
          "prefix '" + std::string(prefix) +
          "': expected tokens of letters, digits, '_', '-' or '$' joined by '.'");
    }
    if (c == '.') {
      if (prev == '.') return InvalidArgument("prefix '" + std::string(prefix) + "': empty token");
      ++tokens;
    }
    prev = c;
  }
  if (prev == '.') return InvalidArgument("prefix '" + std::string(prefix) + "': empty token");
  if (tokens > 8)
    return InvalidArgument("prefix '" + std::string(prefix) + "': more than 8 tokens");
  return Status::Ok();
}

}  // namespace gantry::uns
