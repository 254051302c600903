#!/usr/bin/python3
"""The detseq train pipeline of configs/_base_/datasets/coco128.yaml, done with torchvision + PIL.

Decode (PIL, RGB) -> resize keeping the ratio to fit 1333x800 (boxes scaled) -> random horizontal
flip (boxes flipped) -> to float tensor -> normalise (ImageNet mean/std) -> batches of 2 padded to
the largest image, on a torch DataLoader with N worker processes. Prints images/s, then runs
`detseq benchmark data` on the same config and prints the ratio.

Run with Debian's Python (torch + torchvision): /usr/bin/python3 tools/bench_data_torchvision.py
"""
import argparse
import json
import os
import random
import re
import subprocess
import time

import torch
import torchvision.transforms.functional as F
from PIL import Image

MEAN = [123.675 / 255, 116.28 / 255, 103.53 / 255]
STD = [58.395 / 255, 57.12 / 255, 57.375 / 255]


class CocoBoxes(torch.utils.data.Dataset):
    def __init__(self, root, ann_file, img_dir):
        with open(os.path.join(root, ann_file)) as f:
            coco = json.load(f)
        boxes = {im["id"]: [] for im in coco["images"]}
        for a in coco["annotations"]:
            x, y, w, h = a["bbox"]
            if w >= 1 and h >= 1:
                boxes[a["image_id"]].append([x, y, x + w, y + h])
        self.items = [(os.path.join(root, img_dir, im["file_name"]), boxes[im["id"]]) for im in coco["images"]]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, boxes = self.items[i]
        img = Image.open(path).convert("RGB")
        b = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        w, h = img.size
        # mmcv rescale: fit the long side in 1333 and the short side in 800.
        s = min(1333 / max(w, h), 800 / min(w, h))
        nw, nh = int(w * s + 0.5), int(h * s + 0.5)
        img = F.resize(img, [nh, nw])
        b = b * torch.tensor([nw / w, nh / h, nw / w, nh / h])
        if random.random() < 0.5:
            img = F.hflip(img)
            b = torch.stack([nw - b[:, 2], b[:, 1], nw - b[:, 0], b[:, 3]], 1)
        t = F.normalize(F.to_tensor(img), MEAN, STD)
        return t, b


def collate(batch):
    H = max(t.shape[1] for t, _ in batch)
    W = max(t.shape[2] for t, _ in batch)
    images = torch.zeros(len(batch), 3, H, W)
    masks = torch.ones(len(batch), H, W, dtype=torch.bool)
    for i, (t, _) in enumerate(batch):
        images[i, :, : t.shape[1], : t.shape[2]] = t
        masks[i, : t.shape[1], : t.shape[2]] = False
    return images, masks, [b for _, b in batch]


def bench_torchvision(args):
    ds = CocoBoxes(args.data_root, args.ann_file, args.img_dir)
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=args.num_workers,
                                         collate_fn=collate, persistent_workers=args.num_workers > 0)
    images, warm, start = 0, 0, None
    while images < args.num_images + warm:
        for imgs, _, _ in loader:
            images += imgs.shape[0]
            if warm == 0:
                warm, start = images, time.perf_counter()
            if images >= args.num_images + warm:
                break
    seconds = time.perf_counter() - start
    return (images - warm) / seconds, images - warm, seconds


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", default=os.path.join(repo, "..", "shared", "data", "coco128"))
    p.add_argument("--ann-file", default="annotations/instances_train2017.json")
    p.add_argument("--img-dir", default="images")
    p.add_argument("--config", default=os.path.join(repo, "configs", "_base_", "datasets", "coco128.yaml"))
    p.add_argument("--detseq", default=os.path.join(repo, "build", "detseq"), help="detseq binary (empty: skip)")
    p.add_argument("--num-workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("-n", "--num-images", type=int, default=256)
    args = p.parse_args()
    torch.set_num_threads(1)
    rate, n, sec = bench_torchvision(args)
    print(f"torchvision+PIL: {n} images in {sec:.3f} s = {rate:.1f} images/s ({args.num_workers} workers)")
    if not args.detseq:
        return
    cmd = [args.detseq, "benchmark", "data", args.config, "--num-workers", str(args.num_workers),
           "-n", str(args.num_images), "--cfg-options", f"data_root={os.path.abspath(args.data_root)}/",
           f"train_dataloader.batch_size={args.batch_size}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=repo).stdout
    print(out.strip())
    m = re.search(r"= ([0-9.]+) images/s", out)
    if m:
        print(f"ratio detseq / torchvision: {float(m.group(1)) / rate:.2f}x")


if __name__ == "__main__":
    main()
