// The historian's log files (the write-ahead log and the tag catalog): a checksummed file header
// followed by framed records, each carrying its own length and CRC-32C. Scanning is pure (bytes
// in, records out) and stops at the first record that is short or fails its checksum, reporting
// where: on recovery the caller cuts such a tail from the newest log, and treats it as corruption
// anywhere else. Also the sample-batch record of the WAL. Grammar: docs/formats/historian.md.
//
//   ByteWriter w;  size_t at = BeginRecord(w, RecordType::kSampleBatch);  ...;  EndRecord(w, at);
//   LogScan scan = ScanRecords(file_bytes, kLogHeaderSize);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/status.h"
#include "data/historian/bytes.h"
#include "data/historian/columns.h"

namespace gantry::historian {

inline constexpr uint32_t kWalMagic = 0x4C415747;      // "GWAL"
inline constexpr uint32_t kCatalogMagic = 0x54414347;  // "GCAT"
inline constexpr uint32_t kLogVersion = 1;
inline constexpr size_t kLogHeaderSize = 28;
inline constexpr size_t kRecordHeaderSize = 9;
inline constexpr uint32_t kMaxRecordPayload = 64u << 20;

// Set in a WAL sample's value_type byte when server_time - time follows the value.
inline constexpr uint8_t kWalHasServerTime = 0x80;

enum class RecordType : uint8_t { kSampleBatch = 1, kCatalogEntry = 2 };

struct LogFileHeader {
  uint32_t magic = 0;
  // WAL only: when the file was started, segments below durable_segment were complete and
  // synced, and segment durable_segment was synced up to durable_length bytes.
  uint64_t durable_segment = 0;
  uint64_t durable_length = 0;
};

std::vector<uint8_t> EncodeLogHeader(const LogFileHeader& h);
// Checks size, magic (must equal `magic`), version and checksum.
Result<LogFileHeader> DecodeLogHeader(std::span<const uint8_t> bytes, uint32_t magic);

// Starts a record in `w`; returns its start, to pass to EndRecord after writing the payload.
size_t BeginRecord(ByteWriter& w, RecordType type);
// Fills in the length and checksum of the record begun at `start`.
void EndRecord(ByteWriter& w, size_t start);

struct LogRecord {
  RecordType type;
  std::span<const uint8_t> payload;
  uint64_t offset;  // of the record header in the file
};

struct LogScan {
  std::vector<LogRecord> records;
  uint64_t valid_end = 0;  // offset just past the last good record
  std::string problem;     // empty when the scan reached the end cleanly
};

// Reads records from `start` until the end or the first bad record. Never reads outside `bytes`.
LogScan ScanRecords(std::span<const uint8_t> bytes, size_t start);

// A WAL sample batch: its sequence number and samples whose `tag` holds the SeriesId.
struct SampleBatch {
  uint64_t lsn = 0;
  std::vector<Sample> samples;
};

// Appends a sample-batch payload; series[i] is the stored series of samples[i].
void EncodeSampleBatch(uint64_t lsn, std::span<const Sample> samples,
                       std::span<const SeriesId> series, ByteWriter& w);
Result<SampleBatch> DecodeSampleBatch(std::span<const uint8_t> payload);

}  // namespace gantry::historian
