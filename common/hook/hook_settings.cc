// See hook_settings.h. RapidJSON keeps object members in document order, so
// parse -> edit -> pretty-print leaves the user's layout of keys as it was.
#include "common/hook/hook_settings.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::hook {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr std::string_view kProgramName = "trace-hook";

Result<Document> ParseSettings(std::string_view text) {
  Document doc;
  bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) {
    doc.SetObject();
    return doc;
  }
  if (Status st = json::Parse<rapidjson::kParseFullPrecisionFlag>(&doc, text); !st) {
    return st.Wrap("invalid JSON");
  }
  if (!doc.IsObject()) return Status::Error("the top level is not a JSON object");
  return doc;
}

std::string Pretty(const Document& doc) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

// Checks hooks.<event> entries have the documented shape before any edit, so
// a refusal never leaves a half-edited document behind.
Status CheckShape(const Value& hooks) {
  if (!hooks.IsObject()) return Status::Error("\"hooks\" is not a JSON object");
  for (const auto& event : hooks.GetObject()) {
    std::string name(event.name.GetString(), event.name.GetStringLength());
    if (!event.value.IsArray()) return Status::Error("\"hooks." + name + "\" is not an array");
    for (const auto& group : event.value.GetArray()) {
      if (!group.IsObject()) {
        return Status::Error("an entry of \"hooks." + name + "\" is not an object");
      }
      auto it = group.FindMember("hooks");
      if (it != group.MemberEnd() && !it->value.IsArray()) {
        return Status::Error("a \"hooks\" list under \"hooks." + name + "\" is not an array");
      }
    }
  }
  return Status::Ok();
}

std::string_view StringMember(const Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// Which of our handlers a handler is: a trace-hook command, a POST to our
// /api/hooks, or neither.
enum class Ours { kNone, kCommand, kHttp };

Ours WhichOurs(const Value& handler, const InstallSpec& spec) {
  if (!handler.IsObject()) return Ours::kNone;
  std::string_view type = StringMember(handler, "type");
  std::string_view command = StringMember(handler, "command");
  if (type != "http" && !command.empty() && IsTraceHookCommand(command, spec.command)) {
    return Ours::kCommand;
  }
  std::string_view url = StringMember(handler, "url");
  if (type == "http" && IsTraceHookUrl(url, spec.http_url)) return Ours::kHttp;
  return Ours::kNone;
}

// Our handler of that kind in this event's groups, or nullptr.
Value* FindOurHandler(Value& groups, const InstallSpec& spec, Ours kind) {
  for (auto& group : groups.GetArray()) {
    auto hooks = group.FindMember("hooks");
    if (hooks == group.MemberEnd()) continue;
    for (auto& handler : hooks->value.GetArray()) {
      if (WhichOurs(handler, spec) == kind) return &handler;
    }
  }
  return nullptr;
}

Value NewHttpHandler(const InstallSpec& spec, Document::AllocatorType& a) {
  Value handler(rapidjson::kObjectType);
  handler.AddMember("type", "http", a);
  handler.AddMember("url", Value(spec.http_url.c_str(), a), a);
  if (!spec.token_env.empty()) {
    std::string bearer = "Bearer $" + spec.token_env;
    Value headers(rapidjson::kObjectType);
    headers.AddMember("Authorization", Value(bearer.c_str(), a), a);
    handler.AddMember("headers", headers, a);
    Value allowed(rapidjson::kArrayType);
    allowed.PushBack(Value(spec.token_env.c_str(), a), a);
    handler.AddMember("allowedEnvVars", allowed, a);
  }
  handler.AddMember("timeout", spec.timeout_s, a);
  return handler;
}

Value NewHandler(const InstallSpec& spec, Ours kind, Document::AllocatorType& a) {
  if (kind == Ours::kHttp) return NewHttpHandler(spec, a);
  Value handler(rapidjson::kObjectType);
  handler.AddMember("type", "command", a);
  handler.AddMember("command", Value(spec.command.c_str(), a), a);
  handler.AddMember("timeout", spec.timeout_s, a);
  return handler;
}

Value NewGroup(const InstallSpec& spec, Ours kind, Document::AllocatorType& a) {
  Value handler = NewHandler(spec, kind, a);
  Value list(rapidjson::kArrayType);
  list.PushBack(handler, a);
  Value group(rapidjson::kObjectType);
  group.AddMember("matcher", "", a);
  group.AddMember("hooks", list, a);
  return group;
}

// Removes our handlers of the kinds in `remove` from one event's groups;
// drops groups we emptied.
void RemoveOurs(Value& groups, const InstallSpec& spec, std::initializer_list<Ours> remove) {
  for (Value* g = groups.Begin(); g != groups.End();) {
    auto hooks = g->FindMember("hooks");
    bool removed = false;
    if (hooks != g->MemberEnd()) {
      Value& list = hooks->value;
      for (Value* h = list.Begin(); h != list.End();) {
        Ours kind = WhichOurs(*h, spec);
        if (std::find(remove.begin(), remove.end(), kind) != remove.end()) {
          h = list.Erase(h);
          removed = true;
        } else {
          ++h;
        }
      }
      if (removed && list.Empty()) {
        g = groups.Erase(g);
        continue;
      }
    }
    ++g;
  }
}

void InstallEvent(Value& hooks, const std::string& event, const InstallSpec& spec,
                  Document::AllocatorType& a) {
  auto it = hooks.FindMember(event.c_str());
  if (it == hooks.MemberEnd()) {
    hooks.AddMember(Value(event.c_str(), a), Value(rapidjson::kArrayType), a);
    it = hooks.FindMember(event.c_str());
  }
  bool http = !spec.http_url.empty() && AcceptsHttpHook(event);
  Ours want = http ? Ours::kHttp : Ours::kCommand;
  RemoveOurs(it->value, spec, {http ? Ours::kCommand : Ours::kHttp});
  if (Value* ours = FindOurHandler(it->value, spec, want)) {
    if (http) {
      *ours = NewHttpHandler(spec, a);
    } else {
      (*ours)["command"].SetString(spec.command.c_str(), a);
    }
    return;
  }
  it->value.PushBack(NewGroup(spec, want, a), a);
}

}  // namespace

Result<std::string> InstallHooks(std::string_view text, const InstallSpec& spec) {
  if (Status s = CheckHttpSpec(spec); !s.ok()) return s;
  auto doc = ParseSettings(text);
  if (!doc.ok()) return doc.status();
  auto& a = doc->GetAllocator();
  if (!doc->HasMember("hooks")) doc->AddMember("hooks", Value(rapidjson::kObjectType), a);
  Value& hooks = (*doc)["hooks"];
  if (Status s = CheckShape(hooks); !s.ok()) return s;
  for (const std::string& event : spec.events) InstallEvent(hooks, event, spec, a);
  return Pretty(*doc);
}

Result<std::string> UninstallHooks(std::string_view text, const InstallSpec& spec) {
  auto doc = ParseSettings(text);
  if (!doc.ok()) return doc.status();
  auto it = doc->FindMember("hooks");
  if (it == doc->MemberEnd()) return Pretty(*doc);
  Value& hooks = it->value;
  if (Status s = CheckShape(hooks); !s.ok()) return s;
  for (const std::string& event : spec.events) {
    auto e = hooks.FindMember(event.c_str());
    if (e == hooks.MemberEnd()) continue;
    bool had_groups = !e->value.Empty();
    RemoveOurs(e->value, spec, {Ours::kCommand, Ours::kHttp});
    if (had_groups && e->value.Empty()) hooks.RemoveMember(e);
  }
  if (hooks.ObjectEmpty()) doc->RemoveMember("hooks");
  return Pretty(*doc);
}

Status CheckHttpSpec(const InstallSpec& spec) {
  if (spec.http_url.empty()) {
    if (!spec.token_env.empty()) return Status::Error("--token-env needs --http");
    return Status::Ok();
  }
  std::string_view url = spec.http_url;
  bool scheme = url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
  bool clean = std::none_of(url.begin(), url.end(),
                            [](unsigned char c) { return c <= 0x20 || c == 0x7f || c == '"'; });
  if (!scheme || !clean) {
    return Status::Error("--http '" + spec.http_url + "' is not an http:// or https:// URL");
  }
  const std::string& name = spec.token_env;
  bool ok = name.empty() || !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) return Status::Error("--token-env '" + name + "' is not an environment variable name");
  return Status::Ok();
}

bool AcceptsHttpHook(std::string_view event) { return event != "SessionStart" && event != "Setup"; }

bool IsTraceHookUrl(std::string_view url, std::string_view installed) {
  if (url.empty()) return false;
  if (url == installed) return true;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) != scheme) continue;
    std::string_view rest = url.substr(scheme.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return false;
    std::string_view path = rest.substr(slash);
    return path.substr(0, path.find_first_of("?#")) == "/api/hooks";
  }
  return false;
}

bool IsTraceHookCommand(std::string_view command, std::string_view installed) {
  if (command == installed) return true;
  size_t start = command.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  command.remove_prefix(start);
  char quote = command[0] == '\'' || command[0] == '"' ? command[0] : '\0';
  if (quote) command.remove_prefix(1);
  size_t end = quote ? command.find(quote) : command.find_first_of(" \t");
  std::string_view program = command.substr(0, end);
  size_t slash = program.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? program : program.substr(slash + 1);
  return base == kProgramName;
}

std::string ShellQuote(std::string_view path) {
  bool plain = !path.empty();
  for (char c : path) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '/' || c == '.' || c == '_' || c == '+' || c == '-';
    plain = plain && safe;
  }
  if (plain) return std::string(path);
  std::string out = "'";
  for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

// A statusLine whose command runs `trace-query statusline` (ours, at any path).
bool IsOurStatusLine(const Value& line) {
  if (!line.IsObject()) return false;
  auto it = line.FindMember("command");
  if (it == line.MemberEnd() || !it->value.IsString()) return false;
  std::string_view cmd(it->value.GetString(), it->value.GetStringLength());
  size_t space = cmd.rfind(" statusline");
  if (space == std::string_view::npos || space + 11 != cmd.size()) return false;
  std::string_view program = cmd.substr(0, space);
  if (program.size() >= 2 && program.front() == '\'' && program.back() == '\'') {
    program = program.substr(1, program.size() - 2);
  }
  size_t slash = program.rfind('/');
  return program.substr(slash == std::string_view::npos ? 0 : slash + 1) == "trace-query";
}

}  // namespace

Result<std::string> InstallStatusLine(std::string_view text, const std::string& command,
                                      bool force) {
  auto doc = ParseSettings(text);
  if (!doc) return doc.status();
  auto& a = doc->GetAllocator();
  Value line(rapidjson::kObjectType);
  line.AddMember("type", "command", a);
  line.AddMember("command", Value(command.c_str(), a), a);
  line.AddMember("padding", 0, a);
  auto it = doc->FindMember("statusLine");
  if (it == doc->MemberEnd()) {
    doc->AddMember("statusLine", line, a);
    return Pretty(*doc);
  }
  auto cmd = it->value.IsObject() ? it->value.FindMember("command") : it->value.MemberEnd();
  bool same = it->value.IsObject() && cmd != it->value.MemberEnd() && cmd->value.IsString() &&
              command == cmd->value.GetString();
  if (same) return std::string(text);
  if (!IsOurStatusLine(it->value) && !force) {
    return Status::Error("settings already have a statusLine that is not trace-query's (" +
                         json::Serialize(it->value) + "); --force replaces it");
  }
  it->value = line;
  return Pretty(*doc);
}

Result<std::string> UninstallStatusLine(std::string_view text) {
  auto doc = ParseSettings(text);
  if (!doc) return doc.status();
  auto it = doc->FindMember("statusLine");
  if (it == doc->MemberEnd() || !IsOurStatusLine(it->value)) return std::string(text);
  doc->RemoveMember(it);
  return Pretty(*doc);
}

}  // namespace trace::hook
