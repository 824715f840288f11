"""Speed of the Python package beside the Rust crate and a Numba summed-area table.

Prints, in one run on one machine, for the case B1 (1024 x 1024
uint8, random integer radius 1..256 per pixel) and B3 (15000 x 15000 uint8,
smooth radius map 0..128), each a box blur with the default border
("renormalize"):

- ``varblur.box_blur`` (into a preallocated ``out``, and into a new array);
- the Rust crate directly, on the same arrays: the crate's ``npy`` example
  (built with ``cargo build --release --example npy``), which reads the
  image and map from ``.npy`` files and times only the filter;
- a Numba summed-area table (an int64 integral image, four reads per pixel,
  ``prange`` over output rows, the same thread count), when numba is
  installed (integer radii only: the map rounded up for it);
- with ``--dask``: B3 through ``varblur.dask.box_blur`` on a local cluster
  of ``--threads`` single-threaded worker processes, in chunks of
  ``--chunk-rows`` whole rows (or ``--chunk-rows`` x ``--chunk-cols``), with
  each worker's peak memory, four ways: worker processes with the image
  and map already in their memory (persisted, as the single call has them
  in its own);
  read lazily from ``.npy`` files (as a collection on disk would be) given
  the map's largest radius (``max_radius=128``, as a capped distance map
  knows it); read from the files finding it (a pass over the map before
  the blur); and workers as threads of this process, reading the arrays in
  its memory (peak memory is then the process's).

Every figure is the best of ``--repeat`` runs (for the Python and Rust calls,
of ``--rounds`` alternations of them), in megapixels per second.

Usage (from the repository root, in the package's environment)::

    cargo build --release --example npy
    python python/bench.py [--threads 2] [--repeat 3] [--side 15000] [--dask] [--chunk-rows 3750] [--skip-b3]
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

import numpy as np

import varblur

ROOT = Path(__file__).resolve().parent.parent


def best_time(call, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def b1_case(rng):
    image = rng.integers(0, 256, size=(1024, 1024), dtype=np.uint8)
    radius = rng.integers(1, 257, size=(1024, 1024)).astype(np.float32)
    return image, radius


def b3_case(side):
    """A gray uint8 image of side x side and a smooth radius map 0..128 (a ramp
    with a bump, like a distance map), made in strips to keep memory low."""
    image = np.empty((side, side), dtype=np.uint8)
    radius = np.empty((side, side), dtype=np.float32)
    x = np.arange(side, dtype=np.float32) / max(side - 1, 1)
    step = 1024
    for top in range(0, side, step):
        y = (np.arange(top, min(top + step, side), dtype=np.float32) / max(side - 1, 1))[:, None]
        image[top : top + len(y)] = ((np.sin(40 * x) * np.cos(31 * y) + 1) * 127.5).astype(np.uint8)
        ramp = 0.5 * (x + y)
        bump = np.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) * 8)
        radius[top : top + len(y)] = 128 * np.clip(0.8 * ramp + 0.2 * bump, 0, 1)
    return image, radius


def rust_direct(image, radius, threads, repeat, workdir):
    """The crate's npy example on the same arrays: seconds of the best filter run."""
    exe = ROOT / "target" / "release" / "examples" / "npy"
    if not exe.exists():
        return None
    src, size, dst = (Path(workdir) / name for name in ("in.npy", "size.npy", "out.npy"))
    np.save(src, image)
    np.save(size, radius)
    args = [str(exe), str(src), str(dst), "--kernel", "box", "--size-map", str(size)]
    args += ["--threads", str(threads), "--repeat", str(repeat)]
    line = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    for path in (src, size, dst):
        path.unlink()
    return json.loads(line)["seconds"]


def numba_sat():
    """A Numba summed-area box blur with Clip semantics, or None without numba."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(parallel=True, cache=False)
    def blur(image, radius):
        h, w = image.shape
        table = np.zeros((h + 1, w + 1), dtype=np.int64)
        for y in numba.prange(h):
            acc = 0
            for x in range(w):
                acc += image[y, x]
                table[y + 1, x + 1] = acc
        for x in numba.prange(w + 1):
            for y in range(h):
                table[y + 1, x] += table[y, x]
        out = np.empty((h, w), dtype=np.uint8)
        for y in numba.prange(h):
            for x in range(w):
                r = radius[y, x]
                y0, y1 = max(y - r, 0), min(y + r + 1, h)
                x0, x1 = max(x - r, 0), min(x + r + 1, w)
                total = table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]
                count = (y1 - y0) * (x1 - x0)
                out[y, x] = (2 * total + count) // (2 * count)
        return out

    return numba, blur


class NpyFile:
    """A 2-D ``.npy`` file as an array Dask reads from, so the workers get
    the path, not the pixels (as for a collection of images on disk): whole
    rows are read from the file in one piece, other pieces are copied out of
    a memory map."""

    def __init__(self, path):
        header = np.load(path, mmap_mode="r")
        self.path, self.shape, self.dtype, self.ndim = str(path), header.shape, header.dtype, header.ndim
        self.offset = header.offset
        assert header.ndim == 2 and header.flags.c_contiguous

    def __getitem__(self, key):
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        width = self.shape[1]
        whole_rows = isinstance(cols, slice) and cols.indices(width) == (0, width, 1)
        if whole_rows and isinstance(rows, slice) and rows.step in (None, 1):
            start, stop, _ = rows.indices(self.shape[0])
            out = np.empty((max(stop - start, 0), width), self.dtype)
            with open(self.path, "rb") as file:
                file.seek(self.offset + start * width * self.dtype.itemsize)
                file.readinto(memoryview(out).cast("B"))
            return out
        return np.array(np.load(self.path, mmap_mode="r")[key])


def start_memory_sampler(dask_worker):
    """In a worker: samples its resident memory every 5 ms in a thread (the
    kernel's peak for a process is inherited across fork, so it would count
    the parent's arrays)."""
    import threading

    import psutil

    process, peak, done = psutil.Process(), [0], threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    dask_worker.varblur_memory_sampler = (thread, peak, done)


def stop_memory_sampler(dask_worker):
    """In a worker: stops the sampler and returns the peak in MB."""
    thread, peak, done = dask_worker.varblur_memory_sampler
    done.set()
    thread.join()
    return peak[0] / 1e6


def dask_run(image, radius, threads, repeat, chunks, workdir):
    """B3 through varblur.dask on a local cluster of `threads` single-threaded
    worker processes, in `chunks`, each output chunk dropped where it was
    made, three ways: the image and map already in the workers' memory (as
    the single call has them in its own), and read from .npy files (in the
    page cache after the first run) with the map's largest radius given
    (``max_radius=128``) or found by a pass over the map. Returns
    (label, best seconds, peak MB of each worker) for each."""
    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    import varblur.dask as vd

    paths = [Path(workdir) / name for name in ("image.npy", "radius.npy")]
    np.save(paths[0], image)
    np.save(paths[1], radius)
    results = []
    with LocalCluster(n_workers=threads, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            lazy_image, lazy_radius = (da.from_array(NpyFile(path), chunks=chunks) for path in paths)

            def measure(label, image, radius, largest):
                def run():
                    result = vd.box_blur(image, radius, max_radius=largest)
                    result.map_blocks(lambda b: np.zeros((1, 1), np.uint8), chunks=(1, 1)).compute()

                client.run(start_memory_sampler)
                seconds = best_time(run, repeat)
                results.append((label, seconds, sorted(client.run(stop_memory_sampler).values())))

            in_memory = client.persist([lazy_image, lazy_radius])
            wait(in_memory)
            measure("processes, in the workers' memory", *in_memory, None)
            del in_memory
            measure("processes, from .npy files, max_radius=128", lazy_image, lazy_radius, 128.0)
            measure("processes, from .npy files, largest found", lazy_image, lazy_radius, None)
    # Workers as threads of this process share its memory: the arrays are
    # read where they are, as the single call reads them.
    with LocalCluster(n_workers=threads, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            shared = [da.from_array(array, chunks=chunks) for array in (image, radius)]
            measure("threads of one process, arrays in memory", *shared, None)
    return results


def report(name, side, seconds):
    if seconds is None:
        print(f"  {name:<44} (not available)")
        return
    print(f"  {name:<44} {seconds * 1e3:10.1f} ms  {side * side / seconds / 1e6:9.1f} Mpx/s")


def run_case(label, image, radius, args, sat):
    side = image.shape[0]
    print(f"{label}: {image.shape[0]} x {image.shape[1]} {image.dtype}, threads {args.threads}")
    out = np.empty_like(image)
    varblur.box_blur(image, radius, out=out, threads=args.threads)
    # Rounds alternate the Python and the Rust runs, so that drift of the
    # machine's speed between them does not read as overhead; best of all.
    python_out = python_new = rust = float("inf")
    for _ in range(args.rounds):
        python_out = min(python_out, best_time(lambda: varblur.box_blur(image, radius, out=out, threads=args.threads), args.repeat))
        python_new = min(python_new, best_time(lambda: varblur.box_blur(image, radius, threads=args.threads), args.repeat))
        with tempfile.TemporaryDirectory() as workdir:
            seconds = rust_direct(image, radius, args.threads, args.repeat, workdir)
        rust = None if seconds is None else min(rust, seconds)
    report("varblur.box_blur(out=...)", side, python_out)
    report("varblur.box_blur (new array)", side, python_new)
    report("Rust crate directly (examples/npy)", side, rust)
    if rust is not None:
        print(f"  Python call over the Rust call: {100 * (python_out / rust - 1):+.1f} %")
    if sat is not None:
        numba, blur = sat
        numba.set_num_threads(args.threads)
        integer = np.ceil(radius).astype(np.int64)
        blur(image[:64, :64], integer[:64, :64])
        numba_s = best_time(lambda: blur(image, integer), args.repeat)
        report(f"Numba summed-area table ({numba.get_num_threads()} threads)", side, numba_s)
        print(f"  varblur over Numba: {numba_s / python_out:.1f}x")
    return python_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", type=int, default=15000, help="B3's side")
    parser.add_argument("--dask", action="store_true", help="also B3 through varblur.dask")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the Python and Rust runs")
    parser.add_argument("--chunk-rows", type=int, default=3750, help="rows of a Dask chunk")
    parser.add_argument("--chunk-cols", type=int, default=None, help="columns of a Dask chunk (default: whole rows)")
    parser.add_argument("--skip-b3", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {sys.version.split()[0]}, numpy {np.__version__}")
    sat = numba_sat()
    rng = np.random.default_rng(1)
    run_case("B1 (random integer radius 1..256)", *b1_case(rng), args, sat)
    if args.skip_b3:
        return
    image, radius = b3_case(args.side)
    single = run_case("B3 (smooth radius map 0..128)", image, radius, args, sat)
    if args.dask:
        chunks = (args.chunk_rows, args.chunk_cols or args.side)
        print(f"B3 through varblur.dask, {args.threads} single-threaded workers, chunks {chunks[0]} x {chunks[1]}")
        with tempfile.TemporaryDirectory() as workdir:
            results = dask_run(image, radius, args.threads, args.repeat, chunks, workdir)
        for label, seconds, peaks in results:
            report(label, args.side, seconds)
            print(f"  over the single call: {seconds / single:.2f}x; peak MB per worker: {[round(p) for p in peaks]}")


if __name__ == "__main__":
    main()
