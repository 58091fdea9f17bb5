// See hook_settings.h. RapidJSON keeps object members in document order, so
// parse -> edit -> pretty-print leaves the user's layout of keys as it was.
#include "common/hook/hook_settings.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

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

bool IsOurHandler(const Value& handler, std::string_view command) {
  if (!handler.IsObject()) return false;
  auto it = handler.FindMember("command");
  if (it == handler.MemberEnd() || !it->value.IsString()) return false;
  return IsTraceHookCommand({it->value.GetString(), it->value.GetStringLength()}, command);
}

// Our handler in this event's groups, or nullptr.
Value* FindOurHandler(Value& groups, std::string_view command) {
  for (auto& group : groups.GetArray()) {
    auto hooks = group.FindMember("hooks");
    if (hooks == group.MemberEnd()) continue;
    for (auto& handler : hooks->value.GetArray()) {
      if (IsOurHandler(handler, command)) return &handler;
    }
  }
  return nullptr;
}

Value NewGroup(const InstallSpec& spec, Document::AllocatorType& a) {
  Value handler(rapidjson::kObjectType);
  handler.AddMember("type", "command", a);
  handler.AddMember("command", Value(spec.command.c_str(), a), a);
  handler.AddMember("timeout", spec.timeout_s, a);
  Value list(rapidjson::kArrayType);
  list.PushBack(handler, a);
  Value group(rapidjson::kObjectType);
  group.AddMember("matcher", "", a);
  group.AddMember("hooks", list, a);
  return group;
}

void InstallEvent(Value& hooks, const std::string& event, const InstallSpec& spec,
                  Document::AllocatorType& a) {
  auto it = hooks.FindMember(event.c_str());
  if (it == hooks.MemberEnd()) {
    hooks.AddMember(Value(event.c_str(), a), Value(rapidjson::kArrayType), a);
    it = hooks.FindMember(event.c_str());
  }
  if (Value* ours = FindOurHandler(it->value, spec.command)) {
    (*ours)["command"].SetString(spec.command.c_str(), a);
    return;
  }
  it->value.PushBack(NewGroup(spec, a), a);
}

// Removes our handlers from one event's groups; drops groups we emptied.
void UninstallEvent(Value& groups, std::string_view command) {
  for (Value* g = groups.Begin(); g != groups.End();) {
    auto hooks = g->FindMember("hooks");
    bool removed = false;
    if (hooks != g->MemberEnd()) {
      Value& list = hooks->value;
      for (Value* h = list.Begin(); h != list.End();) {
        if (IsOurHandler(*h, command)) {
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

}  // namespace

Result<std::string> InstallHooks(std::string_view text, const InstallSpec& spec) {
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
    UninstallEvent(e->value, spec.command);
    if (had_groups && e->value.Empty()) hooks.RemoveMember(e);
  }
  if (hooks.ObjectEmpty()) doc->RemoveMember("hooks");
  return Pretty(*doc);
}

bool IsTraceHookCommand(std::string_view command, std::string_view installed) {
  if (command == installed) return true;
  size_t start = command.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  command.remove_prefix(start);
  char quote = command[0] == '\'' || command[0] == '"' ? command[0] : 0;
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
