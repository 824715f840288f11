#!/usr/bin/env python3
"""A uniform Gaussian blur beside OpenCV's `cv2.GaussianBlur`.

The common call is one sigma for the whole image. This times the crate's
Gaussian backends through the `npy` example and OpenCV in this process,
at the same thread count, on a picture of each type, with the `Reflect`
border (OpenCV's default, `BORDER_REFLECT_101`; `--border` picks another
for the crate's backends alone), and measures each one's
error against the exact definition (the sampled Gaussian truncated at
ceil(4 sigma), which is separable: scipy's `gaussian_filter` in float64
with `mode="mirror"` and `truncate=4` computes it) on a smaller picture.

OpenCV is timed twice: with its default kernel size (`ksize=(0, 0)`,
which truncates at 3 sigma for `uint8` and 4 sigma for `float32`), and
with the definition's size (2 ceil(4 sigma) + 1). Prints one Markdown
table: ms per image and max |error| (in 8-bit steps for `uint8`, as a
fraction of the value range for `float32`).

  python3 benches/uniform_gaussian.py [--side 4096] [--accuracy-side 1024]
                           [--sigmas 2,8,32] [--threads 1] [--repeat 3]
                           [--backends levels,iterated-box] [--border reflect]
                           [--exe PATH]

Needs numpy, scipy and opencv-python (`pip install numpy scipy
opencv-python-headless`); build the example first (`cargo build --release
--example npy`).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixel_types import EXE, image_of  # noqa: E402  (the same pictures as the type table)

TYPES = [("u8", np.uint8), ("f32", np.float32)]


def npy_blur(exe: Path, workdir: Path, image: np.ndarray, sigma: float, backend: str, border: str, threads: int, repeat: int):
    """The crate's blur of `image` and its best time in seconds."""
    src, out = workdir / "in.npy", workdir / "out.npy"
    np.save(src, image)
    args = [str(exe), str(src), str(out), "--kernel", "gaussian", "--size", str(sigma), "--border", border]
    args += ["--backend", backend, "--threads", str(threads), "--repeat", str(repeat)]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"npy example failed: {' '.join(args)}\n{run.stderr}")
    seconds = json.loads(run.stdout.strip().splitlines()[-1])["seconds"]
    return np.load(out), seconds


def cv2_blur(image: np.ndarray, sigma: float, exact_size: bool, repeat: int):
    """OpenCV's blur of `image` and its best time in seconds."""
    import cv2

    side = 2 * math.ceil(4 * sigma) + 1 if exact_size else 0
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = cv2.GaussianBlur(image, (side, side), sigma, borderType=cv2.BORDER_REFLECT_101)
        best = min(best, time.perf_counter() - start)
    return out, best


def exact(image: np.ndarray, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(image.astype(np.float64), sigma, mode="mirror", truncate=4.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--accuracy-side", type=int, default=1024)
    parser.add_argument("--sigmas", default="2,8,32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="levels,iterated-box")
    parser.add_argument("--border", default="reflect", help="the crate's border; OpenCV and the error need reflect")
    parser.add_argument("--exe", type=Path, default=EXE, help="the npy example to time")
    args = parser.parse_args()
    if not args.exe.exists():
        raise SystemExit(f"{args.exe} is missing: run `cargo build --release --example npy` first")
    sigmas = [float(s) for s in args.sigmas.split(",")]
    backends = args.backends.split(",")
    methods = [f"varblur {b}" for b in backends]
    # OpenCV and the exact reference (scipy's "mirror") read Reflect only.
    same_border = args.border == "reflect"
    if same_border:
        import cv2

        cv2.setNumThreads(args.threads)
        methods += ["cv2 default ksize", "cv2 ksize 2ceil(4s)+1"]
    print(
        f"{args.side} x {args.side} (timing), {args.accuracy_side} x {args.accuracy_side} (error), "
        f"{args.border}, {args.threads} thread(s), best of {args.repeat}; ms / max |error| (u8: in 8-bit steps; f32: over the value range)\n"
    )
    print("| image | sigma | " + " | ".join(methods) + " |")
    print("|---" * (2 + len(methods)) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for label, dtype in TYPES:
            big = image_of(args.side, dtype, 1)
            small = image_of(args.accuracy_side, dtype, 1)
            value_range = float(small.max() - small.min())
            for sigma in sigmas:
                reference = exact(small, sigma) if same_border else None
                cells = []
                for method in methods:
                    if method.startswith("varblur"):
                        backend = method.split()[1]
                        _, seconds = npy_blur(args.exe, workdir, big, sigma, backend, args.border, args.threads, args.repeat)
                        blurred, _ = npy_blur(args.exe, workdir, small, sigma, backend, args.border, args.threads, 1)
                    else:
                        exact_size = "ceil" in method
                        _, seconds = cv2_blur(big, sigma, exact_size, args.repeat)
                        blurred, _ = cv2_blur(small, sigma, exact_size, 1)
                    if reference is None:
                        cells.append(f"{seconds * 1e3:.0f}")
                        continue
                    error = np.abs(blurred.astype(np.float64) - reference).max()
                    # An 8-bit output is off by up to half a step from its
                    # rounding alone, so its error reads best in steps.
                    shown = f"{error:.2f} steps" if dtype == np.uint8 else f"{error / value_range:.1e}"
                    cells.append(f"{seconds * 1e3:.0f} / {shown}")
                print(f"| {label} | {sigma:g} | " + " | ".join(cells) + " |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
