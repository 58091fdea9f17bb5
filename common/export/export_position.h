// The OTLP exporter's stored position: the seq of the last event a collector
// acknowledged, in a small JSON file (proto/otlp.md "Export"), replaced
// atomically and fsynced after every acknowledged batch, so a restart
// resumes right after it.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/status.h"

namespace trace::exporter {

// The stored seq; 0 when the file does not exist (export from the start).
// A file that exists but is not a position is an error, never read as 0.
Result<uint64_t> LoadPosition(const std::string& path);

// Writes {"exported_seq":N} durably (file::WriteFileAtomic).
Status SavePosition(const std::string& path, uint64_t seq);

}  // namespace trace::exporter
