// FlopCounter: multiply-adds of convolutions and matrix products, per scope and operator.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/util/error.h"
#include "core/util/flop_counter.h"

namespace detseq {
namespace {

TEST(FlopCounter, ConvolutionsAndMatrixProductsByScope) {
  torch::NoGradGuard no_grad;
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).stride(2).padding(1));
  torch::nn::Conv2d grouped(torch::nn::Conv2dOptions(8, 8, 3).padding(1).groups(4).bias(false));
  torch::nn::Linear fc(16, 5);
  FlopCounter counter;
  counter.set_scope("conv");
  auto x = conv(torch::randn({2, 3, 10, 12}));  // out 2 x 8 x 5 x 6
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{2, 8, 5, 6}));
  grouped(x);
  counter.set_scope("matmul");
  fc(torch::randn({7, 16}));                            // addmm 7 x 16 x 5
  torch::bmm(torch::randn({4, 3, 6}), torch::randn({4, 6, 2}));  // 4 x 3 x 6 x 2
  torch::mm(torch::randn({2, 3}), torch::randn({3, 4}));         // 2 x 3 x 4
  torch::relu(x);                                                // not counted
  const int64_t conv_macs = 2 * 8 * 5 * 6 * 3 * 9, grouped_macs = 2 * 8 * 5 * 6 * (8 / 4) * 9;
  EXPECT_EQ(counter.total("conv"), conv_macs + grouped_macs);
  EXPECT_EQ(counter.counts().at("matmul").at("aten::addmm"), 7 * 16 * 5);
  EXPECT_EQ(counter.counts().at("matmul").at("aten::bmm"), 4 * 3 * 6 * 2);
  EXPECT_EQ(counter.counts().at("matmul").at("aten::mm"), 2 * 3 * 4);
  EXPECT_EQ(counter.total(), conv_macs + grouped_macs + 7 * 16 * 5 + 4 * 3 * 6 * 2 + 2 * 3 * 4);
  EXPECT_THROW(FlopCounter second, Error);
}

TEST(FlopCounter, NothingIsCountedOutsideItsLifetime) {
  torch::NoGradGuard no_grad;
  { FlopCounter first; }
  FlopCounter counter;
  EXPECT_EQ(counter.total(), 0);
  torch::mm(torch::randn({2, 2}), torch::randn({2, 2}));
  EXPECT_EQ(counter.total(), 8);
}

}  // namespace
}  // namespace detseq
