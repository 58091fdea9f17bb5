// Gunzip with zlib's inflate (gzip wrapper only), fed the whole input and
// drained in chunks so the cap is checked before the output grows past it.
// The only zlib code.
#include "common/http/body_decoding.h"

#include <zlib.h>

namespace trace::http {

Result<Inflated> Gunzip(std::string_view gzip, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Error("zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  z.avail_in = static_cast<uInt>(gzip.size());
  Inflated out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    size_t n = sizeof buf - z.avail_out;
    if (out.body.size() + n > max_bytes) {
      inflateEnd(&z);
      out.body.clear();
      out.too_large = true;
      return out;
    }
    out.body.append(buf, n);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended before the stream did
  }
  std::string why = z.msg ? z.msg : "";
  bool trailing = rc == Z_STREAM_END && z.avail_in != 0;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Status::Error("gzip body is not valid" +
                         (why.empty() ? std::string(" (truncated)") : ": " + why));
  }
  if (trailing) return Status::Error("gzip body has bytes after its end");
  return out;
}

}  // namespace trace::http
