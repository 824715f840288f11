#!/usr/bin/env python3
"""The exact distance transform of a large mask: varblur beside scipy and OpenCV.

    python benches/distance.py [--size 15000] [--threads 2] [--repeat 1]

Needs the installed `varblur` package, numpy, scipy and OpenCV
(`pip install opencv-python-headless`). A square mask of --size pixels a
side holds a few sharp regions (discs, rectangles, a line); each tool
computes the Euclidean distance of every pixel to the nearest region pixel:

- varblur.distance(mask, threads=T): float32;
- scipy.ndimage.distance_transform_edt(mask == 0): float64, single-threaded
  (scipy has no thread option for it);
- cv2.distanceTransform(mask == 0, DIST_L2, DIST_MASK_PRECISE): float32,
  with cv2.setNumThreads(T).

Each tool runs in a process of its own, and so does a baseline of each (the
same imports, the same mask and the tool's input, no transform): the
memory figure is the process's peak resident size (ru_maxrss, read by the
process itself right after the transform, before its result is saved)
minus its baseline's, so it counts what the transform itself allocates
(its output included). The time is the
transform call alone, the best of --repeat. Each result is saved to a
temporary folder, and the largest |difference| from scipy's is computed
at the end, a band of rows at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = ["varblur", "scipy", "opencv"]


def make_mask(size: int):
    """A mask of a few sharp regions, the same for every process."""
    import numpy as np

    mask = np.zeros((size, size), dtype=bool)
    rng = np.random.default_rng(27)
    for _ in range(4):
        cy, cx = rng.integers(0, size, 2)
        r = int(rng.integers(size // 60, size // 15 + 2))
        y0, y1, x0, x1 = max(cy - r, 0), min(cy + r + 1, size), max(cx - r, 0), min(cx + r + 1, size)
        ys, xs = np.ogrid[y0:y1, x0:x1]
        mask[y0:y1, x0:x1] |= (ys - cy) ** 2 + (xs - cx) ** 2 <= r * r
    for _ in range(3):
        y0, x0 = rng.integers(0, size, 2)
        h, w = rng.integers(1, size // 20 + 2, 2)
        mask[y0 : y0 + h, x0 : x0 + w] = True
    # A thin diagonal line.
    n = size // 3
    idx = np.arange(n)
    mask[size // 2 + idx // 2, size // 4 + idx] = True
    return mask


def child(tool: str, size: int, threads: int, repeat: int, out: str | None) -> None:
    """One process: imports, the mask, the tool's input; then the transform
    unless `out` is None (the baseline). Prints a JSON line."""
    import numpy as np

    # The mask stays alive, and each tool's input is made without
    # temporaries, so the baseline's peak is what the process holds when
    # the transform starts.
    mask = make_mask(size)
    if tool == "varblur":
        import varblur

        run = lambda: varblur.distance(mask, threads=threads)  # noqa: E731
    elif tool == "scipy":
        import scipy.ndimage as ndi

        background = np.logical_not(mask)
        run = lambda: ndi.distance_transform_edt(background)  # noqa: E731
    elif tool == "opencv":
        import cv2

        cv2.setNumThreads(threads)
        background = np.logical_not(mask).view(np.uint8)
        run = lambda: cv2.distanceTransform(background, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # noqa: E731
    else:
        raise SystemExit(f"unknown tool {tool}")
    if out is None:
        print(json.dumps({"tool": tool, "peak": peak_bytes()}))
        return
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    peak = peak_bytes()
    np.save(out, result.astype(np.float32, copy=False))
    print(json.dumps({"tool": tool, "seconds": best, "dtype": str(result.dtype), "peak": peak}))


def peak_bytes() -> int:
    """This process's peak resident size so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def spawn(args: list[str]) -> dict:
    """Runs this script with `args` in a process of its own and returns its
    JSON line."""
    proc = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed with status {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def largest_difference(a_path: Path, b_path: Path, band: int = 1024) -> float:
    """max |a - b| of two saved float32 arrays, a band of rows at a time
    (inf - inf counts as 0)."""
    import numpy as np

    a, b = np.load(a_path, mmap_mode="r"), np.load(b_path, mmap_mode="r")
    worst = 0.0
    for start in range(0, a.shape[0], band):
        x, y = np.asarray(a[start : start + band]), np.asarray(b[start : start + band])
        same = x == y
        if not same.all():
            worst = max(worst, float(np.abs(x[~same].astype(np.float64) - y[~same]).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=15000, help="side of the square mask (default 15000)")
    parser.add_argument("--threads", type=int, default=2, help="threads for varblur and OpenCV (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each transform; the best time counts")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.size, args.threads, args.repeat, args.out)
        return

    tools = args.tools.split(",")
    side = args.size
    print(f"distance transform of a {side} x {side} mask, {args.threads} threads for varblur and OpenCV "
          f"(scipy: one thread), {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"mask {side * side / 1e6:.0f} MB (bool), float32 output {4 * side * side / 1e6:.0f} MB")
    common = ["--size", str(side), "--threads", str(args.threads), "--repeat", str(args.repeat)]
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("DISTANCE_BENCH_TMP")) as folder:
        saved = {}
        for tool in tools:
            baseline = spawn(["--child", tool, *common])["peak"]
            saved[tool] = Path(folder) / f"{tool}.npy"
            report = spawn(["--child", tool, "--out", str(saved[tool]), *common])
            extra = report["peak"] - baseline
            rows.append((tool, report["seconds"], report["dtype"], extra / 1e6, baseline / 1e6))
        differences = {
            tool: largest_difference(saved[tool], saved["scipy"]) if "scipy" in saved and tool != "scipy" else None
            for tool in tools
        }
    print(f"{'tool':<9} {'time (s)':>9} {'Mpx/s':>8} {'output':>8} {'extra memory (MB)':>18} "
          f"{'baseline (MB)':>14} {'max |diff| vs scipy':>20}")
    for tool, seconds, dtype, extra, baseline in rows:
        diff = differences[tool]
        diff = "-" if diff is None else f"{diff:.3g}"
        print(f"{tool:<9} {seconds:9.3f} {side * side / 1e6 / seconds:8.1f} {dtype:>8} {extra:18.0f} "
              f"{baseline:14.0f} {diff:>20}")


if __name__ == "__main__":
    main()
