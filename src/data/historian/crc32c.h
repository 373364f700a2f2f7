// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected 0x82F63B78): the checksum on every
// historian file record (WAL records, chunks, catalog entries). Software, slice-by-8.
//
//   uint32_t crc = Crc32c(bytes);            // whole buffer
//   crc = Crc32cExtend(crc, more_bytes);     // continue over a second buffer
#pragma once

#include <cstdint>
#include <span>

namespace gantry::historian {

// CRC-32C of `data` continued from `crc` (0 to start). Pure; thread-safe.
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data);
inline uint32_t Crc32c(std::span<const uint8_t> data) {
  return Crc32cExtend(0, data);
}

}  // namespace gantry::historian
