#!/usr/bin/env python3
"""The variable box for every pixel type, channel count and border.

Runs the crate's `npy` example (the box through `Auto`, or the backend
named) on images of each type and channel count with one map, and, when
numba is installed, a Numba summed-area table in float64 over the same
image and the integer map (what a Python user writes: `prange` over
output rows, the same thread count). Prints Markdown tables:

  types      Mpx/s per type and channel count: a smooth radius map 0..64
             (fractional), the same map rounded (integer), random integer
             radii 1..=256, and Numba on the integer map.
  borders    Mpx/s per border on the smooth map, per type.
  uniform    `RunningSum` at a whole radius n and at n + 0.5, per type.

  python3 benches/pixel_types.py [--side 4096] [--border-side 2048] [--threads 2]
                           [--repeat 3] [--tables types,borders,uniform]
                           [--images "u16 RGB,f64 gray"] [--exe PATH] [--base PATH]

Build the example first (`cargo build --release --example npy`); the
script runs target/release/examples/npy, or the one `--exe` names. With
`--base` (a copy of the example from an earlier build), every figure is
measured for both builds, one after the other, and each cell reads
"this (base)": a before/after in one run. Samples per second count
pixels, whatever the channel count: the channels are what makes an RGB
pixel dearer than a gray one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / "target" / "release" / "examples" / "npy"

# (label, dtype, channels): the kinds of images the crate's users hold.
IMAGES = [
    ("u8 gray", np.uint8, 1),
    ("u8 RGB", np.uint8, 3),
    ("u8 RGBA", np.uint8, 4),
    ("u16 gray", np.uint16, 1),
    ("u16 RGB", np.uint16, 3),
    ("f32 gray", np.float32, 1),
    ("f32 RGB", np.float32, 3),
    ("f64 gray", np.float64, 1),
]
BORDERS = ["clip", "constant=0", "replicate", "reflect", "symmetric", "wrap"]


def image_of(side: int, dtype, channels: int) -> np.ndarray:
    """A smooth pattern with noise, full range of the type (0..1 for floats)."""
    rng = np.random.default_rng(7)
    x = np.arange(side, dtype=np.float32) / max(side - 1, 1)
    y = x[:, None]
    base = (np.sin(40 * x) * np.cos(31 * y) + 1) * 0.5
    planes = []
    for c in range(channels):
        noise = rng.random((side, side), dtype=np.float32) * 0.2
        planes.append(np.clip(base * 0.8 + noise + 0.05 * c, 0, 1))
    unit = np.stack(planes, axis=-1) if channels > 1 else planes[0]
    if np.issubdtype(dtype, np.integer):
        return np.round(unit * np.iinfo(dtype).max).astype(dtype)
    return unit.astype(dtype)


def smooth_map(side: int, largest: float) -> np.ndarray:
    """A ramp with a bump, like a distance map: 0..largest."""
    x = np.arange(side, dtype=np.float32) / max(side - 1, 1)
    y = x[:, None]
    ramp = 0.5 * (x + y)
    bump = np.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) * 8)
    return (largest * np.clip(0.8 * ramp + 0.2 * bump, 0, 1)).astype(np.float32)


def random_map(side: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.integers(1, 257, size=(side, side)).astype(np.float32)


class Figure(float):
    """Mpx/s of the build under test, with the base build's beside it."""

    base: float | None = None

    def __format__(self, spec: str) -> str:
        own = format(float(self), spec)
        return own if self.base is None else f"{own} ({format(self.base, spec)})"


class Runner:
    """Runs the npy example on arrays saved once to a temporary folder."""

    def __init__(self, workdir: Path, threads: int, repeat: int, exe: Path, base: Path | None):
        self.workdir, self.threads, self.repeat = workdir, threads, repeat
        self.exe, self.base = exe, base
        self.calls = 0
        self.saved: dict[str, Path] = {}

    def path(self, key: str, make) -> Path:
        if key not in self.saved:
            path = self.workdir / f"{len(self.saved)}.npy"
            np.save(path, make())
            self.saved[key] = path
        return self.saved[key]

    def mpx_per_s(self, image: Path, size: list[str], border: str = "clip", backend: str = "auto") -> Figure:
        builds = [self.exe] if self.base is None else [self.exe, self.base]
        # Alternate which build goes first, so that neither always runs on
        # a cache or a clock warmed by the other.
        self.calls += 1
        order = builds if self.calls % 2 else builds[::-1]
        measured = {exe: self.run(exe, image, size, border, backend) for exe in order}
        figure = Figure(measured[self.exe])
        if self.base is not None:
            figure.base = measured[self.base]
        return figure

    def run(self, exe: Path, image: Path, size: list[str], border: str, backend: str) -> float:
        out = self.workdir / "out.npy"
        args = [str(exe), str(image), str(out), "--kernel", "box", *size, "--border", border]
        args += ["--backend", backend, "--threads", str(self.threads), "--repeat", str(self.repeat)]
        run = subprocess.run(args, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"npy example failed: {' '.join(args)}\n{run.stderr}")
        return json.loads(run.stdout.strip().splitlines()[-1])["mpx_per_s"]


def numba_sat():
    """A Numba summed-area box blur (Clip) in float64, any type and channel count."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(parallel=True, cache=False)
    def blur(image, radius, out, integer):
        h, w, c = image.shape
        table = np.zeros((h + 1, w + 1, c), dtype=np.float64)
        for y in numba.prange(h):
            for ch in range(c):
                acc = 0.0
                for x in range(w):
                    acc += image[y, x, ch]
                    table[y + 1, x + 1, ch] = acc
        for x in numba.prange(w + 1):
            for y in range(h):
                for ch in range(c):
                    table[y + 1, x, ch] += table[y, x, ch]
        for y in numba.prange(h):
            for x in range(w):
                r = radius[y, x]
                y0, y1 = max(y - r, 0), min(y + r + 1, h)
                x0, x1 = max(x - r, 0), min(x + r + 1, w)
                count = (y1 - y0) * (x1 - x0)
                for ch in range(c):
                    total = table[y1, x1, ch] - table[y0, x1, ch] - table[y1, x0, ch] + table[y0, x0, ch]
                    mean = total / count
                    out[y, x, ch] = np.floor(mean + 0.5) if integer else mean
        return out

    return numba, blur


def numba_mpx_per_s(sat, image: np.ndarray, radius: np.ndarray, threads: int, repeat: int) -> float:
    numba, blur = sat
    numba.set_num_threads(threads)
    image3 = np.ascontiguousarray(image.reshape(image.shape[0], image.shape[1], -1))
    radius = np.ascontiguousarray(radius)
    out = np.empty_like(image3)
    integer = bool(np.issubdtype(image.dtype, np.integer))
    # Compile outside the timing, for the layouts timed (C-contiguous).
    small = [np.ascontiguousarray(a[:8, :8]) for a in (image3, radius, out)]
    blur(*small, integer)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        blur(image3, radius, out, integer)
        best = min(best, time.perf_counter() - start)
    return image.shape[0] * image.shape[1] / 1e6 / best


def types_table(runner: Runner, side: int, sat) -> None:
    smooth = runner.path(f"smooth@{side}", lambda: smooth_map(side, 64.0))
    integer_map = np.round(smooth_map(side, 64.0))
    integer = runner.path("integer", lambda: integer_map)
    rand = runner.path("random", lambda: random_map(side))
    print(f"\n### Variable box per type: {side} x {side}, Clip, {runner.threads} threads (Mpx/s)\n")
    print("| image | smooth map 0..64 | integer map | random 1..=256 | Numba SAT (integer map) | integer / Numba |")
    print("|---|---|---|---|---|---|")
    for label, dtype, channels in IMAGES:
        image = image_of(side, dtype, channels)
        path = runner.path(f"{label}@{side}", lambda: image)
        row = [runner.mpx_per_s(path, ["--size-map", str(m)]) for m in (smooth, integer, rand)]
        numba = numba_mpx_per_s(sat, image, integer_map.astype(np.int64), runner.threads, runner.repeat) if sat else None
        cells = [f"{v:.0f}" for v in row]
        cells += [f"{numba:.0f}", f"{row[1] / numba:.2f}x"] if numba else ["-", "-"]
        print(f"| {label} | " + " | ".join(cells) + " |")
        sys.stdout.flush()


def borders_table(runner: Runner, side: int) -> None:
    smooth = runner.path(f"smooth@{side}", lambda: smooth_map(side, 64.0))
    print(f"\n### Variable box per border: {side} x {side}, smooth map 0..64, {runner.threads} threads (Mpx/s)\n")
    print("| image | " + " | ".join(BORDERS) + " | slowest / clip |")
    print("|---|" + "---|" * (len(BORDERS) + 1))
    for label, dtype, channels in IMAGES:
        path = runner.path(f"{label}@{side}", lambda: image_of(side, dtype, channels))
        row = [runner.mpx_per_s(path, ["--size-map", str(smooth)], border=b) for b in BORDERS]
        print(f"| {label} | " + " | ".join(f"{v:.0f}" for v in row) + f" | {min(row) / row[0]:.2f} |")
        sys.stdout.flush()


def uniform_table(runner: Runner, side: int) -> None:
    radii = [16.0, 16.5]
    print(f"\n### RunningSum, one radius: {side} x {side}, Clip, {runner.threads} threads (Mpx/s)\n")
    print("| image | " + " | ".join(f"r = {r:g}" for r in radii) + " | fractional / whole |")
    print("|---|" + "---|" * (len(radii) + 1))
    for label, dtype, channels in IMAGES:
        path = runner.path(f"{label}@{side}", lambda: image_of(side, dtype, channels))
        row = [runner.mpx_per_s(path, ["--size", str(r)], backend="running-sum") for r in radii]
        print(f"| {label} | " + " | ".join(f"{v:.0f}" for v in row) + f" | {row[1] / row[0]:.2f} |")
        sys.stdout.flush()



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--border-side", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables", default="types,borders,uniform")
    labels = ",".join(label for label, _, _ in IMAGES)
    parser.add_argument("--images", default=labels, help="the rows to time, by label")
    parser.add_argument("--exe", type=Path, default=EXE, help="the npy example to time")
    parser.add_argument("--base", type=Path, help="an earlier build of it, timed beside")
    args = parser.parse_args()
    for exe in filter(None, (args.exe, args.base)):
        if not exe.exists():
            raise SystemExit(f"{exe} is missing: run `cargo build --release --example npy` first")
    tables = set(args.tables.split(","))
    chosen = [label.strip() for label in args.images.split(",")]
    unknown = sorted(set(chosen) - {label for label, _, _ in IMAGES})
    if unknown:
        raise SystemExit(f"unknown image labels {unknown}: choose among {labels}")
    IMAGES[:] = [image for image in IMAGES if image[0] in chosen]
    sat = numba_sat()
    if sat is None:
        print("numba is not installed: the Numba column is left out")
    with tempfile.TemporaryDirectory() as workdir:
        runner = Runner(Path(workdir), args.threads, args.repeat, args.exe, args.base)
        if "types" in tables:
            types_table(runner, args.side, sat)
        if "borders" in tables:
            borders_table(runner, args.border_side)
        if "uniform" in tables:
            uniform_table(runner, args.side)


if __name__ == "__main__":
    main()
