// The historian: Gantry's embedded time-series store. Every sample from the tag bus is written to
// a write-ahead log (acknowledged once durable by the sync policy), kept per series in a memtable,
// and sealed into compressed, checksummed chunks in segment files. Queries merge sealed chunks and
// memtables; aggregates over whole chunks use the chunk summaries. Format:
// docs/formats/historian.md.
//
//   GANTRY_ASSIGN_OR_RETURN(auto h, Historian::Open("/var/lib/gantry/historian", {}, clock));
//   GANTRY_RETURN_IF_ERROR(h->BindTag(7, "acme/plant1/line2/press/temperature"));
//   GANTRY_RETURN_IF_ERROR(h->Append(samples));           // OK = acknowledged
//   GANTRY_ASSIGN_OR_RETURN(auto hours, h->Aggregate(series, from, to, {.interval = kHour}));
//
// Thread safety: every public method may be called from any thread; one mutex serialises them
// (a long query delays appends; see the performance notes).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "core/time.h"
#include "data/historian/aggregate.h"
#include "data/historian/bytes.h"
#include "data/historian/chunk.h"
#include "data/historian/columns.h"
#include "data/historian/file_io.h"

namespace gantry::historian {

enum class SyncPolicy : uint8_t {
  kEveryBatch,  // fsync the WAL before Append returns (default)
  kInterval,    // fsync when sync_interval has passed since the last fsync (group commit)
  kNone,        // never fsync (tests, replays); data survives a process crash, not a power cut
};

// Raw data of series whose path starts with `prefix` is kept for `keep_raw` (0 = for ever); the
// chunk summaries (count/min/max/sum/first/last and the terms of time-weighted mean and counter
// delta) of expired chunks are kept for `keep_aggregates` (when longer than keep_raw), so that
// aggregates over whole chunks stay answerable after the raw samples are gone.
struct RetentionRule {
  std::string prefix;
  Duration keep_raw = 0;
  Duration keep_aggregates = 0;
};

struct HistorianOptions {
  SyncPolicy sync = SyncPolicy::kEveryBatch;
  Duration sync_interval = 100 * kMillisecond;
  Duration chunk_span = kHour;                // chunks are cut at multiples of this (UTC aligned)
  uint32_t max_chunk_samples = 1u << 16;      // and at this many samples
  uint64_t wal_checkpoint_bytes = 64u << 20;  // start a new WAL (and drop the old) past this
  uint64_t segment_max_bytes = 256u << 20;    // start a new segment file past this
  std::vector<RetentionRule> retention;       // longest matching prefix wins; none = keep
  // Disk floor: below `disk_floor_bytes` free, samples of low-priority series (priority < 0, see
  // SetPriority) are dropped from each batch and counted (the batch fails only if nothing is
  // left); below half of it every batch is refused. The alarm flag is in stats(). 0 disables.
  uint64_t disk_floor_bytes = 0;
  // Free bytes on the data folder's file system; defaults to statvfs. A seam for tests.
  std::function<Result<uint64_t>(const std::string& dir)> free_bytes;
  // Maintain() packs sealed chunks whose newest sample is older than now - pack_after with zstd
  // at `pack_level` (0 = never pack).
  Duration pack_after = 0;
  int pack_level = 3;
  // Test seam: called with the name of each durable step of Maintain() (crash tests kill the
  // process there). Steps: "compact:outputs-synced", "compact:checkpointed",
  // "rewrite:new-synced", "rewrite:renamed", "rewrite:dir-synced".
  std::function<void(std::string_view step)> maintenance_step;
};

struct HistorianStats {
  uint64_t samples_appended = 0;  // accepted into the WAL
  uint64_t batches_appended = 0;
  uint64_t wal_syncs = 0;
  uint64_t chunks_sealed = 0;
  uint64_t samples_replayed = 0;    // from the WAL at Open
  uint64_t wal_tail_bytes_cut = 0;  // torn tail removed at Open
  uint64_t segment_tail_bytes_cut = 0;
  uint64_t samples_refused_disk_floor = 0;
  uint64_t chunks_expired = 0;     // dropped by retention (raw and summary gone)
  uint64_t chunks_summarised = 0;  // raw samples expired, summary kept (keep_aggregates)
  uint64_t chunks_packed = 0;      // packed with zstd by Maintain()
  uint64_t chunks_compacted = 0;   // overlapping chunks merged away by Maintain()
  uint64_t compaction_chunks_written = 0;
  uint64_t segments_rewritten = 0;
  uint64_t maintenance_bytes_reclaimed = 0;  // segment bytes saved by rewrites
  bool disk_floor_alarm = false;             // free space is below the floor now
};

// Where a raw page stopped: the next page resumes after the first `skip` samples at `time`.
struct RawCursor {
  Timestamp time = 0;
  uint32_t skip = 0;
  friend bool operator==(const RawCursor&, const RawCursor&) = default;
};

struct RawPage {
  std::vector<Point> points;
  std::optional<RawCursor> next;  // set when more samples remain in the range
  // Set when the range starts before this time, before which raw samples of the series have
  // expired (retention): points before it may be missing; aggregates still answer there.
  std::optional<Timestamp> raw_expired_before;
};

// One stored chunk as seen by Historian::ChunksOf (tests, tools).
struct ChunkInfo {
  Timestamp t_min = 0, t_max = 0;
  uint32_t count = 0;
  uint32_t stored_bytes = 0;  // header + payload on disk
  bool packed = false;        // zstd-packed
  bool left_plain = false;    // cold, but zstd would not shrink it
  bool summary_only = false;
  uint64_t segment = 0;  // sequence number of its segment file
};

class Historian {
 public:
  // Opens or creates the store in `dir`: loads the catalog, indexes the segments, replays the
  // WAL (cutting a torn tail) and starts a fresh WAL. Corrupt names the file and offset of damage
  // outside a torn tail. `clock` must outlive the historian. One process per folder (flock).
  static Result<std::unique_ptr<Historian>> Open(std::string dir, HistorianOptions options,
                                                 const Clock& clock);
  ~Historian();
  Historian(const Historian&) = delete;
  Historian& operator=(const Historian&) = delete;

  // The stored series for a tag path, created (and durably recorded) on first use. Data of a
  // path survives configuration changes that renumber TagIds.
  Result<SeriesId> SeriesFor(std::string_view path);
  std::optional<SeriesId> FindSeries(std::string_view path) const;
  std::optional<std::string> PathOf(SeriesId series) const;
  // Routes samples of `tag` to the series of `path`. An unbound TagId n is stored under the
  // path "tag/<n>".
  Status BindTag(TagId tag, std::string_view path);
  // Low-priority series (priority < 0) are refused first when the disk floor is reached.
  Status SetPriority(SeriesId series, int priority);

  // Stores `samples`. OK is the acknowledgement: the samples are in the WAL and synced as the
  // policy says. ResourceExhausted when the disk floor refuses them (nothing is stored then).
  Status Append(std::span<const Sample> samples);
  // Forces an fsync of the WAL (for kInterval callers with a quiet bus).
  Status Sync();
  // Seals every memtable into chunks and checkpoints the WAL (shutdown, tests, benchmarks).
  Status Flush();
  // Drops chunks older than their retention rule (or keeps only their summary, see
  // RetentionRule); whole segment files are deleted once empty. Space inside a segment is
  // reclaimed by Maintain().
  Status ApplyRetention();
  // Background upkeep, safe to run at any time (the runtime runs it every few minutes):
  // retention, compaction of overlapping chunks (late data) into sorted non-overlapping ones,
  // zstd packing of cold chunks, and rewriting segments to reclaim space. Crash-safe: new files
  // are synced before old ones are replaced (rename), so a crash leaves old or new data, and
  // samples that briefly exist twice are exact duplicates, which reads drop.
  Status Maintain();
  // The chunks of a series in time order (empty for an unknown series).
  std::vector<ChunkInfo> ChunksOf(SeriesId series) const;
  // Reads every chunk and checks its checksum; the first damage found names file and offset.
  Status Verify();

  // Samples with from <= time < to in time order, at most `limit` (>= 1), resuming after `after`.
  Result<RawPage> ReadRaw(SeriesId series, Timestamp from, Timestamp to, size_t limit,
                          std::optional<RawCursor> after = std::nullopt);
  // The latest sample with time <= t (any quality), if any.
  Result<std::optional<Point>> LastBefore(SeriesId series, Timestamp t);
  // The value at t: linear between the usable samples around t for doubles, the previous value
  // (step) for other types; the previous value held when nothing follows. nullopt before data.
  Result<std::optional<Point>> InterpolatedAt(SeriesId series, Timestamp t);
  // Fixed intervals [from + k*interval, ...) up to `to`; see aggregate.h for the semantics.
  Result<std::vector<Bucket>> Aggregate(SeriesId series, Timestamp from, Timestamp to,
                                        const AggregateOptions& options);

  HistorianStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  struct ChunkRef {
    uint32_t segment;  // index into segments_
    uint64_t offset;
    ChunkHeader header;  // kChunkSummaryOnly may be set here before the segment is rewritten
    bool summary_only() const { return (header.flags & kChunkSummaryOnly) != 0; }
  };
  struct Series {
    std::string path;
    int priority = 0;
    std::vector<ChunkRef> chunks;  // sorted by t_min
    Columns mem;
    uint64_t mem_lsn = 0;          // batch of the newest sample added
    uint32_t mem_lsn_samples = 0;  // samples of this series added from batch mem_lsn
    Timestamp mem_window_end = 0;
    uint64_t sealed_lsn = 0;  // replay marker of the newest chunk (see ChunkHeader)
    uint32_t sealed_lsn_samples = 0;
    Timestamp expired_through = INT64_MIN;  // newest time of a chunk whose raw samples expired
  };
  struct Segment {
    uint64_t seq;
    std::string path;
    FileHandle file;
    uint64_t size;
    uint32_t live_chunks = 0;
    bool dirty = false;  // holds dropped or summarised chunks: Maintain() rewrites it
  };
  // A time-ordered piece of a series for queries: one chunk alone, or merged columns.
  struct Piece {
    const ChunkRef* chunk = nullptr;
    const Columns* mem = nullptr;     // the memtable, borrowed under the lock
    std::shared_ptr<Columns> merged;  // shared: pieces are copied into small vectors
    Timestamp t_min = 0, t_max = 0;
    bool unknown = false;  // a summary-only chunk overlapping others: cannot be split or merged
  };

  Historian(std::string dir, HistorianOptions options, const Clock& clock);
  Status Recover();
  Status LoadCatalog();
  Status IndexSegment(size_t index, uint64_t durable_length, bool may_be_torn);
  Status ReplayWal(const std::vector<uint64_t>& wal_seqs);
  Status StartWal();  // checkpoint: new WAL with the memtables' contents, old WAL files removed
  Status AddSeriesLocked(SeriesId id, std::string path, bool persist);
  Result<SeriesId> SeriesForLocked(std::string_view path);
  void BindLocked(TagId tag, SeriesId id);
  Status ApplyToMemtable(SeriesId id, const Sample& s, uint64_t lsn);
  Status Seal(SeriesId id);
  // Appends an encoded chunk to the newest segment and indexes it.
  Status AppendChunkLocked(std::span<const uint8_t> bytes);
  Status OpenNewSegment();
  // 0: accept, 1: below the floor (refuse low priority), 2: below half the floor (refuse all).
  Result<int> FloorLevel();
  Status ApplyRetentionLocked();
  Status RemoveEmptySegmentsLocked();
  const RetentionRule* RuleFor(const std::string& path) const;
  Timestamp RawHorizonLocked(const Series& s) const;
  bool Rewritable(uint32_t segment) const;
  Status RollSegmentLocked();
  Status CompactLocked(Timestamp pack_cutoff);
  Status RewriteSegmentLocked(size_t index, Timestamp pack_cutoff);
  void Step(std::string_view name) const;
  Result<Series*> FindSeriesLocked(SeriesId id);
  Result<Columns> ReadChunk(const ChunkRef& ref) const;
  // with_summaries: include summary-only chunks (aggregates); raw reads leave them out.
  Result<std::vector<Piece>> Pieces(Series& s, Timestamp from, Timestamp to, bool with_summaries);
  Result<std::shared_ptr<const Columns>> PieceColumns(const Piece& p) const;
  Result<std::optional<Point>> FindBackward(Series& s, Timestamp t, bool usable_only);
  Result<std::optional<Point>> FindForward(Series& s, Timestamp t, bool usable_only);

  const std::string dir_;
  const HistorianOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  FileHandle lock_file_;
  FileHandle catalog_;
  std::vector<Series> series_;  // by SeriesId
  std::map<std::string, SeriesId, std::less<>> by_path_;
  std::vector<SeriesId> tag_binding_;  // by TagId below kDenseTags; kNoSeries when unbound
  std::unordered_map<TagId, SeriesId> sparse_binding_;  // TagIds from kDenseTags up
  std::vector<Segment> segments_;
  FileHandle wal_;
  std::string wal_path_;
  uint64_t wal_seq_ = 0;
  uint64_t wal_size_ = 0;
  uint64_t last_lsn_ = 0;
  uint64_t wal_durable_segment_ = 0;  // the current WAL's header: segments below it are synced
  Timestamp last_sync_ = 0;
  bool wal_dirty_ = false;
  Timestamp last_floor_check_ = INT64_MIN;
  uint64_t free_bytes_ = UINT64_MAX;
  HistorianStats stats_;
  Status failed_;  // sticky: set when a WAL write or sync failed
  ByteWriter scratch_;
  std::vector<SeriesId> scratch_series_;
};

}  // namespace gantry::historian
