// Nests a task's events by parent_id for GET /api/tasks/{id}/tree. Events
// whose parent is not among them are roots. Iterative (transcript chains are
// as deep as they are long), so no input can overflow the stack. The shape
// needs only each event's span_id and parent_id, and a node is written from
// its event alone, so a server can stream the tree one event at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trace {

// Who is whose child: indexes into the events, in seq order.
struct TaskTreeShape {
  std::vector<size_t> roots;
  std::vector<std::vector<size_t>> children;  // one list per event
};

// keys: (span_id, parent_id) of each event in seq order ("" parent: none).
// Only an earlier event can be a parent, so the shape has no cycles.
TaskTreeShape NestByParent(const std::vector<std::pair<std::string, std::string>>& keys);

// {"task_id":..,"count":N,"truncated":b,"roots":[ — the tree's opening.
std::string TaskTreeHead(const std::string& task_id, uint64_t count, bool truncated);
// Appends an event as an open node: its members (but any "children") and
// "children":[ — the caller closes it with "]}" after its children, which
// are separated by ','. A value that is not a JSON object is an empty node.
void AppendTreeNodeOpen(std::string_view event_json, std::string* out);

// events: event JSON in seq order. Returns the whole tree at once:
// {"task_id":..,"count":N,"truncated":b,"roots":[{...event, "children":[...]}]}.
std::string BuildTaskTree(const std::string& task_id, const std::vector<std::string>& events,
                          bool truncated);

}  // namespace trace
