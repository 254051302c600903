// Decoded Pix2Seq tokens -> Detections, scored as google-research/pix2seq
// (tasks/task_utils.decode_object_seq_to_bbox): at each object's class position, the class is the
// argmax of the vocabulary softmax restricted to the class-token range and the score is that
// token's probability; boxes are dequantised, clipped, then mapped to ORIGINAL image pixels with
// the ImageMeta affine map. Up to max_objects per image, no NMS.
#pragma once
#include <vector>

#include "core/interfaces/sequence.h"
#include "core/structures/detections.h"

namespace detseq {

// tokens [B, T], logits [B, T, V]; (height, width) = size of the network input the tokens refer to.
std::vector<Detections> sequences_to_detections(const DecodeResult& result, const Tokenizer& tokenizer,
                                                const std::vector<ImageMeta>& metas, int64_t height, int64_t width,
                                                int64_t max_objects);

// Maps xyxy boxes [K, 4] of the current image back to the original one and clips them.
torch::Tensor boxes_to_original(const torch::Tensor& boxes, const ImageMeta& meta);

}  // namespace detseq
