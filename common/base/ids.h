// Identifiers: random 64-bit ids (publisher ids, epochs, spool names), the
// stable content hash behind derived span_ids and ETags, and the 16-digit
// hex form in which 64-bit ids travel in JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trace {

// A random non-zero 64-bit id.
uint64_t RandomId();

// 128-bit FNV-1a style hash as 32 lowercase hex chars; deterministic across
// runs and machines (derived span_ids are stored: it never changes).
std::string StableHashHex(std::string_view data);
// Its first 64 bits (the first 16 hex digits as a number): FNV-1a 64 of
// data, then MurmurHash3's fmix64. Stored too (the store's `ids` keys): it
// never changes either.
uint64_t StableHash64(std::string_view data);

// 16 lowercase hex digits.
std::string Hex16(uint64_t v);

}  // namespace trace
