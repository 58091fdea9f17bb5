// See export_position.h.
#include "common/export/export_position.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/file_util.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::exporter {

Result<uint64_t> LoadPosition(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return uint64_t{0};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno("read export position '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  std::string bad = "export position '" + path +
                    "' is not {\"exported_seq\":N} (delete it to "
                    "export the whole store again)";
  rapidjson::Document doc;
  if (Status s = json::Parse(&doc, text.str()); !s || !doc.IsObject()) return Status::Error(bad);
  auto seq = json::GetInt(doc, "exported_seq");
  if (!seq || *seq < 0) return Status::Error(bad);
  return static_cast<uint64_t>(*seq);
}

Status SavePosition(const std::string& path, uint64_t seq) {
  return file::WriteFileAtomic(path, "{\"exported_seq\":" + std::to_string(seq) + "}\n")
      .Wrap("write export position '" + path + "'");
}

}  // namespace trace::exporter
