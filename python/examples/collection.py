"""Blur a folder of large images on a cluster, chunk by chunk.

Makes a folder of images (``.npy``: a ``uint8`` image and a ``float32``
radius map growing with the distance from a point, per image), opens them
lazily (memory-mapped, read one chunk at a time by the workers), blurs them
with ``varblur.dask`` on a ``LocalCluster`` of worker processes, and writes
each result into its own ``.npy`` file, chunk by chunk. A worker holds a
few chunks with their halos at a time, whatever the images' size. Prints the
throughput and each worker's peak memory.

    python examples/collection.py                       # 8 images of 4000 x 4000
    python examples/collection.py --count 2 --side 2000 # a quick run
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from dask.distributed import Client, LocalCluster, progress

import dask.array as da
import varblur
import varblur.dask


class NpyFile:
    """A ``.npy`` file as an array Dask reads from: each read memory-maps
    the file and copies out the piece asked for, so what travels to the
    workers is the path, not the pixels."""

    def __init__(self, path: Path):
        header = np.load(path, mmap_mode="r")
        self.path, self.shape, self.dtype, self.ndim = str(path), header.shape, header.dtype, header.ndim

    def __getitem__(self, key):
        return np.array(np.load(self.path, mmap_mode="r")[key])


class NpyTarget:
    """A ``.npy`` file opened for writing by pieces (``dask.array.store``)."""

    def __init__(self, path: Path, shape, dtype):
        np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape).flush()
        self.path = str(path)

    def __setitem__(self, key, value):
        target = np.load(self.path, mmap_mode="r+")
        target[key] = value
        target.flush()


def make_images(folder: Path, count: int, side: int, largest: float, seed: int = 0) -> list:
    """Writes `count` images of `side` x `side` and their size maps, by bands of rows."""
    rng = np.random.default_rng(seed)
    pairs = []
    for index in range(count):
        image_path, size_path = folder / f"image_{index}.npy", folder / f"size_{index}.npy"
        image = np.lib.format.open_memmap(image_path, mode="w+", dtype=np.uint8, shape=(side, side))
        sizes = np.lib.format.open_memmap(size_path, mode="w+", dtype=np.float32, shape=(side, side))
        centre = rng.uniform(0, side, size=2)
        x = np.arange(side)
        for top in range(0, side, 512):
            y = np.arange(top, min(top + 512, side))[:, None]
            stripes = 127.5 + 80 * np.sin(x / 13.0 + index) * np.cos(y / 17.0)
            image[top : top + len(y)] = np.clip(stripes + rng.normal(0, 30, (len(y), side)), 0, 255)
            distance = np.hypot(y - centre[0], x - centre[1])
            sizes[top : top + len(y)] = np.minimum(distance / side * 2 * largest, largest)
        image.flush()
        sizes.flush()
        pairs.append((image_path, size_path))
        del image, sizes
    return pairs


def peak_memory() -> int:
    """This process's peak resident memory, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=8, help="images (default 8)")
    parser.add_argument("--side", type=int, default=4000, help="image side in pixels (default 4000)")
    parser.add_argument("--chunk", type=int, default=500, help="rows of a chunk of whole rows (default 500)")
    parser.add_argument("--kernel", choices=["box", "gaussian"], default="box")
    parser.add_argument("--largest", type=float, default=32.0, help="largest radius, or sigma (default 32)")
    parser.add_argument("--mode", default="renormalize", help="border mode (default renormalize)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB", help="per worker (default 2GiB)")
    parser.add_argument("--folder", type=Path, help="where to write (default: a temporary folder)")
    parser.add_argument("--check", action="store_true", help="compare the first image with a whole-image blur")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        pairs = make_images(folder, args.count, args.side, args.largest)
        print(f"made {args.count} images of {args.side} x {args.side} in {folder} ({time.perf_counter() - started:.1f} s)")

        blur = varblur.dask.box_blur if args.kernel == "box" else varblur.dask.gaussian_blur
        # Chunks of whole rows: their halo is rows only (the fastest shape).
        chunks = (args.chunk, args.side)
        # The maps are made capped at --largest: given, it spares a pass over
        # every map for its largest size before the blur.
        largest = {"max_radius" if args.kernel == "box" else "max_sigma": args.largest}
        with LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        ) as cluster, Client(cluster) as client:
            sources, targets = [], []
            for image_path, size_path in pairs:
                image = da.from_array(NpyFile(image_path), chunks=chunks, meta=np.empty((0, 0), np.uint8))
                sizes = da.from_array(NpyFile(size_path), chunks=chunks, meta=np.empty((0, 0), np.float32))
                sources.append(blur(image, sizes, mode=args.mode, **largest))
                out_path = image_path.with_name(image_path.stem.replace("image", "blurred") + ".npy")
                targets.append(NpyTarget(out_path, image.shape, image.dtype))
            started = time.perf_counter()
            stored = client.compute(da.store(sources, targets, lock=False, compute=False))
            progress(stored)
            client.gather(stored)
            elapsed = time.perf_counter() - started
            peaks = client.run(peak_memory)

        pixels = args.count * args.side * args.side
        print(f"\nblurred {pixels / 1e6:.0f} Mpx ({args.kernel}, sizes up to {args.largest}) in {elapsed:.1f} s: {pixels / 1e6 / elapsed:.1f} Mpx/s")
        for worker, peak in sorted(peaks.items()):
            print(f"peak memory of worker {worker}: {peak / 2**20:.0f} MiB")
        if args.check:
            image, sizes = np.load(pairs[0][0]), np.load(pairs[0][1])
            whole = (varblur.box_blur if args.kernel == "box" else varblur.gaussian_blur)(image, sizes, mode=args.mode)
            result = np.load(folder / "blurred_0.npy")
            difference = np.abs(result.astype(np.int16) - whole.astype(np.int16)).max()
            print(f"first image against the whole-image blur: largest difference {difference}")


if __name__ == "__main__":
    main()
