#!/usr/bin/env python3
"""Writes a train2017-sized COCO instances JSON (~450 MB: 118k images, ~860k annotations with
polygons) by replicating a small real file, to measure annotation loading time and memory:

  python3 tools/make_big_coco_json.py ../shared/data/coco128/annotations/instances_train2017.json /tmp/big.json
  /usr/bin/time -v build/detseq benchmark data configs/_base_/datasets/coco128.yaml --load-only \
      --cfg-options train_dataloader.dataset.ann_file=/tmp/big.json

The images do not exist; only parsing is measured. Streams its output, so it needs little memory.
"""
import json
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    target_images = int(sys.argv[3]) if len(sys.argv) > 3 else 118287
    with open(src) as f:
        coco = json.load(f)
    images, anns = coco["images"], coco["annotations"]
    by_image = {}
    for a in anns:
        by_image.setdefault(a["image_id"], []).append(a)
    # train2017 averages ~7.3 annotations per image; coco128 is close, polygons make up the bulk.
    next_ann = 1
    with open(dst, "w") as out:
        out.write('{"info": {"description": "synthetic train2017-sized file"}, "licenses": [], "images": [')
        for i in range(target_images):
            im = dict(images[i % len(images)])
            im["id"] = i + 1
            out.write(("," if i else "") + json.dumps(im))
        out.write('], "annotations": [')
        first = True
        for i in range(target_images):
            for a in by_image.get(images[i % len(images)]["id"], []):
                a = dict(a)
                a["id"], a["image_id"] = next_ann, i + 1
                next_ann += 1
                out.write(("" if first else ",") + json.dumps(a))
                first = False
        out.write('], "categories": ' + json.dumps(coco["categories"]) + "}")
    print(f"{dst}: {target_images} images, {next_ann - 1} annotations")


if __name__ == "__main__":
    main()
