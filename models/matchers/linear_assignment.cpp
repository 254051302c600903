#include "models/matchers/linear_assignment.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "core/util/error.h"

namespace detseq {
namespace {

// Solves for n <= m; a(i, j) with 1-based i in [1, n], j in [1, m]. Column 0 is a virtual start.
std::vector<int64_t> solve_wide(int64_t n, int64_t m, const std::function<double(int64_t, int64_t)>& a) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<int64_t> owner(m + 1, 0), way(m + 1, 0);  // owner[j]: row matched to column j
  for (int64_t i = 1; i <= n; ++i) {
    owner[0] = i;
    int64_t j0 = 0;
    std::vector<double> min_reduced(m + 1, inf);
    std::vector<char> visited(m + 1, 0);
    // Dijkstra over columns in reduced costs until a free column is reached.
    do {
      visited[j0] = 1;
      const int64_t i0 = owner[j0];
      double delta = inf;
      int64_t j1 = -1;
      for (int64_t j = 1; j <= m; ++j) {
        if (visited[j]) continue;
        const double reduced = a(i0, j) - u[i0] - v[j];
        if (reduced < min_reduced[j]) {
          min_reduced[j] = reduced;
          way[j] = j0;
        }
        if (min_reduced[j] < delta) {
          delta = min_reduced[j];
          j1 = j;
        }
      }
      for (int64_t j = 0; j <= m; ++j) {
        if (visited[j]) {
          u[owner[j]] += delta;
          v[j] -= delta;
        } else {
          min_reduced[j] -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] != 0);
    // Flip the matching along the path back to the virtual column.
    do {
      const int64_t j1 = way[j0];
      owner[j0] = owner[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int64_t> row_to_col(n, -1);
  for (int64_t j = 1; j <= m; ++j) {
    if (owner[j] != 0) row_to_col[owner[j] - 1] = j - 1;
  }
  return row_to_col;
}

}  // namespace

std::vector<std::pair<int64_t, int64_t>> linear_sum_assignment(const std::vector<double>& cost, int64_t rows,
                                                               int64_t cols) {
  if (rows < 0 || cols < 0 || static_cast<int64_t>(cost.size()) != rows * cols) {
    throw Error("linear_sum_assignment: cost has " + std::to_string(cost.size()) + " entries, expected " +
                std::to_string(rows) + " x " + std::to_string(cols));
  }
  for (double c : cost) {
    if (!std::isfinite(c)) throw Error("linear_sum_assignment: the cost matrix contains NaN or infinity");
  }
  std::vector<std::pair<int64_t, int64_t>> pairs;
  if (rows == 0 || cols == 0) return pairs;
  if (rows <= cols) {
    auto match = solve_wide(rows, cols, [&](int64_t i, int64_t j) { return cost[(i - 1) * cols + (j - 1)]; });
    for (int64_t r = 0; r < rows; ++r) pairs.emplace_back(r, match[r]);
  } else {  // more rows than columns: solve the transpose
    auto match = solve_wide(cols, rows, [&](int64_t i, int64_t j) { return cost[(j - 1) * cols + (i - 1)]; });
    for (int64_t c = 0; c < cols; ++c) pairs.emplace_back(match[c], c);
    std::sort(pairs.begin(), pairs.end());
  }
  return pairs;
}

}  // namespace detseq
