// The tag registry: every configured tag, addressed by a dense TagId (its index) or by its ISA-95
// path. Built once from the configuration and immutable afterwards, so any thread may read it.
//
//   GANTRY_ASSIGN_OR_RETURN(TagRegistry tags, TagRegistry::Build(std::move(configs)));
//   std::optional<TagId> id = tags.Find("acme/plant1/packaging/line1/filler/state");
//   for (TagId t : tags.WithPrefix("acme/plant1/packaging")) use(tags.Get(t).path);
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "core/tag.h"

namespace gantry {

class TagRegistry {
 public:
  // An empty registry (no tags).
  TagRegistry() = default;

  // Takes the tags in configuration order; tag i gets TagId i. Errors: InvalidArgument when a path
  // is malformed, AlreadyExists when two tags share a path (the message names both declaration
  // locations). All problems are reported in one Status, one per line.
  static Result<TagRegistry> Build(std::vector<TagConfig> tags);

  // Number of tags; valid ids are 0 .. size()-1.
  size_t size() const { return tags_.size(); }

  // The tag with this id. Precondition: id < size().
  const TagConfig& Get(TagId id) const { return tags_[id]; }

  // The id of the tag with exactly this path, or nullopt. O(log n), no allocation.
  std::optional<TagId> Find(std::string_view path) const;

  // Ids of the tags at or below `prefix`, sorted by path. The prefix matches whole segments:
  // "a/b" matches "a/b" and "a/b/c" but not "a/bc"; a trailing '/' is ignored; "" matches all.
  std::vector<TagId> WithPrefix(std::string_view prefix) const;

  // Heap and inline bytes held by the registry (strings, vectors); for memory reports.
  size_t MemoryBytes() const;

 private:
  explicit TagRegistry(std::vector<TagConfig> tags);

  std::vector<TagConfig> tags_;  // indexed by TagId
  std::vector<TagId> by_path_;   // all ids, sorted by path: Find and WithPrefix search here
};

}  // namespace gantry
