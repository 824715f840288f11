#!/usr/bin/env python3
"""A folder of large images blurred by distance through the `varblur` command.

Makes N gray `u8` TIFF images of SIDE x SIDE (a smooth pattern with noise)
and beside each a PNG mask of a few sharp regions (`{stem}_mask.png`), then
runs

  varblur blur DIR/*.tif --out DIR/out --mask '{stem}_mask.png' \\
      --scale 0.1 --max-size 128

under `/usr/bin/time -v` and prints the command's summary with the wall
time, the throughput and the peak memory of the whole run.

  python3 benches/command_folder.py [--images 10] [--side 15000]
      [--dir target/command-folder] [--exe target/release/varblur]
      [--threads 2]

Needs numpy and OpenCV (`opencv-python-headless`) to write the inputs, and
the command built (`cargo build --release -p varblur-cli`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def make_inputs(folder: Path, images: int, side: int) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    x = np.arange(side, dtype=np.float32) / side
    for i in range(images):
        tif, mask_png = folder / f"img_{i:02}.tif", folder / f"img_{i:02}_mask.png"
        if tif.exists() and mask_png.exists():
            continue
        image = np.empty((side, side), dtype=np.uint8)
        for top in range(0, side, 1024):
            y = (np.arange(top, min(top + 1024, side), dtype=np.float32) / side)[:, None]
            pattern = (np.sin((40 + i) * x) * np.cos(31 * y) + 1) * 100
            image[top : top + len(y)] = (pattern + rng.integers(0, 55, (len(y), side))).astype(np.uint8)
        mask = np.zeros((side, side), dtype=np.uint8)
        for _ in range(4):
            cy, cx = rng.integers(0, side, 2)
            r = int(rng.integers(side // 40, side // 12))
            cv2.circle(mask, (int(cx), int(cy)), r, 255, -1)
        cv2.imwrite(str(tif), image)
        cv2.imwrite(str(mask_png), mask)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--side", type=int, default=15000)
    parser.add_argument("--dir", type=Path, default=ROOT / "target" / "command-folder")
    parser.add_argument("--exe", type=Path, default=ROOT / "target" / "release" / "varblur")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not args.exe.exists():
        raise SystemExit(f"{args.exe} is missing: run `cargo build --release -p varblur-cli` first")
    started = time.perf_counter()
    make_inputs(args.dir, args.images, args.side)
    print(f"inputs ready in {time.perf_counter() - started:.1f} s: {args.images} images of {args.side} x {args.side}")
    out = args.dir / "out"
    shutil.rmtree(out, ignore_errors=True)
    images = sorted(str(p) for p in args.dir.glob("img_*.tif"))
    command = [str(args.exe), "blur", *images, "--out", str(out), "--mask", "{stem}_mask.png"]
    command += ["--scale", "0.1", "--max-size", "128"]
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "(no summary)")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    megapixels = args.images * args.side * args.side / 1e6
    print(f"exit status {run.returncode}; wall {wall:.1f} s; {megapixels / wall:.1f} Mpx/s over the run")
    if peak:
        print(f"peak memory {int(peak.group(1)) / 1024:.0f} MB")
    if run.returncode != 0:
        print(run.stderr)


if __name__ == "__main__":
    main()
