// Unit tests of CURVE keys and the CURVE link (curve_keys.h, wire.h): key
// files (modes, no overwrite, garbage refused), the authorized directory
// (reloaded on change), and a CURVE control exchange over TCP where an
// authorized key gets through and an unknown one is refused by the ZAP handler.
#include "common/wire/curve_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "common/wire/control.h"
#include "common/wire/wire.h"

namespace trace::wire {
namespace {

class CurveKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CurveAvailable()) GTEST_SKIP() << "libzmq without CURVE";
    char tmpl[] = "/tmp/curve-keys-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)system(("rm -rf '" + dir_ + "'").c_str());
  }
  void Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::ofstream(dir_ + "/" + name) << text;
    chmod((dir_ + "/" + name).c_str(), mode);
  }
  std::string dir_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
}

TEST_F(CurveKeysTest, KeygenWritesAnOwnerOnlySecretAndNeverOverwrites) {
  auto pair = WriteNewKeypair(dir_ + "/k", "server");
  ASSERT_TRUE(pair.ok()) << pair.status().message();
  EXPECT_EQ(ModeOf(dir_ + "/k/server.key"), 0600u);
  EXPECT_EQ(ModeOf(dir_ + "/k/server.pub"), 0644u);
  auto back = ReadSecretKeyFile(dir_ + "/k/server.key");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->public_key, pair->public_key);  // derived from the secret
  auto pub = ReadPublicKey(dir_ + "/k/server.pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, pair->public_key);
  EXPECT_FALSE(WriteNewKeypair(dir_ + "/k", "server").ok());
  EXPECT_EQ(ReadSecretKeyFile(dir_ + "/k/server.key")->secret_key, pair->secret_key);
  EXPECT_FALSE(WriteNewKeypair(dir_ + "/k", "../evil").ok());
}

TEST_F(CurveKeysTest, RefusesSecretsOthersCanReadAndWhatIsNotAKey) {
  auto pair = NewCurveKeypair();
  ASSERT_TRUE(pair.ok());
  Write("open.key", pair->secret_key + "\n", 0640);
  auto open = ReadSecretKeyFile(dir_ + "/open.key");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  Write("comment.key", "# made by hand\n\n  " + pair->secret_key + "  \n");
  EXPECT_TRUE(ReadSecretKeyFile(dir_ + "/comment.key").ok());
  Write("short.key", pair->secret_key.substr(1) + "\n");
  EXPECT_FALSE(ReadSecretKeyFile(dir_ + "/short.key").ok());
  Write("empty.key", "\n# nothing\n");
  EXPECT_FALSE(ReadSecretKeyFile(dir_ + "/empty.key").ok());
  EXPECT_FALSE(ReadSecretKeyFile(dir_ + "/missing.key").ok());
  EXPECT_TRUE(ReadPublicKey(pair->public_key).ok());                 // the key itself
  EXPECT_FALSE(ReadPublicKey(std::string(40, '"')).ok());            // not Z85
  EXPECT_FALSE(ReadPublicKey(pair->public_key.substr(0, 39)).ok());  // neither key nor file
  EXPECT_FALSE(CurvePublicKey(std::string(40, '\0')).ok());
}

TEST_F(CurveKeysTest, AuthorizedDirectoryIsReloadedWhenItChanges) {
  auto alice = NewCurveKeypair(), bob = NewCurveKeypair();
  ASSERT_TRUE(alice.ok() && bob.ok());
  Write("alice.pub", alice->public_key + "\n", 0644);
  Write("broken.pub", "not a key\n", 0644);          // skipped, the others still load
  Write("notes.txt", bob->public_key + "\n", 0644);  // not *.pub: ignored
  int64_t now = 1000;
  auto keys = AuthorizedKeys::Load(dir_, [&] { return now; });
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ((*keys)->size(), 1u);
  EXPECT_TRUE((*keys)->Allows(alice->public_key, "10.0.0.2"));
  EXPECT_FALSE((*keys)->Allows(bob->public_key, "10.0.0.3"));
  Write("bob.pub", bob->public_key + "\n", 0644);
  unlink((dir_ + "/alice.pub").c_str());
  EXPECT_FALSE((*keys)->Allows(bob->public_key, "10.0.0.3"));  // checked at most once a second
  now += 1000;
  EXPECT_TRUE((*keys)->Allows(bob->public_key, "10.0.0.3"));
  EXPECT_FALSE((*keys)->Allows(alice->public_key, "10.0.0.2"));  // removed: refused from now on
  EXPECT_FALSE(AuthorizedKeys::Load(dir_ + "/missing").ok());
}

// Waits until the router has a message (true) or wait_ms passed.
bool RouterGets(ControlRouter& router, std::string* peer, ControlMessage* m, int wait_ms) {
  Poller p;
  p.Add(router);
  for (int waited = 0; waited < wait_ms; waited += 50) {
    EXPECT_TRUE(p.Wait(50).ok());
    auto got = router.Receive(peer, m);
    EXPECT_TRUE(got.ok());
    if (got.ok() && *got) return true;
  }
  return false;
}

TEST_F(CurveKeysTest, ZapAdmitsAuthorizedKeysOnlyAndTheLinkCarriesRequests) {
  auto server = NewCurveKeypair(), good = NewCurveKeypair(), bad = NewCurveKeypair();
  ASSERT_TRUE(server.ok() && good.ok() && bad.ok());
  Context ctx;
  std::atomic<int> asked{0}, refused{0};
  ASSERT_TRUE(ctx.StartAuthenticator([&](const std::string& key, const std::string& address) {
                   ++asked;
                   EXPECT_EQ(address, "127.0.0.1");
                   bool ok = key == good->public_key;
                   if (!ok) ++refused;
                   return ok;
                 })
                  .ok());
  EXPECT_FALSE(ctx.StartAuthenticator([](const std::string&, const std::string&) { return true; })
                   .ok());  // once
  ControlRouter router(ctx);
  ASSERT_TRUE(router.UseCurveServer(server->secret_key).ok());
  ASSERT_TRUE(router.Bind("tcp://127.0.0.1:*").ok());
  ControlDealer intruder(ctx), tail(ctx);
  ASSERT_TRUE(intruder.UseCurveClient(*bad, server->public_key).ok());
  ASSERT_TRUE(intruder.Connect(router.LastEndpoint()).ok());
  ASSERT_TRUE(*intruder.Announce({"STATE", "{\"intruder\":1}"}));
  ASSERT_TRUE(tail.UseCurveClient(*good, server->public_key).ok());
  ASSERT_TRUE(tail.Connect(router.LastEndpoint()).ok());
  ASSERT_TRUE(*tail.Announce({"STATE", "{}"}));
  std::string peer;
  ControlMessage m;
  ASSERT_TRUE(RouterGets(router, &peer, &m, 5000));
  EXPECT_EQ(m.body, "{}");  // the authorized tail's, never the intruder's
  ASSERT_TRUE(*router.SendTo(peer, {"HELLO", "{}"}));
  Poller p;
  p.Add(tail);
  ASSERT_TRUE(p.Wait(5000).ok());
  ASSERT_TRUE(tail.Serve([](const ControlMessage& r) {
                    return ControlMessage{"STATE", r.command == "HELLO" ? "{\"hi\":1}" : "{}"};
                  })
                  .ok());
  ASSERT_TRUE(RouterGets(router, &peer, &m, 5000));
  EXPECT_EQ(m.body, "{\"hi\":1}");
  for (int i = 0; i < 100 && refused == 0; ++i) usleep(20000);  // the intruder's handshake
  EXPECT_GE(refused.load(), 1);
  EXPECT_FALSE(RouterGets(router, &peer, &m, 300));
  EXPECT_FALSE(*router.SendTo("no such peer", {"HELLO", "{}"}));  // gone: not sent, no error
  EXPECT_FALSE(router.UseCurveServer("not a key").ok());
}

}  // namespace
}  // namespace trace::wire
