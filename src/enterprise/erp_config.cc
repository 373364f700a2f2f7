#include "enterprise/erp_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace gantry::enterprise {

Result<std::pair<HttpEndpoint, std::string>> ParseHttpUrl(std::string_view url) {
  HttpEndpoint e;
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
    e.port = 80;
  } else if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
    e.port = 443;
    e.tls = true;
  } else {
    return InvalidArgument("URL '" + std::string(url) + "' must start with http:// or https://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return InvalidArgument("URL '" + std::string(url) + "': bad port '" + std::string(port) +
                             "'");
    e.port = static_cast<uint16_t>(v);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return InvalidArgument("URL '" + std::string(url) + "' has no host");
  e.host = std::string(authority);
  return std::make_pair(e, path);
}

namespace {

std::optional<std::pair<HttpEndpoint, std::string>> Url(const ConfigNode& node,
                                                        std::string_view key) {
  const std::string text = node.String(key);
  if (text.empty()) return std::nullopt;
  auto parsed = ParseHttpUrl(text);
  if (!parsed.ok()) {
    node.ErrorAt(key, parsed.status().message());
    return std::nullopt;
  }
  return *parsed;  // https:// is TLS with the server's certificate and host name verified
}

void ParseTryton(const ConfigNode& node, ErpSettings& erp) {
  if (!node.IsPresent()) return;
  TrytonSettings t;
  node.AllowKeys({"url", "ca_file", "database", "login", "password", "password_file", "company",
                  "warehouse", "scrap_location", "pull_states", "poll_every", "timeout",
                  "work_centres"});
  if (auto url = Url(node, "url"))
    t.config.endpoint = url->first;
  else if (!node["url"].IsPresent())
    node.ErrorAt("url", "missing required key (e.g. http://127.0.0.1:8000)");
  t.config.endpoint.ca_file = node.String("ca_file");
  t.config.endpoint.timeout = node.DurationValue("timeout", 30 * kSecond, kSecond, 10 * kMinute);
  t.config.database = node.String("database", t.config.database);
  t.config.login = node.String("login", t.config.login);
  t.config.password = node.String("password", "");
  if (const std::string file = node.String("password_file"); !file.empty()) {
    std::ifstream in(file);
    if (!in) {
      node.ErrorAt("password_file", "cannot read '" + file + "'");
    } else {
      std::getline(in, t.config.password);
    }
  }
  t.config.company = node.Int("company", t.config.company, 1, INT64_MAX);
  t.config.warehouse = node.Int("warehouse", 0, 0, INT64_MAX);
  t.config.scrap_location = node.Int("scrap_location", 0, 0, INT64_MAX);
  if (node["pull_states"].IsPresent()) {
    t.config.pull_states.clear();
    for (const ConfigNode& s : node["pull_states"].Items())
      t.config.pull_states.push_back(s.AsString());
  }
  t.poll_every = node.DurationValue("poll_every", t.poll_every, 100 * kMillisecond, 24 * kHour);
  for (const auto& [name, path] : node["work_centres"].Entries())
    t.config.work_centre_paths[name] = path.AsString();
  erp.tryton = std::move(t);
}

HttpHeaders Headers(const ConfigNode& node) {
  HttpHeaders h;
  for (const auto& [name, value] : node.Entries()) h.emplace_back(name, value.AsString());
  return h;
}

}  // namespace

ErpSettings ParseErpConfig(const ConfigNode& node) {
  ErpSettings erp;
  if (!node.IsPresent()) return erp;
  erp.enabled = true;
  node.AllowKeys({"tryton", "webhook", "b2mml_performance", "actuals", "outbox"});
  ParseTryton(node["tryton"], erp);

  if (ConfigNode w = node["webhook"]; w.IsPresent()) {
    w.AllowKeys({"url", "ca_file", "timeout", "headers"});
    if (auto url = Url(w, "url")) {
      WebhookConfig c;
      c.endpoint = url->first;
      c.path = url->second;
      c.endpoint.ca_file = w.String("ca_file");
      c.endpoint.timeout = w.DurationValue("timeout", 10 * kSecond, 100 * kMillisecond, kHour);
      c.headers = Headers(w["headers"]);
      erp.webhook = std::move(c);
    } else if (!w["url"].IsPresent()) {
      w.ErrorAt("url", "missing required key (e.g. https://erp.example.com/actuals)");
    }
  }

  if (ConfigNode b = node["b2mml_performance"]; b.IsPresent()) {
    b.AllowKeys({"folder", "url", "ca_file"});
    B2mmlOutSettings s;
    s.folder = b.String("folder");
    s.url = b.String("url");
    s.ca_file = b.String("ca_file");
    if (s.folder.empty() == s.url.empty())
      b.Error("expected exactly one of 'folder' or 'url'");
    else if (!s.url.empty() && !Url(b, "url"))
      s.url.clear();
    erp.b2mml = std::move(s);
  }

  if (ConfigNode a = node["actuals"]; a.IsPresent()) {
    a.AllowKeys({"on_shift_end", "every", "energy_wait"});
    erp.on_shift_end = a.Bool("on_shift_end", false);
    erp.interval = a.DurationValue("every", 0, 0, 7 * 24 * kHour);
    erp.energy_wait = a.DurationValue("energy_wait", erp.energy_wait, 0, kHour);
  }

  if (ConfigNode o = node["outbox"]; o.IsPresent()) {
    o.AllowKeys({"drain_every", "first_backoff", "max_backoff", "jitter", "quarantine_after",
                 "max_attempts", "keep_delivered"});
    erp.drain_every = o.DurationValue("drain_every", erp.drain_every, kMillisecond, kMinute);
    erp.outbox.first_backoff =
        o.DurationValue("first_backoff", erp.outbox.first_backoff, kMillisecond, kHour);
    erp.outbox.max_backoff =
        o.DurationValue("max_backoff", erp.outbox.max_backoff, kMillisecond, 24 * kHour);
    erp.outbox.jitter = o.Double("jitter", erp.outbox.jitter);
    if (erp.outbox.jitter < 0 || erp.outbox.jitter > 1)
      o.ErrorAt("jitter", "expected a number from 0 to 1");
    erp.outbox.quarantine_after =
        static_cast<int>(o.Int("quarantine_after", erp.outbox.quarantine_after, 1, 1000));
    erp.outbox.max_transient_attempts = static_cast<int>(o.Int("max_attempts", 0, 0, 1'000'000));
    erp.keep_delivered =
        o.DurationValue("keep_delivered", erp.keep_delivered, kMinute, 3650 * 24 * kHour);
  }
  if (!erp.tryton && !erp.webhook && !erp.b2mml)
    node.Error("expected at least one of 'tryton', 'webhook' or 'b2mml_performance'");
  return erp;
}

}  // namespace gantry::enterprise
