// Nesting by parent_id, orphans as roots, deep chains without recursion.
#include "common/event/task_tree.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace trace {
namespace {

TEST(TaskTree, NestsByParent) {
  std::vector<std::string> events = {
      R"({"span_id":"a","parent_id":null,"seq":1})",
      R"({"span_id":"b","parent_id":"a","seq":2})",
      R"({"span_id":"c","parent_id":"a","seq":3})",
      R"({"span_id":"d","parent_id":"missing","seq":4})",
  };
  rapidjson::Document doc;
  doc.Parse(BuildTaskTree("T", events, false).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["count"].GetInt(), 4);
  ASSERT_EQ(doc["roots"].Size(), 2u);
  EXPECT_STREQ(doc["roots"][0]["span_id"].GetString(), "a");
  EXPECT_EQ(doc["roots"][0]["children"].Size(), 2u);
  EXPECT_STREQ(doc["roots"][1]["span_id"].GetString(), "d");
}

TEST(TaskTree, DeepChainAndCycleSafe) {
  std::vector<std::string> events;
  for (int i = 0; i < 20000; ++i) {
    std::string e = R"({"span_id":"s)";
    e += std::to_string(i);
    e += R"(","parent_id":"s)";
    e += std::to_string(i == 0 ? 19999 : i - 1);
    e += R"("})";
    events.push_back(std::move(e));
  }
  std::string out = BuildTaskTree("T", events, true);
  EXPECT_NE(out.find("\"truncated\":true"), std::string::npos);
  EXPECT_NE(out.find("\"s19999\""), std::string::npos);
}

// A node is the event's members with "children" set by the tree (an event's
// own "children" member would be a duplicate key); a value that is not an
// object is an empty node, and commas sit only between siblings.
TEST(TaskTree, NodesAreWholeJsonWhateverTheEvent) {
  std::vector<std::string> events = {
      R"({"span_id":"a","children":[1,2]})",
      R"({"span_id":"b","parent_id":"a"})",
      R"([1,2])",
      R"({"span_id":"c","parent_id":"a"})",
  };
  EXPECT_EQ(BuildTaskTree("T", events, false),
            R"({"task_id":"T","count":4,"truncated":false,"roots":[)"
            R"({"span_id":"a","children":[{"span_id":"b","parent_id":"a","children":[]},)"
            R"({"span_id":"c","parent_id":"a","children":[]}]},{"children":[]}]})");
  std::string node;
  AppendTreeNodeOpen("not json", &node);
  EXPECT_EQ(node, R"({"children":[)");
}

TEST(TaskTree, ShapeNeedsOnlyTheKeys) {
  TaskTreeShape shape = NestByParent({{"a", ""}, {"b", "a"}, {"a", "b"}, {"c", "c"}});
  EXPECT_EQ(shape.roots, (std::vector<size_t>{0, 3}));  // c is its own parent: a root
  EXPECT_EQ(shape.children[0], (std::vector<size_t>{1}));
  EXPECT_EQ(shape.children[1], (std::vector<size_t>{2}));  // a second "a": the first is the parent
}

}  // namespace
}  // namespace trace
