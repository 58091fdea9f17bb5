// Nests a task's events by parent_id for GET /api/tasks/{id}/tree. Events
// whose parent is not among them are roots. Iterative (transcript chains are
// as deep as they are long), so no input can overflow the stack.
#pragma once

#include <string>
#include <vector>

namespace trace {

// events: event JSON in seq order. Returns
// {"task_id":..,"count":N,"roots":[{...event, "children":[...]}]}.
std::string BuildTaskTree(const std::string& task_id, const std::vector<std::string>& events,
                          bool truncated);

}  // namespace trace
