// Counts the multiply-adds of the matrix and convolution operators LibTorch runs on this thread
// while a FlopCounter is alive (ATen's RecordFunction observers; nothing is changed in the
// model). One multiply-add is one FLOP, as fvcore and mmengine's get_model_complexity_info count:
//   aten::convolution  N * C_out * H_out * W_out * (C_in / groups) * kH * kW (2-D; 1-D and 3-D alike)
//   aten::mm, aten::addmm  M * K * N;   aten::bmm, aten::baddbmm  B * M * K * N
// Element-wise ops, normalisation, softmax and pooling are not counted (fvcore's defaults
// count them in neither its conv nor its matmul handles either). Composite ops (linear, matmul,
// conv2d, multi-head attention) are counted through the operators they call.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace detseq {

class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;

  // Counts from now on go to `scope` (e.g. "backbone"); "" until set.
  void set_scope(const std::string& scope);
  // scope -> operator -> multiply-adds.
  const std::map<std::string, std::map<std::string, int64_t>>& counts() const;
  int64_t total() const;
  int64_t total(const std::string& scope) const;
};

}  // namespace detseq
