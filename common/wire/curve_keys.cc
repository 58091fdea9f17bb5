// See curve_keys.h. Files are read whole (keys are tiny) and checked with
// CurvePublicKey, so a truncated or edited key is refused at start, not at
// the first handshake.
#include "common/wire/curve_keys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/base/file_util.h"
#include "common/base/log.h"

namespace trace::wire {
namespace {

constexpr int64_t kRescanMs = 1000, kRefusalLogMs = 10000;
constexpr size_t kMaxKeyFileBytes = 4096;

// The one key of a key file: its first line that is neither blank nor a comment.
Result<std::string> ReadKeyText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Errno("read '" + path + "'");
  std::string line;
  size_t read = 0;
  while (std::getline(in, line) && (read += line.size() + 1) <= kMaxKeyFileBytes) {
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    return line.substr(b, e - b + 1);
  }
  return Status::Error("'" + path + "' holds no key");
}

Status WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::Errno("create '" + path + "'");
  Status st = file::WriteAll(fd, text);
  if (st && ::fsync(fd) != 0) st = Status::Errno("fsync '" + path + "'");
  ::close(fd);
  return st.Wrap("write '" + path + "'");
}

bool EndsWith(const std::string& s, std::string_view tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

Result<CurveKeypair> WriteNewKeypair(const std::string& dir, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    return Status::Error("key name '" + name + "' must be a plain file name");
  if (Status st = file::MakeDirs(dir, 0700); !st) return st;
  auto pair = NewCurveKeypair();
  if (!pair) return pair.status();
  std::string base = dir + "/" + name;
  for (const char* ext : {".key", ".pub"}) {  // neither may exist: no half-replaced pair
    struct stat st;
    if (::lstat((base + ext).c_str(), &st) == 0)
      return Status::Error("'" + base + ext + "' exists; not overwritten");
  }
  if (Status st = WriteNew(base + ".key", pair->secret_key + "\n", 0600); !st) return st;
  if (Status st = WriteNew(base + ".pub", pair->public_key + "\n", 0644); !st) return st;
  file::SyncDir(dir);
  return pair;
}

Result<CurveKeypair> ReadSecretKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::Errno("read '" + path + "'");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    return Status::Error("'" + path + "' is accessible by group or others (chmod 600 it)");
  auto secret = ReadKeyText(path);
  if (!secret) return secret.status();
  auto pub = CurvePublicKey(*secret);
  if (!pub) return pub.status().Wrap("'" + path + "'");
  return CurveKeypair{*pub, *secret};
}

Result<std::string> ReadPublicKey(const std::string& key_or_file) {
  // Z85 has '/' and '.' in its alphabet: what exists as a file is a file.
  std::string key = key_or_file;
  if (key.size() != 40 || ::access(key.c_str(), F_OK) == 0) {
    auto text = ReadKeyText(key_or_file);
    if (!text) return text.status();
    key = *text;
  }
  // A public key is checked as a secret is (both are 32 bytes in Z85): this
  // refuses what is not a key at all.
  if (auto ok = CurvePublicKey(key); !ok) return ok.status().Wrap("public key");
  return key;
}

Result<std::unique_ptr<AuthorizedKeys>> AuthorizedKeys::Load(std::string dir, NowFn now) {
  std::unique_ptr<AuthorizedKeys> keys(new AuthorizedKeys(std::move(dir), std::move(now)));
  std::lock_guard<std::mutex> lock(keys->mu_);
  if (Status st = keys->Scan(); !st) return st;
  keys->checked_ms_ = keys->now_();
  return keys;
}

// A bad file is skipped with a warning rather than failing the scan: one
// mistyped key must not lock every other teammate out.
Status AuthorizedKeys::Scan() {
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0) return Status::Errno("read '" + dir_ + "'");
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return Status::Errno("read '" + dir_ + "'");
  std::map<std::string, std::string> keys;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!EndsWith(name, ".pub")) continue;
    auto key = ReadPublicKey(dir_ + "/" + name);
    if (!key) {
      log::Warn("authorized key skipped",
                {{"file", dir_ + "/" + name}, {"error", key.status().message()}});
      continue;
    }
    keys[*key] = name.substr(0, name.size() - 4);
  }
  ::closedir(d);
  keys_ = std::move(keys);
  mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return Status::Ok();
}

void AuthorizedKeys::RescanIfChanged() {
  int64_t now = now_();
  if (now - checked_ms_ < kRescanMs) return;
  checked_ms_ = now;
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0) return;  // keep what we have; Scan would log nothing new
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (mtime == mtime_ns_) return;
  size_t before = keys_.size();
  if (Status s = Scan(); !s) log::Warn("authorized keys rescan", {{"error", s.message()}});
  log::Info("authorized keys reloaded",
            {{"dir", dir_}, {"keys", keys_.size()}, {"before", before}});
}

bool AuthorizedKeys::Allows(const std::string& public_key, const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  RescanIfChanged();
  auto it = keys_.find(public_key);
  if (it != keys_.end()) {
    log::Info("curve client accepted", {{"client", it->second}, {"address", address}});
    return true;
  }
  int64_t now = now_();
  int64_t& logged = refusal_logged_ms_[public_key + " " + address];
  if (logged == 0 || now - logged >= kRefusalLogMs) {
    logged = now;
    log::Warn("curve client refused: key not authorized",
              {{"key", public_key}, {"address", address}, {"dir", dir_}});
  }
  if (refusal_logged_ms_.size() > 10000) refusal_logged_ms_.clear();  // bounded under a key spray
  return false;
}

size_t AuthorizedKeys::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

Result<std::string> StartCurveServer(Context& ctx, const std::string& dir) {
  if (!CurveAvailable())
    return Status::Error("this libzmq was built without CURVE (zmq_has(\"curve\") is false)");
  auto secret = ReadSecretKeyFile(dir + "/server.key");
  if (!secret) return secret.status();
  auto keys = AuthorizedKeys::Load(dir + "/authorized");
  if (!keys) return keys.status();
  log::Info("curve on", {{"public_key", secret->public_key}, {"authorized", (*keys)->size()}});
  std::shared_ptr<AuthorizedKeys> allowed(std::move(*keys));
  Status st = ctx.StartAuthenticator([allowed](const std::string& key, const std::string& address) {
    return allowed->Allows(key, address);
  });
  if (!st) return st;
  return secret->secret_key;
}

}  // namespace trace::wire
