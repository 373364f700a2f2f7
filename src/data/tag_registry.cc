#include "data/tag_registry.h"

#include <algorithm>
#include <string>

namespace gantry {
namespace {

// "plant.yaml:12:5", or "tag #7 (no source location)" for tags built in code.
std::string DeclaredAt(const TagConfig& tag, size_t index) {
  if (tag.where.file.empty() && tag.where.line == 0)
    return "tag #" + std::to_string(index) + " (no source location)";
  return tag.where.ToString();
}

// True when `path` lies at or below `prefix` (prefix already stripped of a trailing '/').
bool UnderPrefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

size_t StringHeap(const std::string& s) {
  // Short strings live inside the std::string object (small-string optimisation).
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

TagRegistry::TagRegistry(std::vector<TagConfig> tags) : tags_(std::move(tags)) {
  tags_.shrink_to_fit();
  by_path_.resize(tags_.size());
  for (size_t i = 0; i < tags_.size(); ++i) by_path_[i] = static_cast<TagId>(i);
  std::sort(by_path_.begin(), by_path_.end(),
            [this](TagId a, TagId b) { return tags_[a].path < tags_[b].path; });
}

Result<TagRegistry> TagRegistry::Build(std::vector<TagConfig> tags) {
  if (tags.size() >= kInvalidTagId)
    return InvalidArgument("too many tags: " + std::to_string(tags.size()));
  std::string errors;
  auto add_error = [&errors](const std::string& e) {
    if (!errors.empty()) errors += '\n';
    errors += e;
  };
  bool invalid_path = false;
  for (size_t i = 0; i < tags.size(); ++i) {
    Status s = ValidateTagPath(tags[i].path);
    if (!s.ok()) {
      invalid_path = true;
      add_error(DeclaredAt(tags[i], i) + ": " + s.message());
    }
  }
  TagRegistry registry(std::move(tags));
  const auto& all = registry.tags_;
  bool duplicate = false;
  for (size_t k = 1; k < registry.by_path_.size(); ++k) {
    TagId first = registry.by_path_[k - 1];
    TagId second = registry.by_path_[k];
    if (all[first].path != all[second].path || all[first].path.empty()) continue;
    if (second < first) std::swap(first, second);
    duplicate = true;
    add_error("duplicate tag path '" + all[first].path + "': declared at " +
              DeclaredAt(all[first], first) + " and again at " + DeclaredAt(all[second], second) +
              "; every tag needs its own path");
  }
  if (invalid_path) return InvalidArgument(errors);
  if (duplicate) return AlreadyExists(errors);
  return registry;
}

std::optional<TagId> TagRegistry::Find(std::string_view path) const {
  auto it = std::lower_bound(by_path_.begin(), by_path_.end(), path,
                             [this](TagId id, std::string_view p) { return tags_[id].path < p; });
  if (it == by_path_.end() || tags_[*it].path != path) return std::nullopt;
  return *it;
}

std::vector<TagId> TagRegistry::WithPrefix(std::string_view prefix) const {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  std::vector<TagId> out;
  if (prefix.empty()) {
    out = by_path_;
    return out;
  }
  // Every path starting with `prefix` sorts at or after it and forms one contiguous run.
  auto it = std::lower_bound(by_path_.begin(), by_path_.end(), prefix,
                             [this](TagId id, std::string_view p) { return tags_[id].path < p; });
  for (; it != by_path_.end(); ++it) {
    std::string_view path = tags_[*it].path;
    if (path.compare(0, prefix.size(), prefix) != 0) break;
    if (UnderPrefix(path, prefix)) out.push_back(*it);
  }
  return out;
}

size_t TagRegistry::MemoryBytes() const {
  size_t bytes =
      sizeof(*this) + tags_.capacity() * sizeof(TagConfig) + by_path_.capacity() * sizeof(TagId);
  for (const TagConfig& t : tags_) {
    bytes += StringHeap(t.path) + StringHeap(t.unit) + StringHeap(t.description) +
             StringHeap(t.source) + StringHeap(t.where.file);
  }
  return bytes;
}

}  // namespace gantry
