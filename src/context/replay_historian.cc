#include "context/replay_historian.h"

#include <algorithm>
#include <set>

#include "core/config_node.h"
#include "data/historian/historian.h"
#include "operations/operations_config.h"

namespace gantry::ctx {

Result<std::vector<std::string>> OperationsTagPaths(const ReplayInput& input) {
  Result<ConfigDocument> doc = input.config_path.empty()
                                   ? ConfigDocument::Parse(input.config_text, "config")
                                   : ConfigDocument::LoadFile(input.config_path);
  if (!doc.ok()) return doc.status();
  ops::OperationsConfig cfg = ops::ParseOperationsConfig(doc->Root());
  GANTRY_RETURN_IF_ERROR(doc->Finish());
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const ops::WorkCentreRules& wc : cfg.work_centres) {
    std::vector<std::string> paths = {wc.state_word_tag, wc.running_tag, wc.speed_tag,
                                      wc.fault_tag,      wc.starved_tag, wc.blocked_tag};
    for (const auto& c : wc.counters)
      if (c) paths.push_back(c->tag);
    for (std::string& p : paths)
      if (!p.empty() && seen.insert(p).second) out.push_back(std::move(p));
  }
  return out;
}

Result<std::string> ReplayFromHistorian(const ReplayInput& input, historian::Historian& store) {
  if (!input.from || !input.to || *input.to <= *input.from)
    return InvalidArgument("replay from the historian needs --from and --to, from before to");
  GANTRY_ASSIGN_OR_RETURN(std::vector<std::string> paths, OperationsTagPaths(input));
  SampleTable samples;
  for (const std::string& path : paths) {
    std::optional<historian::SeriesId> series = store.FindSeries(path);
    if (!series) continue;
    GANTRY_ASSIGN_OR_RETURN(std::optional<historian::Point> before,
                            store.LastBefore(*series, *input.from - 1));
    const auto tag = static_cast<TagId>(samples.paths.size());
    samples.paths.push_back(path);
    if (before)
      samples.samples.push_back(Sample{tag, before->time, before->value, before->quality, 0});
    std::optional<historian::RawCursor> cursor;
    do {
      GANTRY_ASSIGN_OR_RETURN(historian::RawPage page,
                              store.ReadRaw(*series, *input.from, *input.to + 1, 65536, cursor));
      for (historian::Point& p : page.points)
        samples.samples.push_back(Sample{tag, p.time, std::move(p.value), p.quality, 0});
      cursor = page.next;
    } while (cursor);
  }
  // Time order; ties keep configuration order, so the result does not depend on read order.
  std::stable_sort(samples.samples.begin(), samples.samples.end(),
                   [](const Sample& a, const Sample& b) { return a.time < b.time; });
  return ReplaySamples(input, samples);
}

}  // namespace gantry::ctx
