#!/usr/bin/env python3
"""Writes a synthetic COCO annotation file and a matching results file, for benchmarking and
cross-checking the COCO metric (e.g. against pycocotools).

  python3 tools/make_fake_coco_results.py --images 5000 --dets 100 --out /tmp/fake

writes /tmp/fake/gt.json and /tmp/fake/results.json. Deterministic for a given --seed. The data
exercise pycocotools' details: crowd boxes, a GT `area` that differs from the box area, images
without annotations, categories without ground truth, tied scores (scores are rounded), and
detections both near ground truth (jittered copies) and random.
Standard library only.
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dets", type=int, default=100, help="detections per image")
    ap.add_argument("--categories", type=int, default=80)
    ap.add_argument("--max-gt", type=int, default=15, help="most ground-truth boxes per image")
    ap.add_argument("--crowd-prob", type=float, default=0.03)
    ap.add_argument("--score-decimals", type=int, default=2, help="rounding of scores (creates ties)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="output folder")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    # Category ids with gaps, as COCO's 1..90.
    cat_ids = [i + 1 + i // 10 for i in range(a.categories)]
    images, anns, results = [], [], []
    ann_id = 1
    for i in range(a.images):
        img_id = 1000 + 3 * i
        w, h = rng.choice([(640, 480), (480, 640), (640, 427), (500, 375)])
        images.append({"id": img_id, "width": w, "height": h, "file_name": "%012d.jpg" % img_id})
        n_gt = 0 if rng.random() < 0.05 else rng.randint(1, a.max_gt)
        gts = []
        for _ in range(n_gt):
            bw = rng.uniform(4, w * 0.8) * rng.choice([0.1, 0.3, 1.0])
            bh = rng.uniform(4, h * 0.8) * rng.choice([0.1, 0.3, 1.0])
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            cat = rng.choice(cat_ids[: a.categories - 3])  # the last 3 categories have no GT
            crowd = 1 if rng.random() < a.crowd_prob else 0
            area = bw * bh * rng.uniform(0.5, 0.95)  # a segmentation area, not the box area
            box = [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)]
            anns.append({"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": box,
                         "area": area, "iscrowd": crowd})
            gts.append((box, cat))
            ann_id += 1
        for _ in range(a.dets):
            if gts and rng.random() < 0.6:
                (x, y, bw, bh), cat = rng.choice(gts)
                j = rng.uniform(0.0, 0.25)
                x += rng.uniform(-j, j) * bw
                y += rng.uniform(-j, j) * bh
                bw *= rng.uniform(1 - j, 1 + j)
                bh *= rng.uniform(1 - j, 1 + j)
                if rng.random() < 0.1:
                    cat = rng.choice(cat_ids)
                score = rng.uniform(0.2, 1.0)
            else:
                bw, bh = rng.uniform(2, w / 2), rng.uniform(2, h / 2)
                x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
                cat = rng.choice(cat_ids)
                score = rng.uniform(0.0, 0.6)
            results.append({"image_id": img_id, "category_id": cat,
                            "bbox": [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)],
                            "score": round(score, a.score_decimals)})
    categories = [{"id": c, "name": "class_%d" % c, "supercategory": "thing"} for c in cat_ids]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "gt.json"), "w") as f:
        json.dump({"images": images, "annotations": anns, "categories": categories}, f)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f)
    print("%d images, %d annotations, %d detections -> %s" % (len(images), len(anns), len(results), a.out))


if __name__ == "__main__":
    main()
