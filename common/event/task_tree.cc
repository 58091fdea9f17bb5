// Task tree construction and iterative serialization.
#include "common/event/task_tree.h"

#include <rapidjson/document.h>

#include <unordered_map>

#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

namespace {

struct Node {
  rapidjson::Value doc;  // lives in the tree's shared pool allocator
  std::vector<size_t> children;
};

void WriteNodeOpen(json::StringWriter& w, const Node& n) {
  w.StartObject();
  if (n.doc.IsObject()) {
    for (const auto& m : n.doc.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "children") continue;
      w.Key(key);
      w.Value(m.value);
    }
  }
  w.Key("children");
  w.StartArray();
}

// Depth-first, with an explicit stack of (node, next child).
void WriteTree(json::StringWriter& w, const std::vector<Node>& nodes, size_t root) {
  std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
  WriteNodeOpen(w, nodes[root]);
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < nodes[node].children.size()) {
      size_t child = nodes[node].children[next++];
      WriteNodeOpen(w, nodes[child]);
      stack.emplace_back(child, 0);
    } else {
      w.EndArray();
      w.EndObject();
      stack.pop_back();
    }
  }
}

}  // namespace

std::string BuildTaskTree(const std::string& task_id, const std::vector<std::string>& events,
                          bool truncated) {
  // One pool for all nodes: a Document each would cost a 64 KB chunk apiece.
  rapidjson::MemoryPoolAllocator<> pool;
  std::vector<Node> nodes(events.size());
  std::unordered_map<std::string, size_t> by_span;
  for (size_t i = 0; i < events.size(); ++i) {
    rapidjson::Document parsed(&pool);
    if (json::Parse(&parsed, events[i], json::kMaxEventDepth)) nodes[i].doc.Swap(parsed);
    if (auto id = json::GetString(nodes[i].doc, "span_id")) by_span.emplace(*id, i);
  }
  std::vector<size_t> roots;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto parent = json::GetString(nodes[i].doc, "parent_id");
    auto it = parent ? by_span.find(std::string(*parent)) : by_span.end();
    // A parent later in seq order (or itself) would allow cycles: only
    // earlier events can be parents.
    if (it != by_span.end() && it->second < i) {
      nodes[it->second].children.push_back(i);
    } else {
      roots.push_back(i);
    }
  }
  json::StringWriter w;
  w.StartObject();
  w.Key("task_id");
  w.String(task_id);
  w.Key("count");
  w.Uint64(events.size());
  w.Key("truncated");
  w.Bool(truncated);
  w.Key("roots");
  w.StartArray();
  for (size_t r : roots) WriteTree(w, nodes, r);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace trace
