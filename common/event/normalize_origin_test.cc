// Events' user and host (proto/event.schema.json): from an OTel record's
// identity tags, from what the gateway spooled for an http hook or a POSTed
// event, else from the origin trace-tail tags its files with; span_id is the
// same with or without an origin.
#include <gtest/gtest.h>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {
namespace {

struct Normalized {
  rapidjson::Document doc;
  std::string json;
  std::optional<std::string_view> Field(const char* key) const { return json::GetString(doc, key); }
};

Normalized NormalizeWith(std::string_view line, InputKind hint, const Origin* origin = nullptr) {
  static const SourceRef kSource{"/spool/ingest.jsonl", 1, 2, 0, 10};
  LineInput in{&kSource, line, hint, 1770912149000};
  in.origin = origin;
  Normalized n;
  n.json = NormalizeLine(in);
  EXPECT_TRUE(json::Parse(&n.doc, n.json).ok()) << n.json;
  return n;
}

constexpr char kOtelLog[] =
    R"({"otel":"log","id":"ot-1","received_ms":1770912149000,"time_ms":1770912145284,)"
    R"("event_name":"claude_code.api_request","attributes":{"session.id":"s-otel"},)"
    R"("tags":{"user.email":"alice@example.com","user.account_uuid":"uuid-a",)"
    R"("host.name":"alice-laptop"}})";

TEST(NormalizeOrigin, OtelRecordTakesUserEmailAndHostNameFromItsTags) {
  Normalized n = NormalizeWith(kOtelLog, InputKind::kIngest);
  EXPECT_EQ(n.Field("kind"), "otel");
  EXPECT_EQ(n.Field("user"), "alice@example.com");
  EXPECT_EQ(n.Field("host"), "alice-laptop");
}

TEST(NormalizeOrigin, OtelRecordWithoutEmailFallsBackToTheAccountUuid) {
  Normalized n = NormalizeWith(
      R"({"otel":"metric","id":"ot-2","received_ms":1,"name":"claude_code.token.usage",)"
      R"("point":{"type":"sum","value":3},"tags":{"user.email":"","user.account_uuid":"uuid-b"}})",
      InputKind::kIngest);
  EXPECT_EQ(n.Field("user"), "uuid-b");
  EXPECT_FALSE(n.doc.HasMember("host")) << "no host.name: no host member at all";
}

TEST(NormalizeOrigin, OtelTagsThatAreNotTextNameNobody) {
  Normalized n = NormalizeWith(
      R"({"otel":"log","id":"ot-3","received_ms":1,"tags":{"user.email":7,"host.name":null}})",
      InputKind::kIngest);
  EXPECT_FALSE(n.doc.HasMember("user"));
  EXPECT_FALSE(n.doc.HasMember("host"));
  Normalized tags_not_object =
      NormalizeWith(R"({"otel":"log","id":"ot-4","received_ms":1,"tags":"x"})", InputKind::kIngest);
  EXPECT_FALSE(tags_not_object.doc.HasMember("user"));
}

TEST(NormalizeOrigin, HttpHookRecordCarriesTheSendersHeaders) {
  Normalized n =
      NormalizeWith(R"({"http_hook":{"session_id":"s-h","hook_event_name":"Stop","cwd":"/w"},)"
                    R"("received_ms":1770912149000,"user":"bob","host":"bob-desktop"})",
                    InputKind::kIngest);
  EXPECT_EQ(n.Field("kind"), "hook");
  EXPECT_EQ(n.Field("user"), "bob");
  EXPECT_EQ(n.Field("host"), "bob-desktop");
}

TEST(NormalizeOrigin, PostedEventKeepsItsOwnUserAndHost) {
  Normalized n =
      NormalizeWith(R"({"span_id":"e1","kind":"ingest","event_type":"Stop","session_id":"s",)"
                    R"("user":"carol","host":"ci-runner"})",
                    InputKind::kIngest);
  EXPECT_EQ(n.Field("user"), "carol");
  EXPECT_EQ(n.Field("host"), "ci-runner");
}

TEST(NormalizeOrigin, TailOriginFillsOnlyWhatTheRecordDoesNotName) {
  Origin origin{"dev", "dev-box"};
  Normalized transcript =
      NormalizeWith(R"({"type":"user","uuid":"u1","sessionId":"s1","message":{}})",
                    InputKind::kTranscript, &origin);
  EXPECT_EQ(transcript.Field("user"), "dev");
  EXPECT_EQ(transcript.Field("host"), "dev-box");
  Normalized otel = NormalizeWith(kOtelLog, InputKind::kAuto, &origin);
  EXPECT_EQ(otel.Field("user"), "alice@example.com") << "the record's own wins";
  EXPECT_EQ(otel.Field("host"), "alice-laptop");
}

TEST(NormalizeOrigin, RawAndUnparsableLinesAreTaggedToo) {
  Origin origin{"dev", "dev-box"};
  Normalized raw = NormalizeWith("not json {", InputKind::kTranscript, &origin);
  EXPECT_EQ(raw.Field("kind"), "raw");
  EXPECT_EQ(raw.Field("host"), "dev-box");
}

TEST(NormalizeOrigin, EmptyNamesAreNoNames) {
  Origin empty{"", ""};
  Normalized n = NormalizeWith(R"({"type":"user","uuid":"u1","sessionId":"s1"})",
                               InputKind::kTranscript, &empty);
  EXPECT_FALSE(n.doc.HasMember("user"));
  EXPECT_FALSE(n.doc.HasMember("host"));
  Origin only_host{"", "h"};
  Normalized hook = NormalizeWith(R"({"http_hook":{"session_id":"s","hook_event_name":"Stop"},)"
                                  R"("received_ms":1,"user":"","host":""})",
                                  InputKind::kIngest, &only_host);
  EXPECT_FALSE(hook.doc.HasMember("user"));
  EXPECT_EQ(hook.Field("host"), "h");
}

TEST(NormalizeOrigin, SpanIdAndTheOtherFieldsDoNotDependOnTheOrigin) {
  constexpr char kLine[] = R"({"type":"summary","summary":"x","leafUuid":"l"})";
  Origin origin{"dev", "dev-box"};
  Normalized plain = NormalizeWith(kLine, InputKind::kTranscript);
  Normalized tagged = NormalizeWith(kLine, InputKind::kTranscript, &origin);
  EXPECT_EQ(plain.Field("span_id"), tagged.Field("span_id"));
  tagged.doc.EraseMember("user");
  tagged.doc.EraseMember("host");
  EXPECT_EQ(json::Serialize(plain.doc), json::Serialize(tagged.doc));
}

TEST(NormalizeOrigin, EventKeysReadUserAndHost) {
  Origin origin{"dev", "dev-box"};
  Normalized n = NormalizeWith(R"({"type":"user","uuid":"u1","sessionId":"s1"})",
                               InputKind::kTranscript, &origin);
  Result<EventKeys> keys = ParseEventKeys(n.json);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->user, "dev");
  EXPECT_EQ(keys->host, "dev-box");
  Result<EventKeys> none = ParseEventKeys(R"({"span_id":"a","kind":"raw","event_type":"raw"})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->user.empty() && none->host.empty());
}

}  // namespace
}  // namespace trace
