// Small string helpers shared by the config, the registry and the CLI.
#pragma once
#include <string>
#include <vector>

namespace detseq {

// Levenshtein distance, used for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` by edit distance, or "" when none is reasonably close
// (distance above max(2, |word|/2)).
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " — did you mean 'x'?" or "" when there is no close candidate.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

std::vector<std::string> split(const std::string& s, char sep);
std::string join(const std::vector<std::string>& parts, const std::string& sep);
bool starts_with(const std::string& s, const std::string& prefix);
bool ends_with(const std::string& s, const std::string& suffix);
std::string trim(const std::string& s);

}  // namespace detseq
