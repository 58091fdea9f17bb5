// Task tree construction and iterative serialization.
#include "common/event/task_tree.h"

#include <rapidjson/document.h>

#include <unordered_map>

#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

TaskTreeShape NestByParent(const std::vector<std::pair<std::string, std::string>>& keys) {
  TaskTreeShape shape;
  shape.children.resize(keys.size());
  std::unordered_map<std::string_view, size_t> by_span;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].first.empty()) by_span.emplace(keys[i].first, i);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& parent = keys[i].second;
    auto it = parent.empty() ? by_span.end() : by_span.find(parent);
    // A parent later in seq order (or itself) would allow cycles: only
    // earlier events can be parents.
    if (it != by_span.end() && it->second < i) {
      shape.children[it->second].push_back(i);
    } else {
      shape.roots.push_back(i);
    }
  }
  return shape;
}

std::string TaskTreeHead(const std::string& task_id, uint64_t count, bool truncated) {
  json::StringWriter w;
  w.StartObject();
  w.Key("task_id");
  w.String(task_id);
  w.Key("count");
  w.Uint64(count);
  w.Key("truncated");
  w.Bool(truncated);
  w.EndObject();
  std::string head = w.Take();
  head.pop_back();  // the '}': the roots follow
  head += ",\"roots\":[";
  return head;
}

void AppendTreeNodeOpen(std::string_view event_json, std::string* out) {
  rapidjson::Document doc;
  json::StringWriter w;
  w.StartObject();
  if (json::Parse(&doc, event_json, json::kMaxEventDepth) && doc.IsObject()) {
    for (const auto& m : doc.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "children") continue;
      w.Key(key);
      w.Value(m.value);
    }
  }
  w.EndObject();
  std::string node = w.Take();
  node.pop_back();  // the '}': children follow
  *out += node;
  *out += node.size() > 1 ? ",\"children\":[" : "\"children\":[";
}

std::string BuildTaskTree(const std::string& task_id, const std::vector<std::string>& events,
                          bool truncated) {
  std::vector<std::pair<std::string, std::string>> keys(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    rapidjson::Document doc;
    if (!json::Parse(&doc, events[i], json::kMaxEventDepth)) continue;
    keys[i] = {std::string(json::GetString(doc, "span_id").value_or("")),
               std::string(json::GetString(doc, "parent_id").value_or(""))};
  }
  TaskTreeShape shape = NestByParent(keys);
  std::string out = TaskTreeHead(task_id, events.size(), truncated);
  // Depth-first, with an explicit stack of (node, next child).
  for (size_t r = 0; r < shape.roots.size(); ++r) {
    if (r) out += ',';
    std::vector<std::pair<size_t, size_t>> stack{{shape.roots[r], 0}};
    AppendTreeNodeOpen(events[shape.roots[r]], &out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < shape.children[node].size()) {
        size_t child = shape.children[node][next];
        if (next++) out += ',';
        AppendTreeNodeOpen(events[child], &out);
        stack.emplace_back(child, 0);
      } else {
        out += "]}";
        stack.pop_back();
      }
    }
  }
  out += "]}";
  return out;
}

}  // namespace trace
