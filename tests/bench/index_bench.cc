// Helper of tests/bench/index_bench.sh. Subcommands:
//   gen N FILE            N realistic normalized events (transcript turns with
//                         multi-line assistant messages, hook Pre/Post spans,
//                         prompts) as JSONL, the shape trace-tail emits
//   sqlite FILE DB BATCH  baseline: seed 000's SQLite schema (traces + its five
//                         indexes), WAL, prepared INSERT, BATCH rows per txn
//   latency PUB SUB RATE SECONDS
//                         publishes events like a trace-tail on PUB at RATE/s and
//                         measures publish -> republish (trace-index on SUB)
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/json/json.h"
#include "common/wire/wire.h"

using namespace trace;

namespace {

struct Gen {
  std::mt19937_64 rnd{42};
  int64_t ts = 1770912145284;
  uint64_t offset = 0;
  std::string session, path;
  int ino = 1000;
  uint64_t n = 0;

  std::string Text(size_t len) {
    static const char* kWords[] = {"the",     "build", "fails",   "because", "module",
                                   "express", "is",    "missing", "run",     "npm",
                                   "install", "then",  "retry",   "tests"};
    std::string s;
    while (s.size() < len) s += std::string(kWords[rnd() % 14]) + " ";
    return s;
  }
  void Begin(json::StringWriter& w, const std::string& span, const char* kind, const char* type) {
    w.StartObject();
    w.Key("span_id");
    w.String(span);
    w.Key("kind");
    w.String(kind);
    w.Key("event_type");
    w.String(type);
    w.Key("timestamp");
    w.Int64(ts);
    w.Key("session_id");
    w.String(session);
    w.Key("trace_id");
    w.String(session);
  }
  std::string End(json::StringWriter& w, size_t approx) {
    w.Key("source");
    w.StartObject();
    w.Key("path");
    w.String(path);
    w.Key("dev");
    w.Int64(2049);
    w.Key("ino");
    w.Int64(ino);
    w.Key("offset");
    w.Uint64(offset);
    w.Key("length");
    w.Uint64(approx);
    w.EndObject();
    w.EndObject();
    offset += approx;
    ++n;
    return w.Take();
  }
  std::string Assistant(const std::string& msg, int line, const std::string& tu, const char* tool) {
    json::StringWriter w;
    std::string span = msg + "-" + std::to_string(line);
    Begin(w, span, "transcript", "assistant");
    w.Key("model");
    w.String("claude-opus-4-6");
    w.Key("message_id");
    w.String(msg);
    w.Key("request_id");
    w.String("req_" + msg);
    w.Key("data");
    w.StartObject();
    w.Key("type");
    w.String("assistant");
    w.Key("uuid");
    w.String(span);
    w.Key("cwd");
    w.String("/home/dev/project");
    w.Key("gitBranch");
    w.String("main");
    w.Key("requestId");
    w.String("req_" + msg);
    w.Key("message");
    w.StartObject();
    w.Key("id");
    w.String(msg);
    w.Key("model");
    w.String("claude-opus-4-6");
    w.Key("content");
    w.StartArray();
    w.StartObject();
    if (line < 2) {
      w.Key("type");
      w.String("text");
      w.Key("text");
      w.String(Text(200 + rnd() % 600));
    } else {
      w.Key("type");
      w.String("tool_use");
      w.Key("id");
      w.String(tu);
      w.Key("name");
      w.String(tool);
      w.Key("input");
      w.StartObject();
      w.Key("command");
      w.String(Text(80));
      w.EndObject();
    }
    w.EndObject();
    w.EndArray();
    w.Key("usage");
    w.StartObject();
    w.Key("input_tokens");
    w.Int64(3);
    w.Key("cache_creation_input_tokens");
    w.Int64(1500);
    w.Key("cache_read_input_tokens");
    w.Int64(40000 + static_cast<int64_t>(rnd() % 20000));
    w.Key("output_tokens");
    w.Int64(10 + line * 40);
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return End(w, 900);
  }
  std::string Hook(const std::string& span, const char* type, const std::string& tu,
                   const char* tool, bool post) {
    json::StringWriter w;
    Begin(w, span, "hook", type);
    w.Key("tool_name");
    w.String(tool);
    w.Key("tool_use_id");
    w.String(tu);
    if (post) {
      w.Key("duration_ms");
      w.Int64(static_cast<int64_t>(rnd() % 5000));
    }
    w.Key("data");
    w.StartObject();
    w.Key("hook_event_name");
    w.String(type);
    w.Key("session_id");
    w.String(session);
    w.Key("cwd");
    w.String("/home/dev/project");
    w.Key("tool_input");
    w.StartObject();
    w.Key("command");
    w.String(Text(100));
    w.EndObject();
    if (post) {
      w.Key("tool_response");
      w.StartObject();
      w.Key("stdout");
      w.String(Text(300 + rnd() % 900));
      w.EndObject();
    }
    w.EndObject();
    return End(w, 700);
  }
  std::string User(const std::string& span, const std::string& tu, bool prompt) {
    json::StringWriter w;
    Begin(w, span, "transcript", "user");
    w.Key("data");
    w.StartObject();
    w.Key("type");
    w.String("user");
    w.Key("uuid");
    w.String(span);
    w.Key("message");
    w.StartObject();
    w.Key("role");
    w.String("user");
    w.Key("content");
    if (prompt) {
      w.String(Text(120));
    } else {
      w.StartArray();
      w.StartObject();
      w.Key("type");
      w.String("tool_result");
      w.Key("tool_use_id");
      w.String(tu);
      w.Key("content");
      w.String(Text(400 + rnd() % 1200));
      w.Key("is_error");
      w.Bool(rnd() % 15 == 0);
      w.EndObject();
      w.EndArray();
    }
    w.EndObject();
    w.EndObject();
    return End(w, 800);
  }
};

int Generate(uint64_t count, const std::string& file) {
  std::ofstream file_out(file);
  Gen g;
  uint64_t written = 0;
  // Writes only the first `count` lines (a turn has several).
  struct Limited {
    std::ofstream& f;
    uint64_t& written;
    uint64_t count;
    Limited& operator<<(const std::string& s) {
      if (written < count) f << s;
      return *this;
    }
    Limited& operator<<(const char* s) {
      if (written < count) f << s;
      if (std::string_view(s) == "\n") ++written;
      return *this;
    }
  } out{file_out, written, count};
  static const char* kTools[] = {"Bash", "Read", "Edit", "Grep", "Write", "Glob"};
  for (uint64_t turn = 0; g.n < count; ++turn) {
    if (turn % 40 == 0) {
      g.session = "sess-" + std::to_string(turn / 40);
      g.path = "/home/dev/.claude/projects/p/" + g.session + ".jsonl";
      g.offset = 0;
      ++g.ino;
      out << g.User(g.session + "-p" + std::to_string(turn), "", true) << "\n";
      out << g.Hook(g.session + "-ups" + std::to_string(turn), "UserPromptSubmit", "", "", false)
          << "\n";
    }
    std::string t = std::to_string(turn);
    std::string msg = "msg_" + t, tu = "toolu_" + t;
    const char* tool = kTools[turn % 6];
    g.ts += 500;
    for (int line = 0; line < 3; ++line) out << g.Assistant(msg, line, tu, tool) << "\n";
    out << g.Hook("pre-" + t, "PreToolUse", tu, tool, false) << "\n";
    g.ts += static_cast<int64_t>(g.rnd() % 3000);
    out << g.Hook("post-" + t, "PostToolUse", tu, tool, true) << "\n";
    out << g.User("res-" + t, tu, false) << "\n";
  }
  return 0;
}

int Check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return 0;
  std::cerr << "sqlite " << what << ": " << sqlite3_errmsg(db) << "\n";
  return 1;
}

// Seed 000's schema and insert path, fed the same events.
int SqliteBaseline(const std::string& file, const std::string& path, size_t batch) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS traces (span_id TEXT PRIMARY KEY, trace_id TEXT NOT NULL,"
      " parent_id TEXT, session_id TEXT NOT NULL, task_id TEXT, task_status TEXT,"
      " timestamp INTEGER NOT NULL, duration_ms INTEGER, event_type TEXT NOT NULL,"
      " hook_type TEXT NOT NULL, tool_name TEXT, tool_input JSON, tool_output JSON, metrics JSON,"
      " tags JSON, metadata JSON, indexed_at INTEGER DEFAULT (unixepoch()));"
      "CREATE INDEX IF NOT EXISTS idx_trace_id ON traces(trace_id);"
      "CREATE INDEX IF NOT EXISTS idx_session_id ON traces(session_id);"
      "CREATE INDEX IF NOT EXISTS idx_task_id ON traces(task_id);"
      "CREATE INDEX IF NOT EXISTS idx_timestamp ON traces(timestamp);"
      "CREATE INDEX IF NOT EXISTS idx_tool_name ON traces(tool_name);";
  if (Check(sqlite3_exec(db, schema, nullptr, nullptr, nullptr), db, "schema")) return 1;
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT OR IGNORE INTO traces (span_id, trace_id, parent_id, session_id, task_id, "
      "task_status,"
      " timestamp, duration_ms, event_type, hook_type, tool_name, tool_input, tool_output, metrics,"
      " tags, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (Check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, "prepare")) return 1;
  std::ifstream in(file);
  std::string line;
  size_t in_txn = 0;
  auto text = [&](int i, const rapidjson::Value& d, const char* k) {
    auto v = json::GetString(d, k);
    v ? sqlite3_bind_text(st, i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT)
      : sqlite3_bind_null(st, i);
  };
  auto raw = [&](int i, const rapidjson::Value& d, const char* k) {
    const rapidjson::Value* v = json::Find(d, k);
    if (!v) return (void)sqlite3_bind_null(st, i);
    std::string s = json::Serialize(*v);
    sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    if (d.HasParseError() || !d.IsObject()) continue;
    text(1, d, "span_id");
    text(2, d, "trace_id");
    text(3, d, "parent_id");
    text(4, d, "session_id");
    text(5, d, "task_id");
    text(6, d, "task_status");
    sqlite3_bind_int64(st, 7, json::GetInt(d, "timestamp").value_or(0));
    auto dur = json::GetInt(d, "duration_ms");
    dur ? sqlite3_bind_int64(st, 8, *dur) : sqlite3_bind_null(st, 8);
    text(9, d, "event_type");
    text(10, d, "kind");
    text(11, d, "tool_name");
    raw(12, d, "data");
    raw(13, d, "tool_output");
    raw(14, d, "metrics");
    raw(15, d, "tags");
    raw(16, d, "metadata");
    if (Check(sqlite3_step(st), db, "insert")) return 1;
    sqlite3_reset(st);
    if (++in_txn == batch) {
      if (Check(sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr), db, "commit"))
        return 1;
      in_txn = 0;
    }
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return 0;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Publishes RATE events/s for SECONDS on PUB (as a tail would) and times each
// event until trace-index republishes it on SUB.
int Latency(const std::string& pub_ep, const std::string& sub_ep, int rate, int seconds) {
  wire::Context ctx;
  wire::Publisher pub(ctx, RandomId(), RandomId());
  if (Status st = pub.Bind(pub_ep); !st) return std::cerr << st.message() << "\n", 1;
  wire::Subscriber sub(ctx);
  if (Status st = sub.Connect(sub_ep); !st) return std::cerr << st.message() << "\n", 1;
  sub.SubscribeTo("");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // index connects to us
  std::vector<int64_t> sent, lat;
  int total = rate * seconds;
  int64_t start = NowUs(), run = RandomId() % 1000000;
  int received = 0;
  for (int i = 0; i < total || (received < total && NowUs() - start < (seconds + 5) * 1000000LL);) {
    int64_t now = NowUs();
    if (i < total && now >= start + i * 1000000LL / rate) {
      std::string body =
          "{\"span_id\":\"lat-" + std::to_string(run) + "-" + std::to_string(i) +
          "\",\"kind\":\"hook\",\"event_type\":\"Notification\",\"session_id\":\"lat\","
          "\"timestamp\":" +
          std::to_string(NowMs()) + ",\"i\":" + std::to_string(i) + "}";
      sent.push_back(NowUs());
      (void)pub.Send("hook.lat", body);
      ++i;
      continue;
    }
    wire::Message m;
    auto got = sub.Receive(&m, 0);
    if (!got.ok() || !*got) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    rapidjson::Document d;
    d.Parse(m.body.data(), m.body.size());
    auto idx = json::GetInt(d, "i");
    if (idx && *idx >= 0 && *idx < static_cast<int64_t>(sent.size()))
      lat.push_back(NowUs() - sent[*idx]);
    ++received;
  }
  if (lat.empty()) return std::cerr << "no event came back\n", 1;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    return lat[std::min(lat.size() - 1, static_cast<size_t>(q * lat.size()))] / 1000.0;
  };
  std::printf(
      "latency_events %zu of %d\nlatency_p50_ms %.2f\nlatency_p99_ms %.2f\nlatency_max_ms %.2f\n",
      lat.size(), total, pct(0.50), pct(0.99), lat.back() / 1000.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 3 && a[0] == "gen") return Generate(std::stoull(a[1]), a[2]);
  if (a.size() == 4 && a[0] == "sqlite") return SqliteBaseline(a[1], a[2], std::stoul(a[3]));
  if (a.size() == 5 && a[0] == "latency")
    return Latency(a[1], a[2], std::stoi(a[3]), std::stoi(a[4]));
  std::cerr
      << "usage: index_bench gen N FILE | sqlite FILE DB BATCH | latency PUB SUB RATE SECONDS\n";
  return 2;
}
