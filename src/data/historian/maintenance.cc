// Historian upkeep (Maintain): retention, compaction of overlapping chunks, zstd packing of cold
// chunks and segment rewrites. The crash-safety argument, step by step, is in
// docs/formats/historian.md ("Maintenance").
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "data/historian/historian.h"
#include "data/historian/store_internal.h"

namespace gantry::historian {

using namespace internal;  // NOLINT(google-build-using-namespace): this file implements it

namespace {

bool PackCandidate(const ChunkHeader& h, Timestamp pack_cutoff) {
  return h.summary.t_max < pack_cutoff &&
         (h.flags & (kChunkPacked | kChunkSummaryOnly | kChunkColdPlain)) == 0;
}

// Groups of chunk indexes (into a series' chunks, sorted by t_min) whose time ranges overlap;
// summary-only chunks take no part (their samples are gone).
std::vector<std::vector<size_t>> OverlapGroups(const auto& chunks) {
  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> cur;
  Timestamp cur_max = INT64_MIN;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].summary_only()) continue;
    const ChunkSummary& sum = chunks[i].header.summary;
    if (!cur.empty() && sum.t_min > cur_max) {
      if (cur.size() > 1) groups.push_back(std::move(cur));
      cur.clear();
    }
    cur.push_back(i);
    cur_max = cur.size() == 1 ? sum.t_max : std::max(cur_max, sum.t_max);
  }
  if (cur.size() > 1) groups.push_back(std::move(cur));
  return groups;
}

}  // namespace

void Historian::Step(std::string_view name) const {
  if (options_.maintenance_step) options_.maintenance_step(name);
}

bool Historian::Rewritable(uint32_t segment) const {
  return segments_[segment].file.valid() && segments_[segment].seq < wal_durable_segment_;
}

// Starts a new segment and checkpoints, so that every older segment is complete, synced and
// recorded as such in the WAL header: only those are rewritten.
Status Historian::RollSegmentLocked() {
  if (!segments_.empty() && segments_.back().size > kSegmentHeaderSize) {
    GANTRY_RETURN_IF_ERROR(OpenNewSegment());
  }
  return StartWal();
}

Status Historian::Maintain() {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  GANTRY_RETURN_IF_ERROR(ApplyRetentionLocked());
  const Timestamp pack_cutoff =
      options_.pack_after > 0 ? clock_.Now() - options_.pack_after : INT64_MIN;
  // Work in a segment that is still being written (or not yet covered by the WAL header) needs a
  // roll first.
  bool need_roll = false;
  for (const Series& s : series_) {
    for (const auto& group : OverlapGroups(s.chunks)) {
      for (size_t i : group) need_roll |= !Rewritable(s.chunks[i].segment);
    }
    for (const ChunkRef& c : s.chunks) {
      need_roll |= !Rewritable(c.segment) && PackCandidate(c.header, pack_cutoff);
    }
  }
  for (size_t i = 0; i < segments_.size(); ++i) {
    need_roll |= segments_[i].dirty && !Rewritable(static_cast<uint32_t>(i));
  }
  if (need_roll) GANTRY_RETURN_IF_ERROR(RollSegmentLocked());
  GANTRY_RETURN_IF_ERROR(CompactLocked(pack_cutoff));
  std::vector<bool> has_candidate(segments_.size(), false);
  for (const Series& s : series_) {
    for (const ChunkRef& c : s.chunks) {
      if (PackCandidate(c.header, pack_cutoff)) has_candidate[c.segment] = true;
    }
  }
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (!Rewritable(static_cast<uint32_t>(i)) || segments_[i].live_chunks == 0) continue;
    if (segments_[i].dirty || has_candidate[i]) {
      GANTRY_RETURN_IF_ERROR(RewriteSegmentLocked(i, pack_cutoff));
    }
  }
  return RemoveEmptySegmentsLocked();
}

// Each group of overlapping chunks of one series is merged (exact duplicates dropped) and cut
// into chunks at the chunk_span windows. The new chunks are appended to the newest segment and
// synced, and a checkpoint records them as durable, before the old chunks leave the index and
// their segments are rewritten without them. Until then both copies are on disk; they hold the
// same samples, which reads merge into one.
Status Historian::CompactLocked(Timestamp pack_cutoff) {
  bool wrote = false;
  for (SeriesId id = 0; id < series_.size(); ++id) {
    auto groups = OverlapGroups(series_[id].chunks);
    // Later groups first, so that erasing a group's chunks keeps earlier indexes valid.
    for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
      std::vector<ChunkRef> inputs;
      for (size_t i : *g) inputs.push_back(series_[id].chunks[i]);
      ValueType type = ValueType::kEmpty;
      bool mergeable = true;
      for (const ChunkRef& c : inputs) {
        if (!Rewritable(c.segment)) mergeable = false;
        if (c.header.type == ValueType::kEmpty) continue;
        if (type != ValueType::kEmpty && c.header.type != type) mergeable = false;
        type = c.header.type;
      }
      if (!mergeable) continue;  // mixed value types stay apart (queries merge them as today)
      std::vector<Columns> decoded;
      decoded.reserve(inputs.size());
      uint64_t lsn = 0;
      uint32_t lsn_samples = 0;
      for (const ChunkRef& c : inputs) {
        GANTRY_ASSIGN_OR_RETURN(Columns cols, ReadChunk(c));
        decoded.push_back(std::move(cols));
        if (c.header.lsn > lsn || (c.header.lsn == lsn && c.header.lsn_samples > lsn_samples)) {
          lsn = c.header.lsn;
          lsn_samples = c.header.lsn_samples;
        }
      }
      std::vector<const Columns*> views;
      for (const Columns& c : decoded) views.push_back(&c);
      const Columns merged = MergeSorted(views);
      // Cut at the chunk_span windows and max_chunk_samples, like sealing does.
      for (size_t begin = 0; begin < merged.size();) {
        const Timestamp window_end = WindowEnd(merged.times[begin], options_.chunk_span);
        size_t end = begin;
        Columns part;
        // Samples of one instant stay in one chunk, so that the new chunks never touch.
        while (end < merged.size() && merged.times[end] < window_end &&
               (part.size() < options_.max_chunk_samples ||
                (merged.times[end] == part.times.back() && part.size() < kMaxChunkSamples))) {
          part.AddFrom(merged, end++);
        }
        std::vector<uint8_t> bytes = EncodeChunk(id, lsn, lsn_samples, part);
        if (part.times.back() < pack_cutoff) {
          GANTRY_ASSIGN_OR_RETURN(bytes, PackChunk(bytes, options_.pack_level));
        }
        GANTRY_RETURN_IF_ERROR(AppendChunkLocked(bytes));
        ++stats_.compaction_chunks_written;
        begin = end;
      }
      // Out of the index go the inputs (matched by segment and offset; the outputs were inserted
      // by AppendChunkLocked, possibly among them).
      auto& chunks = series_[id].chunks;
      for (const ChunkRef& in : inputs) {
        auto it = std::find_if(chunks.begin(), chunks.end(), [&](const ChunkRef& c) {
          return c.segment == in.segment && c.offset == in.offset;
        });
        if (it == chunks.end()) return Internal("historian: compaction lost track of a chunk");
        chunks.erase(it);
        --segments_[in.segment].live_chunks;
        segments_[in.segment].dirty = true;
        ++stats_.chunks_compacted;
      }
      wrote = true;
    }
  }
  if (!wrote) return Status::Ok();
  Segment& active = segments_.back();
  GANTRY_RETURN_IF_ERROR(SyncFile(active.file.get(), active.path));
  Step("compact:outputs-synced");
  // The checkpoint records the new chunks as synced, so that damage to them is reported as
  // corruption rather than cut as a torn tail.
  GANTRY_RETURN_IF_ERROR(StartWal());
  Step("compact:checkpointed");
  return Status::Ok();
}

// Writes the segment's live chunks (summary-only ones reduced to their header, cold ones packed)
// to "<segment>.new", syncs it, renames it over the segment and syncs the folder. A crash leaves
// the old file or the new one; a leftover ".new" is removed at Open.
Status Historian::RewriteSegmentLocked(size_t index, Timestamp pack_cutoff) {
  Segment& seg = segments_[index];
  struct Live {
    uint64_t offset;
    ChunkRef* ref;
  };
  std::vector<Live> live;
  for (Series& s : series_) {
    for (ChunkRef& c : s.chunks) {
      if (c.segment == index) live.push_back({c.offset, &c});
    }
  }
  std::sort(live.begin(), live.end(),
            [](const Live& a, const Live& b) { return a.offset < b.offset; });
  const std::string tmp = seg.path + ".new";
  GANTRY_ASSIGN_OR_RETURN(FileHandle out, OpenFile(tmp, O_RDWR | O_CREAT | O_TRUNC));
  GANTRY_RETURN_IF_ERROR(WriteAll(out.get(), tmp, SegmentHeader()));
  uint64_t size = kSegmentHeaderSize;
  std::vector<std::pair<ChunkRef*, ChunkRef>> moved;
  for (const Live& l : live) {
    const ChunkRef& ref = *l.ref;
    std::vector<uint8_t> bytes;
    if (ref.summary_only()) {
      bytes = SummaryOnlyChunk(ref.header);
    } else {
      bytes.resize(kChunkHeaderSize + ref.header.payload_len);
      GANTRY_RETURN_IF_ERROR(ReadAt(seg.file.get(), seg.path, ref.offset, bytes));
      // A damaged chunk is never copied (it would get a fresh checksum): report it instead.
      if (auto c = DecodeChunk(bytes); !c.ok())
        return CorruptAt(seg.path, ref.offset, c.status().message());
      if (PackCandidate(ref.header, pack_cutoff)) {
        GANTRY_ASSIGN_OR_RETURN(bytes, PackChunk(bytes, options_.pack_level));
      }
    }
    GANTRY_ASSIGN_OR_RETURN(ChunkHeader h, DecodeChunkHeader(bytes));
    GANTRY_RETURN_IF_ERROR(WriteAll(out.get(), tmp, bytes));
    moved.push_back({l.ref, ChunkRef{static_cast<uint32_t>(index), size, h}});
    size += bytes.size();
  }
  GANTRY_RETURN_IF_ERROR(SyncFile(out.get(), tmp));
  Step("rewrite:new-synced");
  if (::rename(tmp.c_str(), seg.path.c_str()) != 0)
    return IoError("cannot rename " + tmp + " to " + seg.path + ": " + std::strerror(errno));
  Step("rewrite:renamed");
  GANTRY_RETURN_IF_ERROR(SyncDir(dir_));
  Step("rewrite:dir-synced");
  // The new file is in place: switch the index and the handle over to it.
  if (size < seg.size) stats_.maintenance_bytes_reclaimed += seg.size - size;
  for (auto& [ref, now] : moved) {
    if ((now.header.flags & kChunkPacked) != 0 && (ref->header.flags & kChunkPacked) == 0)
      ++stats_.chunks_packed;
    *ref = now;
  }
  seg.file = std::move(out);
  seg.size = size;
  seg.dirty = false;
  ++stats_.segments_rewritten;
  return Status::Ok();
}

std::vector<ChunkInfo> Historian::ChunksOf(SeriesId series) const {
  std::lock_guard lock(mu_);
  std::vector<ChunkInfo> out;
  if (series >= series_.size()) return out;
  for (const ChunkRef& c : series_[series].chunks) {
    ChunkInfo info;
    info.t_min = c.header.summary.t_min;
    info.t_max = c.header.summary.t_max;
    info.count = c.header.summary.count;
    info.stored_bytes = static_cast<uint32_t>(kChunkHeaderSize) + c.header.payload_len;
    info.packed = (c.header.flags & kChunkPacked) != 0;
    info.left_plain = (c.header.flags & kChunkColdPlain) != 0;
    info.summary_only = c.summary_only();
    info.segment = segments_[c.segment].seq;
    out.push_back(info);
  }
  return out;
}

}  // namespace gantry::historian
