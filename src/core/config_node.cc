#include "core/config_node.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace gantry {

std::string ConfigLocation::ToString() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string ConfigError::ToString() const {
  std::string s = where.ToString();
  s += ": ";
  if (!key_path.empty()) {
    s += key_path;
    s += ": ";
  }
  s += message;
  return s;
}

std::string QuoteForMessage(std::string_view text) {
  std::string s = "'";
  if (text.size() > 60) {
    s += text.substr(0, 57);
    s += "...";
  } else {
    s += text;
  }
  s += "'";
  return s;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string JoinKeyPath(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return base + "." + std::string(key);
}

}  // namespace

ConfigNode::ConfigNode(ConfigDocument* doc, std::unique_ptr<YAML::Node> node, std::string key_path,
                       bool present)
    : doc_(doc), node_(std::move(node)), key_path_(std::move(key_path)), present_(present) {}

ConfigNode::ConfigNode(const ConfigNode& o)
    : doc_(o.doc_),
      node_(std::make_unique<YAML::Node>(*o.node_)),
      key_path_(o.key_path_),
      present_(o.present_) {}

ConfigNode& ConfigNode::operator=(const ConfigNode& o) {
  if (this != &o) {
    doc_ = o.doc_;
    node_ = std::make_unique<YAML::Node>(*o.node_);
    key_path_ = o.key_path_;
    present_ = o.present_;
  }
  return *this;
}

ConfigNode::~ConfigNode() = default;

bool ConfigNode::IsPresent() const {
  return present_;
}
bool ConfigNode::IsMap() const {
  return present_ && node_->IsMap();
}
bool ConfigNode::IsSequence() const {
  return present_ && node_->IsSequence();
}
bool ConfigNode::IsScalar() const {
  return present_ && node_->IsScalar();
}

ConfigLocation ConfigNode::Location() const {
  ConfigLocation loc;
  loc.file = doc_->FileName();
  // An absent key keeps its parent's node, so errors about it point at the parent.
  if (node_->IsDefined()) {
    const YAML::Mark m = node_->Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
  }
  return loc;
}

ConfigNode ConfigNode::Child(std::string_view key) const {
  std::string path = JoinKeyPath(key_path_, key);
  if (present_ && node_->IsMap()) {
    const YAML::Node& self = *node_;
    for (auto it = self.begin(); it != self.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        return ConfigNode(doc_, std::make_unique<YAML::Node>(it->second), std::move(path), true);
      }
    }
  }
  // Absent: keep the parent's node for locating errors.
  return ConfigNode(doc_, std::make_unique<YAML::Node>(*node_), std::move(path), false);
}

ConfigNode ConfigNode::operator[](std::string_view key) const {
  return Child(key);
}

std::vector<ConfigNode> ConfigNode::Items() const {
  std::vector<ConfigNode> out;
  if (!present_ || node_->IsNull()) return out;
  if (!node_->IsSequence()) {
    Error("expected a list (YAML sequence)");
    return out;
  }
  size_t i = 0;
  for (const YAML::Node& item : *node_) {
    out.emplace_back(ConfigNode(doc_, std::make_unique<YAML::Node>(item),
                                key_path_ + "[" + std::to_string(i) + "]", true));
    ++i;
  }
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::Entries() const {
  std::vector<std::pair<std::string, ConfigNode>> out;
  if (!present_ || node_->IsNull()) return out;
  if (!node_->IsMap()) {
    Error("expected a map of keys to values");
    return out;
  }
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    out.emplace_back(key, ConfigNode(doc_, std::make_unique<YAML::Node>(it->second),
                                     JoinKeyPath(key_path_, key), true));
  }
  return out;
}

void ConfigNode::AllowKeys(const std::vector<std::string>& allowed) const {
  if (!present_ || node_->IsNull()) return;
  if (!node_->IsMap()) {
    Error("expected a map of keys to values");
    return;
  }
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string best;
    size_t best_d = 3;
    for (const auto& a : allowed) {
      size_t d = EditDistance(key, a);
      if (d < best_d) {
        best_d = d;
        best = a;
      }
    }
    std::string msg = "unknown key " + QuoteForMessage(key);
    if (!best.empty()) {
      msg += " (did you mean '" + best + "'?)";
    } else {
      msg += "; expected one of:";
      for (size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : " ") + allowed[i];
    }
    ConfigError e;
    e.where.file = doc_->FileName();
    const YAML::Mark m = it->first.Mark();
    e.where.line = m.line + 1;
    e.where.column = m.column + 1;
    e.key_path = JoinKeyPath(key_path_, key);
    e.message = std::move(msg);
    doc_->AddError(std::move(e));
  }
}

void ConfigNode::AllowKeys(std::initializer_list<std::string_view> allowed) const {
  std::vector<std::string> v;
  for (auto a : allowed) v.emplace_back(a);
  AllowKeys(v);
}

void ConfigNode::Error(std::string message) const {
  doc_->AddError(ConfigError{Location(), key_path_, std::move(message)});
}

void ConfigNode::ErrorAt(std::string_view key, std::string message) const {
  Child(key).Error(std::move(message));
}

std::string ConfigNode::AsString() const {
  if (!present_ || !node_->IsScalar()) {
    Error("expected a single value (text or number)");
    return {};
  }
  return node_->Scalar();
}

std::string ConfigNode::RequiredString(std::string_view key) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) {
    c.Error("missing required key (expected a text value)");
    return {};
  }
  if (!c.node_->IsScalar()) {
    c.Error("expected a text value");
    return {};
  }
  return c.node_->Scalar();
}

std::string ConfigNode::String(std::string_view key, std::string fallback) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback;
  if (!c.node_->IsScalar()) {
    c.Error("expected a text value");
    return fallback;
  }
  return c.node_->Scalar();
}

namespace {

bool ParseInt(const std::string& s, int64_t& out) {
  std::string_view v = s;
  int base = 10;
  bool neg = false;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    base = 16;
    v.remove_prefix(2);
  }
  std::string clean;
  for (char ch : v)
    if (ch != '_') clean += ch;
  if (clean.empty()) return false;
  uint64_t u = 0;
  auto [p, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), u, base);
  if (ec != std::errc() || p != clean.data() + clean.size()) return false;
  if (u > static_cast<uint64_t>(INT64_MAX)) return false;
  out = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
  return true;
}

}  // namespace

int64_t ConfigNode::Int(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback;
  int64_t v = 0;
  if (!c.node_->IsScalar() || !ParseInt(c.node_->Scalar(), v) || v < min || v > max) {
    c.Error("expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
            (c.node_->IsScalar() ? ", got " + QuoteForMessage(c.node_->Scalar()) : ""));
    return fallback;
  }
  return v;
}

int64_t ConfigNode::RequiredInt(std::string_view key, int64_t min, int64_t max) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) {
    c.Error("missing required key (expected a whole number from " + std::to_string(min) + " to " +
            std::to_string(max) + ")");
    return min;
  }
  return Int(key, min, min, max);
}

double ConfigNode::Double(std::string_view key, double fallback) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback;
  if (c.node_->IsScalar()) {
    const std::string& s = c.node_->Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && std::isfinite(v)) return v;
  }
  c.Error("expected a number" +
          (c.node_->IsScalar() ? ", got " + QuoteForMessage(c.node_->Scalar()) : std::string()));
  return fallback;
}

bool ConfigNode::Bool(std::string_view key, bool fallback) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback;
  if (c.node_->IsScalar()) {
    const std::string& s = c.node_->Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  c.Error("expected true or false" +
          (c.node_->IsScalar() ? ", got " + QuoteForMessage(c.node_->Scalar()) : std::string()));
  return fallback;
}

Duration ConfigNode::DurationValue(std::string_view key, Duration fallback, Duration min,
                                   Duration max) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback;
  if (!c.node_->IsScalar()) {
    c.Error("expected a duration such as 250ms, 5s, 10m or 8h");
    return fallback;
  }
  Result<Duration> d = ParseDuration(c.node_->Scalar());
  if (!d.ok()) {
    c.Error(d.status().message());
    return fallback;
  }
  if (*d < min || *d > max) {
    c.Error("duration " + QuoteForMessage(c.node_->Scalar()) + " is out of range; expected " +
            std::to_string(static_cast<double>(min) / kSecond) + " s to " +
            std::to_string(static_cast<double>(max) / kSecond) + " s");
    return fallback;
  }
  return *d;
}

size_t ConfigNode::Choice(std::string_view key, std::initializer_list<std::string_view> choices,
                          size_t fallback_index) const {
  ConfigNode c = Child(key);
  if (!c.present_ || c.node_->IsNull()) return fallback_index;
  if (c.node_->IsScalar()) {
    size_t i = 0;
    for (auto choice : choices) {
      if (choice == c.node_->Scalar()) return i;
      ++i;
    }
  }
  std::string msg = "expected one of:";
  size_t i = 0;
  for (auto choice : choices) msg += std::string(i++ ? ", " : " ") + std::string(choice);
  if (c.node_->IsScalar()) msg += "; got " + QuoteForMessage(c.node_->Scalar());
  c.Error(std::move(msg));
  return fallback_index;
}

ConfigDocument::ConfigDocument() : root_(std::make_unique<YAML::Node>()) {}
ConfigDocument::ConfigDocument(ConfigDocument&&) noexcept = default;
ConfigDocument& ConfigDocument::operator=(ConfigDocument&&) noexcept = default;
ConfigDocument::~ConfigDocument() = default;

Result<ConfigDocument> ConfigDocument::Parse(std::string_view text, std::string file_name) {
  ConfigDocument doc;
  doc.file_name_ = std::move(file_name);
  try {
    *doc.root_ = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(doc.file_name_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  return doc;
}

Result<ConfigDocument> ConfigDocument::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFound(path + ": cannot open configuration file (does it exist and is it readable?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

ConfigNode ConfigDocument::Root() {
  return ConfigNode(this, std::make_unique<YAML::Node>(*root_), "", root_->IsDefined());
}

void ConfigDocument::AddError(ConfigError error) {
  for (const auto& e : errors_) {
    if (e.where.line == error.where.line && e.where.column == error.where.column &&
        e.key_path == error.key_path && e.message == error.message)
      return;
  }
  errors_.push_back(std::move(error));
}

Status ConfigDocument::Finish() const {
  if (errors_.empty()) return Status::Ok();
  std::string msg = std::to_string(errors_.size()) +
                    (errors_.size() == 1 ? " configuration error:" : " configuration errors:");
  for (const auto& e : errors_) msg += "\n  " + e.ToString();
  return InvalidArgument(std::move(msg));
}

}  // namespace gantry
