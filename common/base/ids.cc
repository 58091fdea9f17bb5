// See ids.h.
#include "common/base/ids.h"

#include <cstdio>
#include <random>

namespace trace {

uint64_t RandomId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t v;
  do v = rng();
  while (v == 0);
  return v;
}

namespace {

uint64_t Fmix64(uint64_t x) {  // MurmurHash3's finalizer
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL, kFnvPrime = 0x100000001b3ULL;

}  // namespace

std::string StableHashHex(std::string_view data) {
  // Two independent 64-bit FNV-1a lanes (different offset bases and a
  // per-lane mix) give a 128-bit id; collisions are not a practical concern
  // at trace volumes and the function is stable forever (ids are stored).
  uint64_t a = kFnvOffset, b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : data) {
    a = (a ^ c) * kFnvPrime;
    b = (b ^ (c + 0x9e)) * kFnvPrime;
    b ^= b >> 29;
  }
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(Fmix64(a)),
                static_cast<unsigned long long>(Fmix64(b ^ a)));
  return buf;
}

uint64_t StableHash64(std::string_view data) {
  uint64_t a = kFnvOffset;
  for (unsigned char c : data) a = (a ^ c) * kFnvPrime;
  return Fmix64(a);
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace trace
