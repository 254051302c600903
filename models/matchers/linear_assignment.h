// Exact minimum-cost linear assignment (what scipy.optimize.linear_sum_assignment solves).
// Shortest augmenting paths with dual potentials (the Hungarian method in its O(n^2 m) form):
// each row is added in turn and the cheapest path in the reduced costs augments the matching.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace detseq {

// cost: row-major [rows x cols], any finite values (negative allowed). Rectangular matrices assign
// min(rows, cols) pairs. Returns (row, col) pairs sorted by row. Non-finite costs -> detseq::Error.
std::vector<std::pair<int64_t, int64_t>> linear_sum_assignment(const std::vector<double>& cost, int64_t rows,
                                                               int64_t cols);

}  // namespace detseq
