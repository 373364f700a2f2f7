// Historian: open and crash recovery (catalog, segment index, WAL replay with torn-tail cut).
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
    return InvalidArgument(
        "historian options: chunk_span must be > 0 and max_chunk_samples in 1.." +
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
  // A segment rewrite that did not reach its rename leaves "<segment>.new": the old file is whole.
  GANTRY_ASSIGN_OR_RETURN(auto unfinished, ListNumbered(dir_, "seg-", ".dat.new"));
  for (uint64_t seq : unfinished) {
    GANTRY_RETURN_IF_ERROR(RemoveFile(NumberedPath(dir_, "seg-", seq, ".dat.new")));
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
    auto at =
        std::upper_bound(s.chunks.begin(), s.chunks.end(), ref.header.summary.t_min,
                         [](Timestamp t, const ChunkRef& c) { return t < c.header.summary.t_min; });
    s.chunks.insert(at, ref);
    if (h->lsn > s.sealed_lsn ||
        (h->lsn == s.sealed_lsn && h->lsn_samples > s.sealed_lsn_samples)) {
      s.sealed_lsn = h->lsn;
      s.sealed_lsn_samples = h->lsn_samples;
    }
    last_lsn_ = std::max(last_lsn_, h->lsn);
    if (ref.summary_only()) s.expired_through = std::max(s.expired_through, h->summary.t_max);
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
      if (rec.type != RecordType::kSampleBatch)
        return CorruptAt(path, rec.offset, "unexpected record type");
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

}  // namespace gantry::historian
