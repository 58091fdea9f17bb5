// See ids_key.h.
#include "common/store/ids_key.h"

#include "common/base/ids.h"
#include "common/store/lmdb.h"

namespace trace {

namespace {

std::string_view SpanPart(std::string_view identity) {
  return identity.substr(0, identity.find('\0'));
}

}  // namespace

IdsKey::IdsKey(std::string_view identity) {
  lmdb::PutBe64(bytes_, StableHash64(SpanPart(identity)));
  lmdb::PutBe64(bytes_ + kIdsSpanPrefixSize, StableHash64(identity));
}

std::string IdsSpanPrefix(std::string_view span_id) {
  return lmdb::Be64(StableHash64(SpanPart(span_id)));
}

}  // namespace trace
