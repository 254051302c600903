// Linear sum assignment against brute force; the Hungarian matcher's costs on a hand-made case.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/util/error.h"
#include "models/matchers/hungarian_matcher.h"
#include "models/matchers/linear_assignment.h"

using namespace detseq;

namespace {

// Minimum total cost over every injective map of the smaller side into the larger one.
double brute_force(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  const bool wide = rows <= cols;
  const int64_t small = wide ? rows : cols, large = wide ? cols : rows;
  std::vector<int64_t> perm(large);
  std::iota(perm.begin(), perm.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {  // every permutation of the large side; its first `small` entries are the assignment
    double total = 0;
    for (int64_t i = 0; i < small; ++i) total += wide ? cost[i * cols + perm[i]] : cost[perm[i] * cols + i];
    best = std::min(best, total);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

double total(const std::vector<double>& cost, int64_t cols, const std::vector<std::pair<int64_t, int64_t>>& pairs) {
  double sum = 0;
  for (auto [r, c] : pairs) sum += cost[r * cols + c];
  return sum;
}

}  // namespace

TEST(LinearSumAssignment, EqualsBruteForceOnRandomMatrices) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> real(-5.0, 5.0);
  std::uniform_int_distribution<int> small_int(0, 3);  // many ties
  int checked = 0;
  for (int64_t rows = 1; rows <= 6; ++rows) {
    for (int64_t cols = 1; cols <= 6; ++cols) {
      for (int trial = 0; trial < 6; ++trial) {
        std::vector<double> cost(rows * cols);
        for (auto& c : cost) c = trial % 2 ? real(gen) : small_int(gen);
        auto pairs = linear_sum_assignment(cost, rows, cols);
        ASSERT_EQ(static_cast<int64_t>(pairs.size()), std::min(rows, cols));
        std::vector<char> row_used(rows, 0), col_used(cols, 0);
        for (size_t i = 0; i < pairs.size(); ++i) {
          auto [r, c] = pairs[i];
          ASSERT_FALSE(row_used[r] || col_used[c]) << "a row or column is used twice";
          row_used[r] = col_used[c] = 1;
          if (i) {
            EXPECT_LT(pairs[i - 1].first, r) << "pairs sorted by row";
          }
        }
        EXPECT_NEAR(total(cost, cols, pairs), brute_force(cost, rows, cols), 1e-9) << rows << "x" << cols;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 216);
}

TEST(LinearSumAssignment, KnownOptimumAndEdgeCases) {
  // Greedy would take (0,0)=1 then pay 100; the optimum is 2 + 3.
  std::vector<double> cost{1, 2, 3, 100};
  auto pairs = linear_sum_assignment(cost, 2, 2);
  EXPECT_EQ(pairs, (std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {1, 0}}));
  EXPECT_TRUE(linear_sum_assignment({}, 0, 4).empty());
  EXPECT_THROW(linear_sum_assignment({1, std::nan("")}, 1, 2), Error);
  EXPECT_THROW(linear_sum_assignment({1, 2, 3}, 2, 2), Error);
}

TEST(LinearSumAssignment, HundredQueriesIsFast) {
  std::mt19937 gen(1);
  std::uniform_real_distribution<double> real(0.0, 1.0);
  std::vector<double> cost(300 * 60);
  for (auto& c : cost) c = real(gen);
  auto pairs = linear_sum_assignment(cost, 300, 60);
  EXPECT_EQ(pairs.size(), 60u);
  // Optimality certificate for a transposed problem: no single swap of two pairs improves it.
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (size_t j = i + 1; j < pairs.size(); ++j) {
      auto [ri, ci] = pairs[i];
      auto [rj, cj] = pairs[j];
      EXPECT_LE(cost[ri * 60 + ci] + cost[rj * 60 + cj], cost[ri * 60 + cj] + cost[rj * 60 + ci] + 1e-12);
    }
  }
}

TEST(HungarianMatcher, CostsAndAssignmentByHand) {
  // Two queries, two targets. Query 0 is a perfect box for target 1, query 1 for target 0.
  auto logits = torch::tensor({{0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f}});  // uniform over 2 classes + no-object
  auto boxes = torch::tensor({{0.7f, 0.7f, 0.2f, 0.2f}, {0.3f, 0.3f, 0.2f, 0.2f}});
  auto labels = torch::tensor({1, 0}, torch::kLong);
  auto target = torch::tensor({{0.3f, 0.3f, 0.2f, 0.2f}, {0.7f, 0.7f, 0.2f, 0.2f}});
  HungarianMatcher matcher;
  auto cost = matcher.cost_matrix(logits, boxes, labels, target);
  // Diagonal pairs: L1 = 0.4 + 0.4, GIoU of disjoint equal boxes: 0 - (0.36 - 0.08) / 0.36.
  const double p = 1.0 / 3.0, giou_far = -(0.36 - 0.08) / 0.36;
  EXPECT_NEAR(cost[0][0].item<float>(), 5 * 0.8 - p - 2 * giou_far, 1e-5);
  EXPECT_NEAR(cost[0][1].item<float>(), -p - 2 * 1.0, 1e-5);
  auto [q, t] = matcher.match(logits, boxes, labels, target);
  EXPECT_TRUE(q.equal(torch::tensor({0, 1}, torch::kLong)));
  EXPECT_TRUE(t.equal(torch::tensor({1, 0}, torch::kLong)));
  // No targets: empty match.
  auto [q0, t0] = matcher.match(logits, boxes, torch::empty({0}, torch::kLong), torch::empty({0, 4}));
  EXPECT_EQ(q0.numel(), 0);
}
