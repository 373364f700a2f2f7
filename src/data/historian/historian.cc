// Historian: catalog, append, sealing, checkpoints, retention and the disk floor. Open and
// recovery are in recovery.cc, queries in query.cc.
#include "data/historian/historian.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "data/historian/log_format.h"
#include "data/historian/store_internal.h"

namespace gantry::historian {

using namespace internal;  // NOLINT(google-build-using-namespace): this file implements it

Status Historian::StartWal() {
  LogFileHeader header{kWalMagic, 0, 0};
  if (!segments_.empty()) {
    Segment& cur = segments_.back();
    if (cur.file.valid()) GANTRY_RETURN_IF_ERROR(SyncFile(cur.file.get(), cur.path));
    header.durable_segment = cur.seq;
    header.durable_length = cur.size;
  }
  wal_durable_segment_ = header.durable_segment;
  GANTRY_ASSIGN_OR_RETURN(auto old, ListNumbered(dir_, "wal-", ".log"));
  const uint64_t seq = std::max(wal_seq_, old.empty() ? 0 : old.back()) + 1;
  const std::string path = NumberedPath(dir_, "wal-", seq, ".log");
  ByteWriter w;
  w.PutBytes(EncodeLogHeader(header));
  // The memtables' samples are carried into the new WAL as one batch with a fresh sequence
  // number, above every chunk's replay marker.
  std::vector<Sample> carry;
  std::vector<SeriesId> ids;
  const uint64_t carry_lsn = last_lsn_ + 1;
  for (SeriesId id = 0; id < series_.size(); ++id) {
    Series& s = series_[id];
    if (s.mem.empty()) continue;
    for (size_t i = 0; i < s.mem.size(); ++i) {
      carry.push_back(
          {id, s.mem.times[i], s.mem.ValueAt(i), Quality(s.mem.quality[i]), s.mem.ServerTimeAt(i)});
      ids.push_back(id);
    }
  }
  if (!carry.empty()) {
    const size_t at = BeginRecord(w, RecordType::kSampleBatch);
    EncodeSampleBatch(carry_lsn, carry, ids, w);
    EndRecord(w, at);
  }
  GANTRY_ASSIGN_OR_RETURN(FileHandle f, OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC));
  GANTRY_RETURN_IF_ERROR(WriteAll(f.get(), path, w.bytes()));
  GANTRY_RETURN_IF_ERROR(SyncFile(f.get(), path));
  GANTRY_RETURN_IF_ERROR(SyncDir(dir_));
  for (uint64_t o : old) GANTRY_RETURN_IF_ERROR(RemoveFile(NumberedPath(dir_, "wal-", o, ".log")));
  if (!carry.empty()) {
    last_lsn_ = carry_lsn;
    for (SeriesId id = 0; id < series_.size(); ++id) {
      Series& s = series_[id];
      if (s.mem.empty()) continue;
      s.mem_lsn = carry_lsn;
      s.mem_lsn_samples = static_cast<uint32_t>(s.mem.size());
    }
  }
  wal_ = std::move(f);
  wal_path_ = path;
  wal_seq_ = seq;
  wal_size_ = w.size();
  wal_dirty_ = false;
  last_sync_ = clock_.Now();
  return Status::Ok();
}

Status Historian::AddSeriesLocked(SeriesId id, std::string path, bool persist) {
  if (persist) {
    ByteWriter w;
    const size_t at = BeginRecord(w, RecordType::kCatalogEntry);
    w.PutU32(id);
    w.PutU32(0);
    w.PutString(path);
    EndRecord(w, at);
    GANTRY_RETURN_IF_ERROR(WriteAll(catalog_.get(), dir_ + "/catalog.log", w.bytes()));
    GANTRY_RETURN_IF_ERROR(SyncFile(catalog_.get(), dir_ + "/catalog.log"));
  }
  series_.emplace_back();
  series_.back().path = path;
  by_path_.emplace(std::move(path), id);
  return Status::Ok();
}

Result<SeriesId> Historian::SeriesForLocked(std::string_view path) {
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
  if (path.empty()) return InvalidArgument("historian: empty tag path");
  const auto id = static_cast<SeriesId>(series_.size());
  GANTRY_RETURN_IF_ERROR(AddSeriesLocked(id, std::string(path), true));
  return id;
}

Result<SeriesId> Historian::SeriesFor(std::string_view path) {
  std::lock_guard lock(mu_);
  return SeriesForLocked(path);
}

std::optional<SeriesId> Historian::FindSeries(std::string_view path) const {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  return it == by_path_.end() ? std::nullopt : std::optional(it->second);
}

std::optional<std::string> Historian::PathOf(SeriesId series) const {
  std::lock_guard lock(mu_);
  return series < series_.size() ? std::optional(series_[series].path) : std::nullopt;
}

Status Historian::BindTag(TagId tag, std::string_view path) {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(SeriesId id, SeriesForLocked(path));
  BindLocked(tag, id);
  return Status::Ok();
}

void Historian::BindLocked(TagId tag, SeriesId id) {
  if (tag >= kDenseTags) {
    sparse_binding_[tag] = id;
    return;
  }
  if (tag >= tag_binding_.size()) tag_binding_.resize(tag + 1, kNoSeries);
  tag_binding_[tag] = id;
}

Status Historian::SetPriority(SeriesId series, int priority) {
  std::lock_guard lock(mu_);
  if (series >= series_.size()) return NotFound("historian: no series " + std::to_string(series));
  if (series_[series].priority == priority) return Status::Ok();  // nothing to record
  ByteWriter w;
  const size_t at = BeginRecord(w, RecordType::kCatalogEntry);
  w.PutU32(series);
  w.PutU32(static_cast<uint32_t>(priority));
  w.PutString(series_[series].path);
  EndRecord(w, at);
  GANTRY_RETURN_IF_ERROR(WriteAll(catalog_.get(), dir_ + "/catalog.log", w.bytes()));
  GANTRY_RETURN_IF_ERROR(SyncFile(catalog_.get(), dir_ + "/catalog.log"));
  series_[series].priority = priority;
  return Status::Ok();
}

Status Historian::Append(std::span<const Sample> samples) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (samples.empty()) return Status::Ok();
  scratch_series_.resize(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const TagId tag = samples[i].tag;
    if (tag < tag_binding_.size() && tag_binding_[tag] != kNoSeries) {
      scratch_series_[i] = tag_binding_[tag];
      continue;
    }
    if (tag >= kDenseTags) {
      if (auto it = sparse_binding_.find(tag); it != sparse_binding_.end()) {
        scratch_series_[i] = it->second;
        continue;
      }
    }
    if (tag == kInvalidTagId) return InvalidArgument("historian: sample without a tag id");
    GANTRY_ASSIGN_OR_RETURN(SeriesId id, SeriesForLocked("tag/" + std::to_string(tag)));
    BindLocked(tag, id);
    scratch_series_[i] = id;
  }
  GANTRY_ASSIGN_OR_RETURN(int floor_level, FloorLevel());
  if (floor_level == 2) {
    stats_.samples_refused_disk_floor += samples.size();
    return ResourceExhausted("historian: free disk space below half the floor of " +
                             std::to_string(options_.disk_floor_bytes) + " bytes in " + dir_ +
                             "; refusing all samples");
  }
  std::span<const Sample> accepted = samples;
  std::vector<Sample> kept;
  if (floor_level == 1) {  // below the floor: low-priority series are refused first
    std::vector<SeriesId> kept_series;
    for (size_t i = 0; i < samples.size(); ++i) {
      if (series_[scratch_series_[i]].priority < 0) {
        ++stats_.samples_refused_disk_floor;
      } else {
        kept.push_back(samples[i]);
        kept_series.push_back(scratch_series_[i]);
      }
    }
    if (kept.empty()) {
      return ResourceExhausted("historian: free disk space below the floor of " +
                               std::to_string(options_.disk_floor_bytes) + " bytes in " + dir_ +
                               "; refusing low-priority samples");
    }
    accepted = kept;
    scratch_series_ = std::move(kept_series);
  }

  const uint64_t lsn = ++last_lsn_;
  scratch_.Clear();
  const size_t at = BeginRecord(scratch_, RecordType::kSampleBatch);
  EncodeSampleBatch(lsn, accepted, scratch_series_, scratch_);
  EndRecord(scratch_, at);
  Status st = WriteAll(wal_.get(), wal_path_, scratch_.bytes());
  if (st.ok()) {
    wal_size_ += scratch_.size();
    wal_dirty_ = true;
    const Timestamp now = clock_.Now();
    if (options_.sync == SyncPolicy::kEveryBatch ||
        (options_.sync == SyncPolicy::kInterval && now - last_sync_ >= options_.sync_interval)) {
      st = SyncFile(wal_.get(), wal_path_);
      last_sync_ = now;
      wal_dirty_ = false;
      ++stats_.wal_syncs;
    }
  }
  if (!st.ok()) {  // the WAL's end is unknown now: refuse everything until reopened
    failed_ = st.WithContext("historian stopped accepting samples");
    return failed_;
  }
  for (size_t i = 0; i < accepted.size(); ++i) {
    GANTRY_RETURN_IF_ERROR(ApplyToMemtable(scratch_series_[i], accepted[i], lsn));
  }
  stats_.samples_appended += accepted.size();
  ++stats_.batches_appended;
  if (wal_size_ >= options_.wal_checkpoint_bytes) GANTRY_RETURN_IF_ERROR(StartWal());
  return Status::Ok();
}

Status Historian::ApplyToMemtable(SeriesId id, const Sample& s, uint64_t lsn) {
  Series* se = &series_[id];
  if (!se->mem.empty()) {
    const bool type_change = !se->mem.Accepts(s.value.type());
    const bool next_window = s.time >= se->mem_window_end && s.time >= se->mem.times.back();
    if (type_change || next_window) {
      GANTRY_RETURN_IF_ERROR(Seal(id));
      se = &series_[id];
    }
  }
  if (se->mem.empty()) se->mem_window_end = WindowEnd(s.time, options_.chunk_span);
  se->mem.Add(s.time, s.value, s.quality, s.server_time);
  if (se->mem_lsn == lsn) {
    ++se->mem_lsn_samples;
  } else {
    se->mem_lsn = lsn;
    se->mem_lsn_samples = 1;
  }
  if (se->mem.size() >= options_.max_chunk_samples) return Seal(id);
  return Status::Ok();
}

Status Historian::OpenNewSegment() {
  if (!segments_.empty() && segments_.back().file.valid()) {
    GANTRY_RETURN_IF_ERROR(SyncFile(segments_.back().file.get(), segments_.back().path));
  }
  const uint64_t seq = segments_.empty() ? 1 : segments_.back().seq + 1;
  Segment seg{seq, NumberedPath(dir_, "seg-", seq, ".dat"), FileHandle(), 0};
  GANTRY_ASSIGN_OR_RETURN(seg.file, OpenFile(seg.path, O_RDWR | O_CREAT | O_TRUNC));
  GANTRY_RETURN_IF_ERROR(WriteAll(seg.file.get(), seg.path, SegmentHeader()));
  GANTRY_RETURN_IF_ERROR(SyncDir(dir_));
  seg.size = kSegmentHeaderSize;
  segments_.push_back(std::move(seg));
  return Status::Ok();
}

Status Historian::Seal(SeriesId id) {
  Series& s = series_[id];
  SortAndDedupe(s.mem);
  if (s.mem.empty()) return Status::Ok();
  GANTRY_RETURN_IF_ERROR(AppendChunkLocked(EncodeChunk(id, s.mem_lsn, s.mem_lsn_samples, s.mem)));
  s.sealed_lsn = s.mem_lsn;
  s.sealed_lsn_samples = s.mem_lsn_samples;
  s.mem.Clear();
  ++stats_.chunks_sealed;
  return Status::Ok();
}

Status Historian::AppendChunkLocked(std::span<const uint8_t> bytes) {
  if (segments_.empty() || !segments_.back().file.valid() ||
      segments_.back().size >= options_.segment_max_bytes) {
    GANTRY_RETURN_IF_ERROR(OpenNewSegment());
  }
  Segment& seg = segments_.back();
  // Appended at the end with pwrite: the file position is not trusted after a torn-tail cut.
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(seg.file.get(), bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(seg.size + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write " + seg.path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  GANTRY_ASSIGN_OR_RETURN(ChunkHeader h, DecodeChunkHeader(bytes));
  ChunkRef ref{static_cast<uint32_t>(segments_.size() - 1), seg.size, h};
  seg.size += bytes.size();
  ++seg.live_chunks;
  Series& s = series_[h.series];
  auto at =
      std::upper_bound(s.chunks.begin(), s.chunks.end(), h.summary.t_min,
                       [](Timestamp t, const ChunkRef& c) { return t < c.header.summary.t_min; });
  s.chunks.insert(at, ref);
  return Status::Ok();
}

Result<int> Historian::FloorLevel() {
  if (options_.disk_floor_bytes == 0) return 0;
  const Timestamp now = clock_.Now();
  if (last_floor_check_ == INT64_MIN || now - last_floor_check_ >= kSecond) {
    auto free = options_.free_bytes ? options_.free_bytes(dir_) : StatvfsFree(dir_);
    GANTRY_RETURN_IF_ERROR(free.status());
    free_bytes_ = *free;
    last_floor_check_ = now;
  }
  stats_.disk_floor_alarm = free_bytes_ < options_.disk_floor_bytes;
  if (free_bytes_ < options_.disk_floor_bytes / 2) return 2;
  return stats_.disk_floor_alarm ? 1 : 0;
}

Status Historian::Sync() {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (!wal_dirty_) return Status::Ok();
  Status st = SyncFile(wal_.get(), wal_path_);
  if (!st.ok()) {
    failed_ = st;
    return st;
  }
  wal_dirty_ = false;
  last_sync_ = clock_.Now();
  ++stats_.wal_syncs;
  return Status::Ok();
}

Status Historian::Flush() {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  for (SeriesId id = 0; id < series_.size(); ++id) GANTRY_RETURN_IF_ERROR(Seal(id));
  return StartWal();
}

Status Historian::ApplyRetention() {
  std::lock_guard lock(mu_);
  return ApplyRetentionLocked();
}

const RetentionRule* Historian::RuleFor(const std::string& path) const {
  const RetentionRule* rule = nullptr;
  for (const RetentionRule& r : options_.retention) {
    if (path.rfind(r.prefix, 0) == 0 && (rule == nullptr || r.prefix.size() > rule->prefix.size()))
      rule = &r;
  }
  return rule != nullptr && rule->keep_raw > 0 ? rule : nullptr;
}

Timestamp Historian::RawHorizonLocked(const Series& s) const {
  Timestamp horizon = s.expired_through == INT64_MIN ? INT64_MIN : s.expired_through + 1;
  if (const RetentionRule* rule = RuleFor(s.path))
    horizon = std::max(horizon, clock_.Now() - rule->keep_raw);
  return horizon;
}

Status Historian::ApplyRetentionLocked() {
  if (options_.retention.empty()) return Status::Ok();
  const Timestamp now = clock_.Now();
  for (Series& s : series_) {
    const RetentionRule* rule = RuleFor(s.path);
    if (rule == nullptr) continue;
    const Timestamp raw_cutoff = now - rule->keep_raw;
    const Timestamp summary_cutoff =
        rule->keep_aggregates > rule->keep_raw ? now - rule->keep_aggregates : raw_cutoff;
    for (ChunkRef& c : s.chunks) {
      const Timestamp t_max = c.header.summary.t_max;
      if (t_max >= raw_cutoff) continue;
      s.expired_through = std::max(s.expired_through, t_max);
      if (t_max >= summary_cutoff) {
        if (c.summary_only()) continue;
        c.header.flags |= kChunkSummaryOnly;  // the segment rewrite drops the payload
        ++stats_.chunks_summarised;
      } else {
        --segments_[c.segment].live_chunks;
        ++stats_.chunks_expired;
      }
      segments_[c.segment].dirty = true;
    }
    std::erase_if(s.chunks,
                  [&](const ChunkRef& c) { return c.header.summary.t_max < summary_cutoff; });
  }
  return RemoveEmptySegmentsLocked();
}

// A segment with no live chunk left goes, unless it is the one being written. Its chunks are
// older than every retention cutoff or were merged into newer chunks, so replaying the WAL cannot
// need them.
Status Historian::RemoveEmptySegmentsLocked() {
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    Segment& seg = segments_[i];
    if (seg.file.valid() && seg.live_chunks == 0) {
      seg.file = FileHandle();
      stats_.maintenance_bytes_reclaimed += seg.size;
      GANTRY_RETURN_IF_ERROR(RemoveFile(seg.path));
      GANTRY_RETURN_IF_ERROR(SyncDir(dir_));
    }
  }
  return Status::Ok();
}

Status Historian::Verify() {
  std::lock_guard lock(mu_);
  for (const Series& s : series_) {
    for (const ChunkRef& c : s.chunks) {
      if (!c.summary_only()) GANTRY_RETURN_IF_ERROR(ReadChunk(c).status());
    }
  }
  return Status::Ok();
}

Result<Columns> Historian::ReadChunk(const ChunkRef& ref) const {
  const Segment& seg = segments_[ref.segment];
  std::vector<uint8_t> payload(ref.header.payload_len);
  GANTRY_RETURN_IF_ERROR(ReadAt(seg.file.get(), seg.path, ref.offset + kChunkHeaderSize, payload));
  auto c = DecodeChunkPayload(ref.header, payload);
  if (!c.ok()) return CorruptAt(seg.path, ref.offset, c.status().message());
  return c;
}

HistorianStats Historian::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace gantry::historian
