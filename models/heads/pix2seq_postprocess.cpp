#include "models/heads/pix2seq_postprocess.h"

#include "core/structures/box_mapping.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

size_t choose(const char* option, const std::string& value, const std::vector<std::string>& choices) {
  for (size_t i = 0; i < choices.size(); ++i)
    if (choices[i] == value) return i;
  throw ConfigError(std::string("Pix2SeqHead: ") + option + " must be one of " + join(choices, ", ") + ", got '" +
                    value + "'" + did_you_mean(value, choices));
}

}  // namespace

Pix2SeqInferenceRules Pix2SeqInferenceRules::parse(const std::string& constraints,
                                                   const std::vector<std::string>& suppress_tokens,
                                                   const std::string& stop, const std::string& box_source,
                                                   const std::string& class_source, const std::string& score_softmax,
                                                   bool sort_coordinates, const std::string& clip_boxes) {
  Pix2SeqInferenceRules r;
  r.constraints = static_cast<Constraints>(choose("constraints", constraints, {"none", "class_slots", "full"}));
  for (const auto& token : suppress_tokens) {
    if (choose("suppress_tokens entry", token, {"end", "noise"}) == 0) {
      r.suppress_end = true;
    } else {
      r.suppress_noise = true;
    }
  }
  r.stop_at_end = choose("stop", stop, {"at_end", "never"}) == 0;
  r.box_from_logits = choose("box_source", box_source, {"token", "logits"}) == 1;
  r.class_from_token = choose("class_source", class_source, {"logits", "token"}) == 1;
  r.class_softmax = choose("score_softmax", score_softmax, {"vocabulary", "classes"}) == 1;
  r.sort_coordinates = sort_coordinates;
  r.clip = static_cast<Clip>(choose("clip_boxes", clip_boxes, {"original", "input", "none"}));
  if (r.stop_at_end && r.suppress_end) {
    throw ConfigError("Pix2SeqHead: stop: at_end with suppress_tokens: [end] would never stop; use stop: never");
  }
  return r;
}

TokenConstraints Pix2SeqInferenceRules::token_constraints(const Tokenizer& tok) const {
  TokenConstraints c;
  c.end_token = tok.end_token();
  c.pad_token = tok.pad_token();
  c.stop_on_end = stop_at_end;
  if (constraints == Constraints::kNone && !suppress_end && !suppress_noise) return c;
  const int64_t per = Tokenizer::kTokensPerObject;
  c.allowed = torch::ones({per, tok.vocab_size()}, torch::kBool);
  const auto [c0, c1] = tok.coord_range();
  const auto [k0, k1] = tok.class_range();
  if (constraints != Constraints::kNone) {  // class slots: class tokens only
    c.allowed[per - 1].fill_(false);
    c.allowed[per - 1].narrow(0, k0, k1 - k0).fill_(true);
  }
  if (constraints == Constraints::kFull) {  // coordinate slots: coordinates (and end where an object starts)
    for (int64_t phase = 0; phase < per - 1; ++phase) {
      c.allowed[phase].fill_(false);
      c.allowed[phase].narrow(0, c0, c1 - c0).fill_(true);
    }
    if (stop_at_end) c.allowed[0][tok.end_token()] = true;
  }
  if (suppress_end) c.allowed.select(1, tok.end_token()).fill_(false);
  if (suppress_noise) c.allowed.select(1, tok.noise_token()).fill_(false);
  return c;
}

std::vector<Detections> sequences_to_detections(const DecodeResult& result, const Tokenizer& tok,
                                                const std::vector<ImageMeta>& metas, int64_t height, int64_t width,
                                                int64_t max_objects, const Pix2SeqInferenceRules& rules) {
  using Clip = Pix2SeqInferenceRules::Clip;
  const int64_t per = Tokenizer::kTokensPerObject;
  auto tokens = result.tokens.to(torch::kCPU);
  auto logits = result.logits.to(torch::kCPU, torch::kFloat32);
  const int64_t objects = std::min(tokens.size(1) / per, max_objects);
  const int64_t vocab = logits.size(-1);
  const auto [cls_begin, cls_end] = tok.class_range();
  const auto [coord_begin, coord_end] = tok.coord_range();
  std::vector<Detections> out;
  for (int64_t b = 0; b < tokens.size(0); ++b) {
    const ImageMeta& meta = metas[static_cast<size_t>(b)];
    Detections det;
    det.image_id = meta.image_id;
    auto tb = tokens[b];
    int64_t count = objects;
    if (rules.stop_at_end) {
      count = 0;
      while (count < objects && tb[count * per].item<int64_t>() != tok.end_token()) ++count;
    }
    std::vector<int64_t> keep_rows, labels;
    std::vector<float> scores;
    torch::Tensor coords;
    if (count > 0) {
      auto obj_tokens = tb.narrow(0, 0, count * per).view({count, per});
      auto obj_logits = logits[b].narrow(0, 0, count * per).view({count, per, vocab});
      auto class_logits = obj_logits.select(1, per - 1);
      auto probs = rules.class_softmax ? class_logits.narrow(1, cls_begin, cls_end - cls_begin).softmax(-1)
                                       : class_logits.softmax(-1).narrow(1, cls_begin, cls_end - cls_begin);
      torch::Tensor score, index;
      if (rules.class_from_token) {
        index = obj_tokens.select(1, per - 1) - cls_begin;
        score = probs.gather(1, index.clamp(0, cls_end - cls_begin - 1).unsqueeze(1)).squeeze(1);
      } else {
        std::tie(score, index) = probs.max(1);
      }
      for (int64_t i = 0; i < count; ++i) {
        const int64_t label = tok.label_of(cls_begin + index[i].item<int64_t>());
        if (label < 0) continue;  // not a class token, or a class slot with no dataset label (COCO's unused ids)
        keep_rows.push_back(i);
        labels.push_back(label);
        scores.push_back(score[i].item<float>());
      }
      coords = rules.box_from_logits
                   ? obj_logits.narrow(1, 0, per - 1).narrow(2, coord_begin, coord_end - coord_begin).argmax(-1) +
                         coord_begin
                   : obj_tokens.narrow(1, 0, per - 1);
    }
    const int64_t k = static_cast<int64_t>(keep_rows.size());
    if (k > 0) {
      auto rows = torch::tensor(keep_rows, torch::kInt64);
      auto boxes = tok.dequantize_boxes(coords.index_select(0, rows), height, width).to(torch::kFloat64);
      if (rules.clip == Clip::kInput) {
        auto limits = torch::tensor({double(width), double(height), double(width), double(height)}, torch::kFloat64);
        boxes = torch::min(boxes.clamp_min(0.0), limits);
      }
      det.boxes = boxes_to_original(boxes, meta,
                                    rules.sort_coordinates ? EdgeOrder::kSorted : EdgeOrder::kSwapOnFlip,
                                    rules.clip == Clip::kOriginal)
                      .to(torch::kFloat32);
    } else {
      det.boxes = torch::zeros({0, 4});
    }
    det.scores = torch::tensor(scores, torch::kFloat32);
    det.labels = torch::tensor(labels, torch::kInt64);
    out.push_back(std::move(det));
  }
  return out;
}

}  // namespace detseq
