// The web UI files embedded into trace-gateway at build time (generated
// web_assets.cc, see embed_web.cmake).
#pragma once

#include <cstddef>

#include "common/http/static_files.h"

namespace trace::web {

extern const EmbeddedFile kFiles[];
extern const size_t kFileCount;

}  // namespace trace::web
