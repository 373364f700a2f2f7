// Historian queries: raw pages, last-before, interpolation and fixed-interval aggregates. A
// series is read as time-ordered pieces: a chunk that overlaps nothing is read alone (and its
// summary may stand for it); chunks and the memtable that overlap in time are decoded and merged
// with exact duplicates removed.
#include <algorithm>

#include "data/historian/historian.h"

namespace gantry::historian {

Result<Historian::Series*> Historian::FindSeriesLocked(SeriesId id) {
  if (id >= series_.size()) return NotFound("historian: no series " + std::to_string(id));
  return &series_[id];
}

Result<std::vector<Historian::Piece>> Historian::Pieces(Series& s, Timestamp from, Timestamp to,
                                                        bool with_summaries) {
  std::vector<Piece> raw;
  for (const ChunkRef& c : s.chunks) {
    if (c.summary_only() && !with_summaries) continue;
    if (c.header.summary.t_max >= from && c.header.summary.t_min < to) {
      raw.push_back({&c, nullptr, nullptr, c.header.summary.t_min, c.header.summary.t_max});
    }
  }
  if (!s.mem.empty()) {
    SortAndDedupe(s.mem);
    if (!s.mem.empty() && s.mem.times.back() >= from && s.mem.times.front() < to) {
      Piece p{nullptr, &s.mem, nullptr, s.mem.times.front(), s.mem.times.back()};
      auto at = std::upper_bound(raw.begin(), raw.end(), p.t_min,
                                 [](Timestamp t, const Piece& q) { return t < q.t_min; });
      raw.insert(at, p);
    }
  }
  std::vector<Piece> out;
  for (size_t i = 0; i < raw.size();) {
    size_t j = i + 1;
    Timestamp group_max = raw[i].t_max;
    while (j < raw.size() && raw[j].t_min <= group_max)
      group_max = std::max(group_max, raw[j++].t_max);
    bool has_summary_only = false;
    for (size_t k = i; k < j; ++k) has_summary_only |= raw[k].chunk && raw[k].chunk->summary_only();
    if (j == i + 1) {
      out.push_back(raw[i]);
    } else if (has_summary_only) {  // raw samples gone on one side: neither split nor merged
      out.push_back({nullptr, nullptr, nullptr, raw[i].t_min, group_max, true});
    } else {
      std::vector<std::shared_ptr<const Columns>> parts;
      std::vector<const Columns*> views;
      for (size_t k = i; k < j; ++k) {
        GANTRY_ASSIGN_OR_RETURN(auto c, PieceColumns(raw[k]));
        views.push_back(c.get());
        parts.push_back(std::move(c));
      }
      auto merged = std::make_shared<Columns>(MergeSorted(views));
      out.push_back({nullptr, nullptr, merged, raw[i].t_min, group_max});
    }
    i = j;
  }
  return out;
}

Result<std::shared_ptr<const Columns>> Historian::PieceColumns(const Piece& p) const {
  if (p.merged) return std::shared_ptr<const Columns>(p.merged);
  if (p.mem) return std::shared_ptr<const Columns>(std::shared_ptr<void>(), p.mem);  // borrowed
  GANTRY_ASSIGN_OR_RETURN(Columns c, ReadChunk(*p.chunk));
  return std::shared_ptr<const Columns>(std::make_shared<Columns>(std::move(c)));
}

Result<RawPage> Historian::ReadRaw(SeriesId series, Timestamp from, Timestamp to, size_t limit,
                                   std::optional<RawCursor> after) {
  if (limit == 0) return InvalidArgument("limit: must be at least 1");
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(Series * s, FindSeriesLocked(series));
  const Timestamp start = after ? std::max(from, after->time) : from;
  GANTRY_ASSIGN_OR_RETURN(auto pieces, Pieces(*s, start, to, false));
  RawPage page;
  size_t at_most = 0;  // samples in the pieces: reserve once instead of regrowing the page
  for (const Piece& p : pieces)
    at_most += p.chunk    ? p.chunk->header.summary.count
               : p.mem    ? p.mem->size()
               : p.merged ? p.merged->size()
                          : 0;
  page.points.reserve(std::min(at_most, limit));
  if (const Timestamp horizon = RawHorizonLocked(*s); from < horizon)
    page.raw_expired_before = horizon;
  Timestamp cur_time = 0;
  bool have_time = false;
  uint32_t index_at_time = 0;
  RawCursor last{};
  for (const Piece& p : pieces) {
    GANTRY_ASSIGN_OR_RETURN(auto cols, PieceColumns(p));
    const auto& t = cols->times;
    for (size_t i = std::lower_bound(t.begin(), t.end(), start) - t.begin(); i < t.size(); ++i) {
      if (t[i] >= to) return page;
      if (!have_time || t[i] != cur_time) {
        cur_time = t[i];
        have_time = true;
        index_at_time = 0;
      } else {
        ++index_at_time;
      }
      if (after && t[i] == after->time && index_at_time < after->skip) continue;
      if (page.points.size() == limit) {
        page.next = last;
        return page;
      }
      page.points.push_back(cols->PointAt(i));
      last = {t[i], index_at_time + 1};
    }
  }
  return page;
}

Result<std::optional<Point>> Historian::FindBackward(Series& s, Timestamp t, bool usable_only) {
  const Timestamp end = t == INT64_MAX ? INT64_MAX : t + 1;
  GANTRY_ASSIGN_OR_RETURN(auto pieces, Pieces(s, INT64_MIN, end, false));
  for (auto p = pieces.rbegin(); p != pieces.rend(); ++p) {
    if (usable_only && p->chunk && p->chunk->header.summary.usable == 0) continue;
    GANTRY_ASSIGN_OR_RETURN(auto cols, PieceColumns(*p));
    const auto& ts = cols->times;
    for (size_t i = std::upper_bound(ts.begin(), ts.end(), t) - ts.begin(); i-- > 0;) {
      if (!usable_only || cols->Usable(i)) return std::optional(cols->PointAt(i));
    }
  }
  return std::optional<Point>();
}

Result<std::optional<Point>> Historian::FindForward(Series& s, Timestamp t, bool usable_only) {
  GANTRY_ASSIGN_OR_RETURN(auto pieces, Pieces(s, t, INT64_MAX, false));
  for (const Piece& p : pieces) {
    if (usable_only && p.chunk && p.chunk->header.summary.usable == 0) continue;
    GANTRY_ASSIGN_OR_RETURN(auto cols, PieceColumns(p));
    const auto& ts = cols->times;
    for (size_t i = std::lower_bound(ts.begin(), ts.end(), t) - ts.begin(); i < ts.size(); ++i) {
      if (!usable_only || cols->Usable(i)) return std::optional(cols->PointAt(i));
    }
  }
  return std::optional<Point>();
}

Result<std::optional<Point>> Historian::LastBefore(SeriesId series, Timestamp t) {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(Series * s, FindSeriesLocked(series));
  return FindBackward(*s, t, false);
}

Result<std::optional<Point>> Historian::InterpolatedAt(SeriesId series, Timestamp t) {
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(Series * s, FindSeriesLocked(series));
  GANTRY_ASSIGN_OR_RETURN(auto before, FindBackward(*s, t, true));
  if (!before || before->time == t) return before;
  Point out{t, before->value, before->quality, 0};  // computed: no server stamped it
  if (before->value.type() != ValueType::kDouble) return std::optional(out);
  GANTRY_ASSIGN_OR_RETURN(auto after, FindForward(*s, t, true));
  if (!after) return std::optional(out);
  const double v0 = *before->value.AsDouble();
  const double v1 = *after->value.AsDouble();
  const double f =
      static_cast<double>(t - before->time) / static_cast<double>(after->time - before->time);
  out.value = Value(v0 + (v1 - v0) * f);
  // The worse of the two qualities (severity lives in the top bits).
  if (after->quality.code() >> 30 > before->quality.code() >> 30) out.quality = after->quality;
  return std::optional(out);
}

Result<std::vector<Bucket>> Historian::Aggregate(SeriesId series, Timestamp from, Timestamp to,
                                                 const AggregateOptions& options) {
  if (options.interval <= 0) return InvalidArgument("interval: must be positive");
  if (to <= from) return InvalidArgument("to: must be after from");
  if ((static_cast<uint64_t>(to) - static_cast<uint64_t>(from)) /
          static_cast<uint64_t>(options.interval) >
      1'000'000) {
    return InvalidArgument("interval: more than 1000000 intervals between from and to");
  }
  if (options.counter_width_bits > 64) return InvalidArgument("counter width: at most 64 bits");
  std::lock_guard lock(mu_);
  GANTRY_ASSIGN_OR_RETURN(Series * s, FindSeriesLocked(series));
  BucketAccumulator acc(from, to, options);
  // The value in force at `from`: a chunk wholly before it answers from its summary.
  GANTRY_ASSIGN_OR_RETURN(auto before, Pieces(*s, INT64_MIN, from, true));
  for (auto p = before.rbegin(); p != before.rend(); ++p) {
    if (p->chunk && p->chunk->header.summary.t_max < from) {
      const ChunkSummary& sum = p->chunk->header.summary;
      if (sum.usable == 0) continue;
      acc.Seed(sum.last_t, sum.last_v);
      break;
    }
    // Expired samples around `from`: the value in force there is unknown. Straddling `from`,
    // the piece is marked in the loop below; wholly before it, the first bucket with data is.
    if (p->unknown || (p->chunk && p->chunk->summary_only())) {
      if (p->t_max < from) acc.ForgetValue();
      break;
    }
    GANTRY_ASSIGN_OR_RETURN(auto cols, PieceColumns(*p));
    const auto& ts = cols->times;
    bool seeded = false;
    for (size_t i = std::lower_bound(ts.begin(), ts.end(), from) - ts.begin(); i-- > 0;) {
      if (cols->Usable(i)) {
        acc.Seed(ts[i], cols->NumericAt(i));
        seeded = true;
        break;
      }
    }
    if (seeded) break;
  }
  GANTRY_ASSIGN_OR_RETURN(auto pieces, Pieces(*s, from, to, true));
  for (const Piece& p : pieces) {
    if (p.unknown) {
      acc.MarkExpired(p.t_min, p.t_max, std::nullopt);
      continue;
    }
    if (p.chunk && acc.CanTake(p.chunk->header.summary, p.chunk->header.type)) {
      acc.Take(p.chunk->header.summary, p.chunk->header.type);
      continue;
    }
    if (p.chunk && p.chunk->summary_only()) {  // raw expired and the chunk spans buckets
      const ChunkSummary& sum = p.chunk->header.summary;
      if (sum.usable == 0) continue;  // nothing usable was in it: it changes no aggregate
      acc.MarkExpired(sum.t_min, sum.t_max, std::pair(sum.last_t, sum.last_v));
      continue;
    }
    GANTRY_ASSIGN_OR_RETURN(auto cols, PieceColumns(p));
    const auto& ts = cols->times;
    for (size_t i = std::lower_bound(ts.begin(), ts.end(), from) - ts.begin();
         i < ts.size() && ts[i] < to; ++i) {
      if (cols->Usable(i)) acc.Add(ts[i], cols->NumericAt(i));
    }
  }
  return acc.Finish();
}

}  // namespace gantry::historian
