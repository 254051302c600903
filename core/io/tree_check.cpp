// check_tree: one iterative depth-first pass over a Value graph (see value.h).
#include <unordered_map>

#include "core/io/value.h"
#include "core/util/error.h"

namespace detseq::io {
namespace {

constexpr size_t kShownPathSteps = 8;

// The children of a container in a fixed order: dict keys and values interleaved, an opaque
// object's state, sequence elements.
size_t child_count(const Value& v) {
  if (v.is_dict()) return 2 * v.items().size();
  if (v.is_sequence()) return v.elements().size();
  return v.is_opaque() ? 1 : 0;
}
const Value& child(const Value& v, size_t i) {
  if (v.is_dict()) return i % 2 ? v.items()[i / 2].second : v.items()[i / 2].first;
  if (v.is_sequence()) return v.elements()[i];
  return v.opaque_state();
}

struct Frame {
  const Value* value;
  size_t next = 0;        // next child to visit
  uint64_t expanded = 1;  // values below and including this one, once per path
};

// "['model']['layer'][3]" for the path of open frames (shortened in the middle when long).
std::string path_of(const std::vector<Frame>& frames) {
  std::vector<std::string> steps;
  for (size_t f = 0; f + 1 < frames.size(); ++f) {
    const Value& v = *frames[f].value;
    const size_t i = frames[f].next - 1;
    if (v.is_dict()) {
      const Value& key = v.items()[i / 2].first;
      steps.push_back("[" + (key.is_string() ? "'" + key.as_string() + "'" : key.describe()) + "]" + (i % 2 ? "" : " (a key)"));
    } else if (v.is_sequence()) {
      steps.push_back("[" + std::to_string(i) + "]");
    } else {
      steps.push_back(".__state__");
    }
  }
  std::string out = "root";
  for (size_t s = 0; s < steps.size(); ++s) {
    if (steps.size() > 2 * kShownPathSteps && s == kShownPathSteps) {
      out += "...(" + std::to_string(steps.size() - 2 * kShownPathSteps) + " more levels)...";
      s = steps.size() - kShownPathSteps;
    }
    out += steps[s];
  }
  return out;
}

}  // namespace

void check_tree(const std::vector<const Value*>& roots, const TreeLimits& limits) {
  // Per container: expanded size once finished; absent while unseen; kOpen while on the path.
  constexpr uint64_t kOpen = ~uint64_t{0};
  std::unordered_map<const void*, uint64_t> seen;
  std::vector<Frame> frames;
  for (const Value* root : roots) {
    if (root->container_id() && seen.count(root->container_id())) continue;  // examined from an earlier root
    frames.assign(1, Frame{root});
    if (root->container_id()) seen[root->container_id()] = kOpen;
    while (!frames.empty()) {
      Frame& top = frames.back();
      if (top.next == child_count(*top.value)) {
        const uint64_t size = top.expanded;
        if (const void* id = top.value->container_id()) seen[id] = size;
        frames.pop_back();
        if (!frames.empty()) {
          uint64_t& parent = frames.back().expanded;
          parent = std::min(parent + size, kOpen - 1);  // saturates
          if (parent > limits.max_expanded) {
            throw Error("value tree expands to more than " + std::to_string(limits.max_expanded) +
                        " values at " + path_of(frames) + " (shared containers referenced along too many paths)");
          }
        }
        continue;
      }
      const Value& c = child(*top.value, top.next++);
      const void* id = c.container_id();
      if (!id) {
        ++top.expanded;
        continue;
      }
      auto it = seen.find(id);
      if (it != seen.end() && it->second == kOpen) {
        frames.push_back(Frame{&c});
        throw Error("value tree contains itself at " + path_of(frames) + " (a reference cycle)");
      }
      if (it != seen.end()) {  // shared and already examined: only its size counts again
        top.expanded = std::min(top.expanded + it->second, kOpen - 1);
        if (top.expanded > limits.max_expanded) {
          frames.push_back(Frame{&c});
          throw Error("value tree expands to more than " + std::to_string(limits.max_expanded) + " values at " +
                      path_of(frames) + " (shared containers referenced along too many paths)");
        }
        continue;
      }
      if (frames.size() >= limits.max_depth) {
        frames.push_back(Frame{&c});
        throw Error("value tree nests deeper than " + std::to_string(limits.max_depth) + " levels at " + path_of(frames));
      }
      seen.emplace(id, kOpen);
      frames.push_back(Frame{&c});
    }
  }
}

}  // namespace detseq::io
