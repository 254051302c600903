// Decoded Pix2Seq tokens -> Detections. How a sequence is generated and turned into boxes differs
// between the three Pix2Seq code bases; Pix2SeqInferenceRules holds each choice (one head option
// each, see docs/pix2seq.md). With the defaults, scoring is the official
// (tasks/task_utils.decode_object_seq_to_bbox): at each object's class position the class is the
// argmax of the vocabulary softmax restricted to the class-token range and the score is that
// token's probability; boxes come from the generated coordinate tokens, have their corners ordered,
// are mapped to ORIGINAL image pixels with the ImageMeta affine map and clipped to that image.
// Up to max_objects per image, no NMS. Class ids without a dataset label are dropped (COCO
// evaluation ignores them, as the references' ids 0 / N/A).
#pragma once
#include <string>
#include <vector>

#include "core/interfaces/sequence.h"
#include "core/structures/detections.h"

namespace detseq {

struct Pix2SeqInferenceRules {
  enum class Constraints { kNone, kClassSlots, kFull } constraints = Constraints::kNone;
  bool suppress_end = false, suppress_noise = false;  // never generate these tokens
  bool stop_at_end = true;     // false: generate the full length and score every object slot
  bool box_from_logits = false;  // true: per coordinate slot, argmax over the coordinate range
  bool class_from_token = false;  // true: the generated class token (instead of the class-range argmax)
  bool class_softmax = false;  // score softmax over the class range only (default: whole vocabulary)
  bool sort_coordinates = true;
  enum class Clip { kOriginal, kInput, kNone } clip = Clip::kOriginal;

  // From the head options' strings; unknown values -> ConfigError with a suggestion.
  static Pix2SeqInferenceRules parse(const std::string& constraints, const std::vector<std::string>& suppress_tokens,
                                     const std::string& stop, const std::string& box_source,
                                     const std::string& class_source, const std::string& score_softmax,
                                     bool sort_coordinates, const std::string& clip_boxes);
  // The generation mask and stop rule these rules imply for a tokenizer.
  TokenConstraints token_constraints(const Tokenizer& tokenizer) const;
};

// tokens [B, T], logits [B, T, V]; (height, width) = size of the network input the tokens refer to.
std::vector<Detections> sequences_to_detections(const DecodeResult& result, const Tokenizer& tokenizer,
                                                const std::vector<ImageMeta>& metas, int64_t height, int64_t width,
                                                int64_t max_objects, const Pix2SeqInferenceRules& rules = {});

}  // namespace detseq
