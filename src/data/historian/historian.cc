// Historian: open and recovery, append, sealing, checkpoints, retention and the disk floor.
// Queries are in query.cc.
#include "data/historian/historian.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "data/historian/crc32c.h"
#include "data/historian/log_format.h"

namespace gantry::historian {
namespace {

constexpr SeriesId kNoSeries = UINT32_MAX;
constexpr TagId kDenseTags = 1u << 20;  // bindings below this live in a vector
constexpr uint32_t kSegmentMagic = 0x47455347;  // "GSEG"
constexpr uint32_t kSegmentVersion = 1;
constexpr size_t kSegmentHeaderSize = 12;

std::vector<uint8_t> SegmentHeader() {
  ByteWriter w;
  w.PutU32(kSegmentMagic);
  w.PutU32(kSegmentVersion);
  w.PutU32(Crc32c(w.bytes()));
  return std::move(w.buffer());
}

Status CorruptAt(const std::string& path, uint64_t offset, const std::string& what) {
  return Corrupt(path + " at offset " + std::to_string(offset) + ": " + what);
}

Result<uint64_t> StatvfsFree(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return IoError("statvfs " + dir + ": " + std::strerror(errno));
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

Timestamp WindowEnd(Timestamp t, Duration span) {
  Timestamp start = t / span * span;
  if (t < 0 && start != t) start -= span;
  return start > INT64_MAX - span ? INT64_MAX : start + span;
}

}  // namespace

Historian::Historian(std::string dir, HistorianOptions options, const Clock& clock)
    : dir_(std::move(dir)), options_(std::move(options)), clock_(clock) {}

Historian::~Historian() {
  std::lock_guard lock(mu_);
  if (wal_.valid() && wal_dirty_ && options_.sync != SyncPolicy::kNone) {
    (void)SyncFile(wal_.get(), wal_path_);
  }
}

Result<std::unique_ptr<Historian>> Historian::Open(std::string dir, HistorianOptions options,
                                                   const Clock& clock) {
  if (options.chunk_span <= 0 || options.max_chunk_samples == 0 ||
      options.max_chunk_samples > kMaxChunkSamples) {
    return InvalidArgument("historian options: chunk_span must be > 0 and max_chunk_samples in 1.." +
                           std::to_string(kMaxChunkSamples));
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return IoError("cannot create historian folder " + dir + ": " + std::strerror(errno));
  }
  std::unique_ptr<Historian> h(new Historian(std::move(dir), std::move(options), clock));
  GANTRY_ASSIGN_OR_RETURN(h->lock_file_, OpenFile(h->dir_ + "/LOCK", O_RDWR | O_CREAT));
  if (::flock(h->lock_file_.get(), LOCK_EX | LOCK_NB) != 0) {
    return FailedPrecondition("historian folder " + h->dir_ + " is in use by another process");
  }
  std::lock_guard lock(h->mu_);
  GANTRY_RETURN_IF_ERROR(h->Recover());
  return h;
}

Status Historian::Recover() {
  GANTRY_RETURN_IF_ERROR(LoadCatalog());
  GANTRY_ASSIGN_OR_RETURN(auto wal_seqs, ListNumbered(dir_, "wal-", ".log"));
  // The oldest readable WAL header says how much of the segments was synced at its checkpoint;
  // anything past that may be a torn tail, anything before it must be intact.
  LogFileHeader durable;
  bool have_durable = false;
  for (uint64_t seq : wal_seqs) {
    const std::string path = NumberedPath(dir_, "wal-", seq, ".log");
    GANTRY_ASSIGN_OR_RETURN(auto bytes, ReadWholeFile(path));
    auto header = DecodeLogHeader(bytes, kWalMagic);
    if (header.ok()) {
      durable = *header;
      have_durable = true;
      break;
    }
  }
  GANTRY_ASSIGN_OR_RETURN(auto seg_seqs, ListNumbered(dir_, "seg-", ".dat"));
  for (uint64_t seq : seg_seqs) {
    Segment seg{seq, NumberedPath(dir_, "seg-", seq, ".dat"), FileHandle(), 0};
    GANTRY_ASSIGN_OR_RETURN(seg.file, OpenFile(seg.path, O_RDWR));
    segments_.push_back(std::move(seg));
    uint64_t durable_length = UINT64_MAX;  // without a WAL every byte must be intact
    if (have_durable) {
      durable_length = seq < durable.durable_segment    ? UINT64_MAX
                       : seq == durable.durable_segment ? durable.durable_length
                                                        : 0;
    }
    GANTRY_RETURN_IF_ERROR(IndexSegment(segments_.size() - 1, durable_length, have_durable));
  }
  GANTRY_RETURN_IF_ERROR(ReplayWal(wal_seqs));
  GANTRY_RETURN_IF_ERROR(StartWal());
  return ApplyRetentionLocked();
}

Status Historian::LoadCatalog() {
  const std::string path = dir_ + "/catalog.log";
  auto bytes = ReadWholeFile(path);
  std::vector<uint8_t> data = bytes.ok() ? std::move(*bytes) : std::vector<uint8_t>();
  if (data.size() < kLogHeaderSize) {  // new, or created and torn before its header was synced
    GANTRY_ASSIGN_OR_RETURN(catalog_, OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC));
    GANTRY_RETURN_IF_ERROR(WriteAll(catalog_.get(), path, EncodeLogHeader({kCatalogMagic, 0, 0})));
    GANTRY_RETURN_IF_ERROR(SyncFile(catalog_.get(), path));
    return SyncDir(dir_);
  }
  auto header = DecodeLogHeader(data, kCatalogMagic);
  if (!header.ok()) return CorruptAt(path, 0, header.status().message());
  LogScan scan = ScanRecords(data, kLogHeaderSize);
  for (const LogRecord& rec : scan.records) {
    ByteReader r(rec.payload);
    const uint32_t id = r.U32();
    const int32_t priority = static_cast<int32_t>(r.U32());
    std::string_view p = r.String();
    if (!r.ok() || r.remaining() != 0 || rec.type != RecordType::kCatalogEntry) {
      return CorruptAt(path, rec.offset, "malformed catalog entry");
    }
    if (id < series_.size()) {  // a later entry updates the priority
      series_[id].priority = priority;
      continue;
    }
    if (id != series_.size()) return CorruptAt(path, rec.offset, "catalog series ids not dense");
    GANTRY_RETURN_IF_ERROR(AddSeriesLocked(id, std::string(p), false));
    series_[id].priority = priority;
  }
  if (!scan.problem.empty()) {  // an entry is synced before it is used: a bad tail was never used
    stats_.wal_tail_bytes_cut += data.size() - scan.valid_end;
    GANTRY_RETURN_IF_ERROR(TruncateFile(path, scan.valid_end));
  }
  GANTRY_ASSIGN_OR_RETURN(catalog_, OpenFile(path, O_WRONLY | O_APPEND));
  return Status::Ok();
}

Status Historian::IndexSegment(size_t index, uint64_t durable_length, bool tail_may_be_torn) {
  Segment& seg = segments_[index];
  GANTRY_ASSIGN_OR_RETURN(uint64_t size, FileSize(seg.file.get(), seg.path));
  uint64_t pos = 0;
  std::string problem;
  std::vector<uint8_t> head(kChunkHeaderSize);
  if (size < kSegmentHeaderSize) {
    problem = "segment header truncated";
  } else {
    std::vector<uint8_t> sh(kSegmentHeaderSize);
    GANTRY_RETURN_IF_ERROR(ReadAt(seg.file.get(), seg.path, 0, sh));
    if (sh != SegmentHeader()) {
      problem = "bad segment header";
    } else {
      pos = kSegmentHeaderSize;
    }
  }
  while (problem.empty() && pos < size) {
    if (size - pos < kChunkHeaderSize) {
      problem = "chunk header truncated";
      break;
    }
    GANTRY_RETURN_IF_ERROR(ReadAt(seg.file.get(), seg.path, pos, head));
    auto h = DecodeChunkHeader(head);
    if (!h.ok()) {
      problem = h.status().message();
      break;
    }
    if (h->payload_len > size - pos - kChunkHeaderSize) {
      problem = "chunk payload runs past the end of the file";
      break;
    }
    if (h->series >= series_.size()) {
      problem = "chunk of unknown series " + std::to_string(h->series);
      break;
    }
    Series& s = series_[h->series];
    ChunkRef ref{static_cast<uint32_t>(index), pos, *h};
    auto at = std::upper_bound(s.chunks.begin(), s.chunks.end(), ref.header.summary.t_min,
                               [](Timestamp t, const ChunkRef& c) { return t < c.header.summary.t_min; });
    s.chunks.insert(at, ref);
    if (h->lsn > s.sealed_lsn || (h->lsn == s.sealed_lsn && h->lsn_samples > s.sealed_lsn_samples)) {
      s.sealed_lsn = h->lsn;
      s.sealed_lsn_samples = h->lsn_samples;
    }
    last_lsn_ = std::max(last_lsn_, h->lsn);
    ++seg.live_chunks;
    pos += kChunkHeaderSize + h->payload_len;
  }
  if (!problem.empty()) {
    if (!tail_may_be_torn || pos < durable_length) return CorruptAt(seg.path, pos, problem);
    stats_.segment_tail_bytes_cut += size - pos;
    if (pos == 0) {
      GANTRY_RETURN_IF_ERROR(TruncateFile(seg.path, 0));
      GANTRY_RETURN_IF_ERROR(WriteAll(seg.file.get(), seg.path, SegmentHeader()));
      pos = kSegmentHeaderSize;
    } else {
      GANTRY_RETURN_IF_ERROR(TruncateFile(seg.path, pos));
    }
  }
  seg.size = pos;
  return Status::Ok();
}

Status Historian::ReplayWal(const std::vector<uint64_t>& wal_seqs) {
  for (size_t k = 0; k < wal_seqs.size(); ++k) {
    const bool newest = k + 1 == wal_seqs.size();
    const std::string path = NumberedPath(dir_, "wal-", wal_seqs[k], ".log");
    GANTRY_ASSIGN_OR_RETURN(auto bytes, ReadWholeFile(path));
    auto header = DecodeLogHeader(bytes, kWalMagic);
    if (!header.ok()) {
      // A WAL is synced with its header before older ones are removed: only the newest can be torn.
      if (!newest) return CorruptAt(path, 0, header.status().message());
      stats_.wal_tail_bytes_cut += bytes.size();
      continue;
    }
    LogScan scan = ScanRecords(bytes, kLogHeaderSize);
    for (const LogRecord& rec : scan.records) {
      if (rec.type != RecordType::kSampleBatch) return CorruptAt(path, rec.offset, "unexpected record type");
      auto batch = DecodeSampleBatch(rec.payload);
      if (!batch.ok()) return CorruptAt(path, rec.offset, batch.status().message());
      last_lsn_ = std::max(last_lsn_, batch->lsn);
      std::map<SeriesId, uint32_t> seen;  // samples of each series so far in this batch
      for (const Sample& s : batch->samples) {
        if (s.tag >= series_.size()) return CorruptAt(path, rec.offset, "sample of unknown series");
        Series& se = series_[s.tag];
        const uint32_t nth = ++seen[s.tag];
        if (batch->lsn < se.sealed_lsn) continue;  // already in a sealed chunk
        if (batch->lsn == se.sealed_lsn && nth <= se.sealed_lsn_samples) {
          se.mem_lsn = batch->lsn;  // the next sample of this batch is number k + 1
          se.mem_lsn_samples = nth;
          continue;
        }
        GANTRY_RETURN_IF_ERROR(ApplyToMemtable(s.tag, s, batch->lsn));
        ++stats_.samples_replayed;
      }
    }
    if (!scan.problem.empty()) {
      if (!newest) return CorruptAt(path, scan.valid_end, scan.problem);
      stats_.wal_tail_bytes_cut += bytes.size() - scan.valid_end;
    }
  }
  return Status::Ok();
}

Status Historian::StartWal() {
  LogFileHeader header{kWalMagic, 0, 0};
  if (!segments_.empty()) {
    Segment& cur = segments_.back();
    if (cur.file.valid()) GANTRY_RETURN_IF_ERROR(SyncFile(cur.file.get(), cur.path));
    header.durable_segment = cur.seq;
    header.durable_length = cur.size;
  }
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
      carry.push_back({id, s.mem.times[i], s.mem.ValueAt(i), Quality(s.mem.quality[i])});
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
  se->mem.Add(s.time, s.value, s.quality);
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
  const std::vector<uint8_t> bytes = EncodeChunk(id, s.mem_lsn, s.mem_lsn_samples, s.mem);
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
  auto at = std::upper_bound(s.chunks.begin(), s.chunks.end(), h.summary.t_min,
                             [](Timestamp t, const ChunkRef& c) { return t < c.header.summary.t_min; });
  s.chunks.insert(at, ref);
  s.sealed_lsn = s.mem_lsn;
  s.sealed_lsn_samples = s.mem_lsn_samples;
  s.mem.Clear();
  ++stats_.chunks_sealed;
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

Status Historian::ApplyRetentionLocked() {
  if (options_.retention.empty()) return Status::Ok();
  const Timestamp now = clock_.Now();
  for (Series& s : series_) {
    const RetentionRule* rule = nullptr;
    for (const RetentionRule& r : options_.retention) {
      if (s.path.rfind(r.prefix, 0) == 0 && (rule == nullptr || r.prefix.size() > rule->prefix.size())) {
        rule = &r;
      }
    }
    if (rule == nullptr || rule->keep_raw <= 0) continue;
    const Timestamp cutoff = now - rule->keep_raw;
    auto expired = [&](const ChunkRef& c) { return c.header.summary.t_max < cutoff; };
    for (const ChunkRef& c : s.chunks) {
      if (expired(c)) {
        --segments_[c.segment].live_chunks;
        ++stats_.chunks_expired;
      }
    }
    std::erase_if(s.chunks, expired);
  }
  // A segment with no live chunk left goes, unless it is the one being written. Its chunks are
  // older than every retention cutoff, so replaying the WAL cannot need them.
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    Segment& seg = segments_[i];
    if (seg.file.valid() && seg.live_chunks == 0) {
      seg.file = FileHandle();
      GANTRY_RETURN_IF_ERROR(RemoveFile(seg.path));
    }
  }
  return Status::Ok();
}

Status Historian::Verify() {
  std::lock_guard lock(mu_);
  for (const Series& s : series_) {
    for (const ChunkRef& c : s.chunks) GANTRY_RETURN_IF_ERROR(ReadChunk(c).status());
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
