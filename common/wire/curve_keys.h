// CURVE key files (proto/wire.md "Keys"): `trace-index keygen` writes
// NAME.key (the Z85 secret, owner-only) and NAME.pub; the index reads its
// server.key and a directory of authorized client keys; a tail reads its own
// secret and the server's public key. No ZeroMQ here: keys are Z85 text.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/wire/wire.h"

namespace trace::wire {

// Writes dir/name.key (mode 0600) and dir/name.pub (0644) of a new keypair,
// creating dir (0700) if needed. Refuses to overwrite either file.
Result<CurveKeypair> WriteNewKeypair(const std::string& dir, const std::string& name);

// Reads a secret key file (one Z85 key; blank lines and `#` comments are
// ignored). Refused when group or others may read it, as ssh refuses a
// private key: a secret others can read authenticates them too.
Result<CurveKeypair> ReadSecretKeyFile(const std::string& path);

// A public key as given on a command line: the 40 Z85 characters
// themselves, or the path of a file holding them (e.g. server.pub).
Result<std::string> ReadPublicKey(const std::string& key_or_file);

// The client keys allowed to connect: every DIR/*.pub (one key each; the
// file name is the client's label in logs). Added or removed files are
// taken within a second (the directory's mtime is checked at most once a
// second); connections already made stay. Thread-safe: the ZAP handler
// asks from its own thread.
class AuthorizedKeys {
 public:
  static Result<std::unique_ptr<AuthorizedKeys>> Load(std::string dir, NowFn now = NowMs);
  // Whether public_key may connect; refusals are logged (once per key and
  // address every 10 s: a refused client retries several times a second).
  bool Allows(const std::string& public_key, const std::string& address);
  size_t size() const;

 private:
  AuthorizedKeys(std::string dir, NowFn now) : dir_(std::move(dir)), now_(std::move(now)) {}
  Status Scan();  // mu_ held
  void RescanIfChanged();

  const std::string dir_;
  const NowFn now_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;  // public key → label
  int64_t checked_ms_ = 0;
  int64_t mtime_ns_ = -1;
  std::map<std::string, int64_t> refusal_logged_ms_;  // "key address" → when
};

// The index's side of --curve-keys DIR: reads DIR/server.key and starts
// ctx's authenticator, asking DIR/authorized/ about each client; returns the
// secret key for the listening sockets. Call before any socket binds.
Result<std::string> StartCurveServer(Context& ctx, const std::string& dir);

}  // namespace trace::wire
