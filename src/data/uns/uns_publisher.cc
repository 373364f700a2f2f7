#include "data/uns/uns_publisher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "data/uns/uns_payload.h"
#include "data/uns/uns_subject.h"

namespace gantry::uns {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxReplyBytes = 900'000;

bool UnderPrefix(std::string_view path, std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return true;
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// A change worth publishing: the quality, or the value (beyond the deadband for numbers).
bool Changed(const Sample& published, const Sample& now, double deadband) {
  if (published.quality != now.quality) return true;
  if (published.value == now.value) return false;
  const ValueType t = now.value.type();
  if (deadband > 0 && t == published.value.type() &&
      (t == ValueType::kDouble || t == ValueType::kInt64)) {
    return std::fabs(*now.value.AsDouble() - *published.value.AsDouble()) > deadband;
  }
  return true;
}

SteadyClock::duration Steady(Duration d) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::nanoseconds(d));
}

// {"backlog":true,...}: the same object marked as sent late.
std::string MarkBacklog(const std::string& json) {
  if (json.size() < 2 || json.front() != '{') return json;
  return json.size() == 2 ? "{\"backlog\":true}" : "{\"backlog\":true," + json.substr(1);
}

}  // namespace

UnsPublisher::UnsPublisher(const TagRegistry& registry, TagBus& bus, const CurrentValues* values,
                           std::unique_ptr<UnsTransport> transport, UnsOptions options)
    : registry_(registry),
      values_(values),
      transport_(std::move(transport)),
      options_(std::move(options)),
      subscription_(bus.Subscribe("uns", options_.queue_samples, OverflowPolicy::kDropOldest)),
      subjects_(registry.size()),
      deadband_(registry.size(), 0.0),
      last_seen_(registry.size()),
      last_published_(registry.size()) {
  for (TagId id = 0; id < registry.size(); ++id) {
    const std::string& path = registry.Get(id).path;
    bool published = options_.tag_prefixes.empty();
    for (const std::string& p : options_.tag_prefixes)
      published = published || UnderPrefix(path, p);
    if (published) subjects_[id] = TagSubject(options_.prefix, path);
    size_t best = 0;
    for (const Deadband& d : options_.deadbands) {
      if (UnderPrefix(path, d.prefix) && d.prefix.size() + 1 > best) {
        best = d.prefix.size() + 1;
        deadband_[id] = d.absolute;
      }
    }
  }
  if (options_.serve_current && values_ != nullptr) {
    transport_->ServeRequests(
        options_.prefix + ".$current.>",
        [this](std::string_view subject, std::string_view) { return AnswerCurrent(subject); });
  }
}

UnsPublisher::~UnsPublisher() {
  Stop();
}

Status UnsPublisher::Start() {
  if (thread_.joinable()) return FailedPrecondition("uns publisher already started");
  size_t published = 0;
  for (const std::string& s : subjects_) published += s.empty() ? 0 : 1;
  spdlog::info("uns: publishing {} of {} tags under '{}' to {}", published, subjects_.size(),
               options_.prefix, transport_->Describe());
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void UnsPublisher::Stop(Duration drain_timeout) {
  if (!thread_.joinable()) return;
  drain_timeout_.store(drain_timeout);
  stop_.store(true);
  thread_.join();
  transport_->Close();
  connected_.store(false);
}

void UnsPublisher::PublishEvent(UnsEvent event) {
  std::lock_guard<std::mutex> lock(events_mu_);
  if (events_in_.size() >= options_.buffer_messages) {
    events_in_.erase(events_in_.begin());
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  events_in_.push_back(std::move(event));
}

void UnsPublisher::Run() {
  auto next_attempt = SteadyClock::now();
  Duration backoff = options_.reconnect_min;
  auto next_republish = SteadyClock::now() + Steady(options_.republish_every);
  auto next_report = SteadyClock::now();
  std::optional<SteadyClock::time_point> stop_deadline;
  for (;;) {
    if (stop_.load() && !stop_deadline)
      stop_deadline = SteadyClock::now() + Steady(drain_timeout_.load());
    const bool idle = buffer_.empty() || !transport_->connected();
    const Duration wait = (idle && !stop_deadline) ? 50 * kMillisecond : 0;
    if (SampleBatch batch = subscription_->Pop(wait)) {
      for (const Sample& s : *batch) Offer(s);
      for (int more = 0; more < 64; ++more) {  // whatever else is queued, in one go
        SampleBatch next = subscription_->TryPop();
        if (!next) break;
        for (const Sample& s : *next) Offer(s);
      }
    }
    TakeEvents();
    const auto now = SteadyClock::now();
    if (!transport_->connected()) {
      if (was_connected_) NoteLost();
      if (now >= next_attempt && !stop_deadline) {
        if (TryConnect()) {
          backoff = options_.reconnect_min;
          next_republish = now + Steady(options_.republish_every);
        } else {
          next_attempt = now + Steady(backoff);
          backoff = std::min(backoff * 2, options_.reconnect_max);
        }
      }
      if (now >= next_report && failures_in_row_ > 1 && !transport_->connected()) {
        spdlog::warn("uns: {} unreachable; backlog {} messages, {} dropped so far",
                     transport_->Describe(), buffer_.size(), dropped_.load());
        next_report = now + std::chrono::seconds(10);
      }
    }
    if (transport_->connected()) {
      if (SendBuffered(10'000) && options_.republish_every > 0 && now >= next_republish) {
        SendSnapshot();
        next_republish = now + Steady(options_.republish_every);
      }
    }
    if (stop_deadline &&
        (buffer_.empty() || !transport_->connected() || SteadyClock::now() >= *stop_deadline))
      break;
  }
  if (transport_->connected()) (void)transport_->Flush(200 * kMillisecond);
  if (!buffer_.empty()) spdlog::warn("uns: stopping with {} messages not sent", buffer_.size());
}

void UnsPublisher::Offer(const Sample& s) {
  if (s.tag >= subjects_.size() || subjects_[s.tag].empty()) return;
  Sample& seen = last_seen_[s.tag];
  if (seen.tag != kInvalidTagId && s.time < seen.time) {
    stale_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Value keep;
  if (s.quality.IsBad() && s.value.empty() && seen.tag != kInvalidTagId) keep = seen.value;
  seen = s;
  if (!keep.empty()) seen.value = std::move(keep);  // "last known 71.2, BadNotConnected"
  Sample& published = last_published_[s.tag];
  if (published.tag != kInvalidTagId && !Changed(published, seen, deadband_[s.tag])) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  published = seen;
  Outgoing o;
  o.tag = s.tag;
  o.sample = seen;
  Enqueue(std::move(o));
}

void UnsPublisher::Enqueue(Outgoing o) {
  if (buffer_.size() >= std::max<size_t>(1, options_.buffer_messages)) {
    buffer_.pop_front();
    if (backlog_left_ > 0) --backlog_left_;
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  buffer_.push_back(std::move(o));
  backlog_.store(buffer_.size(), std::memory_order_relaxed);
}

void UnsPublisher::TakeEvents() {
  std::vector<UnsEvent> events;
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    if (events_in_.empty()) return;
    events.swap(events_in_);
  }
  for (UnsEvent& e : events) {
    Outgoing o;
    o.subject = TagSubject(options_.prefix + ".events", e.work_centre) + "." + EscapeToken(e.kind);
    o.payload = std::move(e.json);
    Enqueue(std::move(o));
  }
}

bool UnsPublisher::TryConnect() {
  Status s = transport_->Connect();
  if (!s.ok()) {
    connect_failures_.fetch_add(1);
    // The first failure of an outage is worth a line; later ones are summed up every 10 s.
    if (failures_in_row_++ == 0)
      spdlog::warn("uns: cannot connect to {}: {}", transport_->Describe(), s.message());
    return false;
  }
  failures_in_row_ = 0;
  const bool first = connects_.fetch_add(1) == 0;
  connected_.store(true);
  was_connected_ = true;
  if (first) {  // nothing was sent before: what is queued goes out as it is, in order
    backlog_left_ = 0;
    spdlog::info("uns: connected to {}", transport_->Describe());
    return true;
  }
  backlog_left_ = buffer_.size();
  size_t known = 0;
  for (TagId id = 0; id < last_seen_.size(); ++id)
    known += (!subjects_[id].empty() && last_seen_[id].tag != kInvalidTagId) ? 1 : 0;
  spdlog::info(
      "uns: connected to {} again; sending the latest state of {} tags, then a backlog of {} "
      "messages ({} dropped so far)",
      transport_->Describe(), known, backlog_left_, dropped_.load());
  return SendSnapshot();
}

bool UnsPublisher::SendSnapshot() {
  for (TagId id = 0; id < last_seen_.size(); ++id) {
    if (subjects_[id].empty() || last_seen_[id].tag == kInvalidTagId) continue;
    scratch_.clear();
    AppendValueJson(scratch_, registry_.Get(id).path, last_seen_[id], {});
    if (Status st = transport_->Publish(subjects_[id], scratch_); !st.ok()) {
      if (!Refused(st, subjects_[id])) return false;
      continue;
    }
    last_published_[id] = last_seen_[id];
    published_snapshot_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

bool UnsPublisher::SendBuffered(size_t max_messages) {
  for (size_t n = 0; n < max_messages && !buffer_.empty(); ++n) {
    Outgoing& o = buffer_.front();
    const bool backlog = backlog_left_ > 0;
    Status st;
    if (o.tag != kInvalidTagId) {
      scratch_.clear();
      ValueJsonOptions v;
      v.backlog = backlog;
      AppendValueJson(scratch_, registry_.Get(o.tag).path, o.sample, v);
      st = transport_->Publish(subjects_[o.tag], scratch_);
      if (st.ok()) published_values_.fetch_add(1, std::memory_order_relaxed);
    } else {
      st = transport_->Publish(o.subject, backlog ? MarkBacklog(o.payload) : o.payload);
      if (st.ok()) published_events_.fetch_add(1, std::memory_order_relaxed);
    }
    // Not taken: kept for the next connection, unless the broker refused this one message
    // while staying connected (too large): then it is dropped, never retried forever.
    if (!st.ok() && !Refused(st, o.tag != kInvalidTagId ? subjects_[o.tag] : o.subject))
      return false;
    buffer_.pop_front();
    if (backlog_left_ > 0) --backlog_left_;
  }
  backlog_.store(buffer_.size(), std::memory_order_relaxed);
  return true;
}

bool UnsPublisher::Refused(const Status& status, const std::string& subject) {
  if (!transport_->connected()) return false;
  if (refused_.fetch_add(1) % 1000 == 0)
    spdlog::warn("uns: {} refused a message on {} ({} so far): {}", transport_->Describe(), subject,
                 refused_.load(), status.message());
  return true;
}

void UnsPublisher::NoteLost() {
  was_connected_ = false;
  connected_.store(false);
  losses_.fetch_add(1);
  spdlog::warn(
      "uns: lost the connection to {}; buffering (backlog {} messages now, at most {}, oldest "
      "dropped beyond)",
      transport_->Describe(), buffer_.size(), options_.buffer_messages);
}

std::optional<std::string> UnsPublisher::AnswerCurrent(std::string_view subject) const {
  requests_answered_.fetch_add(1, std::memory_order_relaxed);
  std::string out;
  Result<std::string> path = PathFromSubject(options_.prefix + ".$current", subject);
  if (!path.ok()) {
    out = "{\"error\":";
    AppendJsonString(out, path.status().message());
    out += '}';
    return out;
  }
  if (std::optional<TagId> id = registry_.Find(*path); id && !subjects_[*id].empty()) {
    AppendValueJson(out, *path, values_->Get(*id), {});
    return out;
  }
  // A node of the hierarchy: every published tag below it, sorted by path.
  out = "[";
  size_t n = 0;
  for (TagId id : registry_.WithPrefix(*path)) {
    if (subjects_[id].empty()) continue;
    if (n++ > 0) out += ',';
    AppendValueJson(out, registry_.Get(id).path, values_->Get(id), {});
    if (out.size() > kMaxReplyBytes) {  // nats-server refuses messages over 1 MB by default
      out = "{\"error\":";
      AppendJsonString(out, "the tags below '" + *path +
                                "' make more than 900 kB of JSON; ask for a narrower path");
      out += '}';
      return out;
    }
  }
  if (n > 0) return out + "]";
  out = "{\"error\":";
  AppendJsonString(out, "no published tag at or below '" + *path + "'");
  out += '}';
  return out;
}

UnsStats UnsPublisher::Stats() const {
  UnsStats s;
  s.connected = connected_.load();
  s.published_values = published_values_.load();
  s.published_snapshot = published_snapshot_.load();
  s.published_events = published_events_.load();
  s.suppressed = suppressed_.load();
  s.stale = stale_.load();
  s.dropped = dropped_.load();
  s.refused = refused_.load();
  s.backlog = backlog_.load();
  s.connects = connects_.load();
  s.connection_losses = losses_.load();
  s.connect_failures = connect_failures_.load();
  s.requests_answered = requests_answered_.load();
  s.bus_dropped = subscription_->Stats().dropped_samples;
  return s;
}

std::string UnsPublisher::MetricsText() const {
  const UnsStats s = Stats();
  std::string out;
  auto line = [&out](const char* name, const char* type, uint64_t v) {
    out +=
        std::string("# TYPE ") + name + " " + type + "\n" + name + " " + std::to_string(v) + "\n";
  };
  line("gantry_uns_connected", "gauge", s.connected ? 1 : 0);
  line("gantry_uns_published_values_total", "counter", s.published_values);
  line("gantry_uns_published_snapshot_total", "counter", s.published_snapshot);
  line("gantry_uns_published_events_total", "counter", s.published_events);
  line("gantry_uns_suppressed_total", "counter", s.suppressed);
  line("gantry_uns_stale_total", "counter", s.stale);
  line("gantry_uns_dropped_total", "counter", s.dropped);
  line("gantry_uns_refused_total", "counter", s.refused);
  line("gantry_uns_backlog", "gauge", s.backlog);
  line("gantry_uns_connects_total", "counter", s.connects);
  line("gantry_uns_connection_losses_total", "counter", s.connection_losses);
  line("gantry_uns_connect_failures_total", "counter", s.connect_failures);
  line("gantry_uns_requests_total", "counter", s.requests_answered);
  line("gantry_uns_bus_dropped_total", "counter", s.bus_dropped);
  return out;
}

}  // namespace gantry::uns
