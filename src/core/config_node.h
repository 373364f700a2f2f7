// Reading Gantry's YAML configuration with errors a commissioning engineer can act on. Every
// accessor that finds a problem records "FILE:LINE:COL: KEY.PATH: what was expected, got what"
// in the document's error list and returns a fallback, so that one `gantry check` run reports
// every error at once. A configuration with any recorded error must never be started.
//
//   GANTRY_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::LoadFile("plant.yaml"));
//   ConfigNode root = doc.Root();
//   root.AllowKeys({"devices", "sites"});
//   int port = root["api"].Int("port", 8080, 1, 65535);
//   for (ConfigNode dev : root["devices"].Items()) ...
//   GANTRY_RETURN_IF_ERROR(doc.Finish());   // all recorded errors as one Status
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace YAML {
class Node;
}

namespace gantry {

struct ConfigLocation {
  std::string file;
  int line = 0;                  // 1-based; 0 when unknown
  int column = 0;                // 1-based
  std::string ToString() const;  // "plant.yaml:12:5"
};

struct ConfigError {
  ConfigLocation where;
  std::string key_path;          // "devices[0].port"
  std::string message;           // "expected an integer from 1 to 65535, got 'abc'"
  std::string ToString() const;  // "plant.yaml:12:5: devices[0].port: expected ..."
};

class ConfigDocument;

// A view of one YAML node plus its dotted key path. Cheap to copy; valid while its document lives.
// Not thread-safe (records errors into the document).
class ConfigNode {
 public:
  ConfigNode(const ConfigNode&);
  ConfigNode& operator=(const ConfigNode&);
  ~ConfigNode();

  bool IsPresent() const;  // the key existed (possibly null)
  bool IsMap() const;
  bool IsSequence() const;
  bool IsScalar() const;
  const std::string& KeyPath() const { return key_path_; }
  ConfigLocation Location() const;

  // Child of a map; an absent child is a node with IsPresent() == false (no error recorded).
  ConfigNode operator[](std::string_view key) const;
  // Items of a sequence, in order; records an error when present but not a sequence.
  std::vector<ConfigNode> Items() const;
  // (key, value) pairs of a map, in file order; records an error when present but not a map.
  std::vector<std::pair<std::string, ConfigNode>> Entries() const;

  // Records an error for every key of this map that is not in `allowed` (with a "did you mean"
  // hint for near misses), and an error when this node is present but not a map.
  void AllowKeys(std::initializer_list<std::string_view> allowed) const;
  void AllowKeys(const std::vector<std::string>& allowed) const;

  // Required values: record "missing required key" when absent.
  std::string RequiredString(std::string_view key) const;
  // Optional values: `fallback` when absent. A present value of the wrong form records an error
  // naming the expected form and returns `fallback`.
  std::string String(std::string_view key, std::string fallback = {}) const;
  int64_t Int(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
  int64_t RequiredInt(std::string_view key, int64_t min, int64_t max) const;
  double Double(std::string_view key, double fallback) const;
  bool Bool(std::string_view key, bool fallback) const;
  // "250ms", "5s", "1h30m"; a bare number is seconds.
  Duration DurationValue(std::string_view key, Duration fallback, Duration min, Duration max) const;
  // One of `choices`; returns the index into choices, or `fallback_index` (also when absent).
  size_t Choice(std::string_view key, std::initializer_list<std::string_view> choices,
                size_t fallback_index) const;

  // This node's own scalar text (for sequences of scalars); records an error if not a scalar.
  std::string AsString() const;

  // Records an error at this node: "FILE:L:C: KEY.PATH: message".
  void Error(std::string message) const;
  // Records an error about a child key (located at the child when present, else here).
  void ErrorAt(std::string_view key, std::string message) const;

 private:
  friend class ConfigDocument;
  ConfigNode(ConfigDocument* doc, std::unique_ptr<YAML::Node> node, std::string key_path,
             bool present);
  ConfigNode Child(std::string_view key) const;

  ConfigDocument* doc_;
  std::unique_ptr<YAML::Node> node_;  // a yaml-cpp handle (itself a shared reference)
  std::string key_path_;
  bool present_;
};

// A parsed YAML file and the errors found while reading it. Move-only.
class ConfigDocument {
 public:
  // Reads and parses a file; a YAML syntax error is returned with file, line and column.
  static Result<ConfigDocument> LoadFile(const std::string& path);
  // Parses text; `file_name` is used in messages.
  static Result<ConfigDocument> Parse(std::string_view text, std::string file_name);

  ConfigDocument(ConfigDocument&&) noexcept;
  ConfigDocument& operator=(ConfigDocument&&) noexcept;
  ~ConfigDocument();

  ConfigNode Root();
  const std::string& FileName() const { return file_name_; }

  // Records an error; an exact repeat (same place, key and message) is recorded once, since
  // several layers may check the same part of the file.
  void AddError(ConfigError error);
  const std::vector<ConfigError>& Errors() const { return errors_; }
  // OK when no error was recorded; else InvalidArgument listing every error, one per line.
  Status Finish() const;

 private:
  ConfigDocument();
  std::string file_name_;
  std::unique_ptr<YAML::Node> root_;
  std::vector<ConfigError> errors_;
};

// Small helper for messages: 'text' quoted and cut to 60 characters.
std::string QuoteForMessage(std::string_view text);

}  // namespace gantry
