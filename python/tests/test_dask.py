"""varblur.dask against the whole-image calls: chunk by chunk with halos, the
same result (bit for bit for integer box blurs, within the crate's bounds
otherwise) for every mode, both kernels, uniform, smooth and random size
maps, halos wider than a chunk, and on a cluster of processes."""

import zlib

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import varblur  # noqa: E402
import varblur.dask  # noqa: E402

MODES = ["renormalize", "nearest", "mirror", "reflect", "wrap", "constant"]
CVAL = 37.0
# The bound (docs/DEFINITION.md) for the default Gaussian backend against the exact
# definition, as a fraction of the value range.
GAUSSIAN_BOUND = 0.03


def whole(kernel, image, size, mode):
    blur = varblur.box_blur if kernel == "box" else varblur.gaussian_blur
    return blur(image, size, mode=mode, cval=CVAL)


def chunked(kernel, image, size, mode):
    blur = varblur.dask.box_blur if kernel == "box" else varblur.dask.gaussian_blur
    return blur(image, size, mode=mode, cval=CVAL)


def assert_matches(kernel, image, actual, expected, mode):
    """Bit for bit for integer box blurs, else within the crate's bound."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    if kernel == "box" and image.dtype.kind == "u":
        np.testing.assert_array_equal(actual, expected)
        return
    scale = max(float(np.abs(image).max()), abs(CVAL) if mode == "constant" else 0.0)
    if kernel == "box":
        bound = 1e-6 * scale
    else:
        bound = GAUSSIAN_BOUND * scale + (1 if image.dtype.kind == "u" else 0)
    difference = np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max()
    assert difference <= bound, f"{difference} > {bound}"


def make_image(rng, shape, dtype):
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, 256, size=shape).astype(dtype)
    return (rng.random(shape) * 200 - 50).astype(dtype)


def make_size(rng, kind, shape, largest):
    height, width = shape
    if kind == "uniform":
        return largest * 0.6
    if kind == "smooth":
        y, x = np.mgrid[0:height, 0:width]
        return (largest * (0.5 + 0.5 * np.sin(x / 9.0) * np.cos(y / 7.0))).astype(np.float32)
    return rng.uniform(0, largest, size=shape).astype(np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("size_kind", ["uniform", "smooth", "random"])
def test_chunks_match_the_whole_image(mode, kernel, dtype, size_kind):
    rng = np.random.default_rng(zlib.crc32(f"{mode} {kernel} {np.dtype(dtype).name} {size_kind}".encode()))
    shape = (64, 80)
    image = make_image(rng, shape, dtype)
    # Halos below the chunks (16 x 20): 6 for the box, ceil(4 * 3) = 12 for the Gaussian.
    size = make_size(rng, size_kind, shape, 6.0 if kernel == "box" else 3.0)
    dask_size = size if np.isscalar(size) else da.from_array(size, chunks=(16, 20))
    result = chunked(kernel, da.from_array(image, chunks=(16, 20)), dask_size, mode)
    assert result.chunks == ((16,) * 4, (20,) * 4)
    assert_matches(kernel, image, result.compute(), whole(kernel, image, size, mode), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_halos_wider_than_a_chunk_merge_chunks(mode, kernel):
    rng = np.random.default_rng(7)
    shape = (70, 90)
    image = make_image(rng, shape, np.uint8)
    # Reach 25 (box) or ceil(4 * 5.5) = 22 (Gaussian) over chunks of 10.
    size = make_size(rng, "random", shape, 25.0 if kernel == "box" else 5.5)
    size[3, 4] = 25.0 if kernel == "box" else 5.5
    result = chunked(kernel, da.from_array(image, chunks=10), da.from_array(size, chunks=10), mode)
    assert min(min(c) for c in result.chunks) >= varblur.dask.reach(kernel, size.max())
    assert len(result.chunks[0]) > 1 and len(result.chunks[1]) > 1
    assert_matches(kernel, image, result.compute(), whole(kernel, image, size, mode), mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_reach_as_long_as_an_axis_makes_it_one_chunk(mode):
    rng = np.random.default_rng(8)
    image = make_image(rng, (40, 120), np.uint16)
    size = np.full((40, 120), 3.0, dtype=np.float32)
    size[20, 60] = 45.0  # longer than the rows (40), shorter than the columns
    result = varblur.dask.box_blur(da.from_array(image, chunks=(10, 20)), size, mode=mode, cval=CVAL)
    assert result.chunks[0] == (40,) and len(result.chunks[1]) > 1
    assert_matches("box", image, result.compute(), whole("box", image, size, mode), mode)
    huge = varblur.dask.box_blur(da.from_array(image, chunks=(10, 20)), 1e9, mode=mode, cval=CVAL)
    assert huge.chunks == ((40,), (120,))
    assert_matches("box", image, huge.compute(), whole("box", image, 1e9, mode), mode)


@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_wrap_reads_the_opposite_edge(kernel):
    # Bright pixels along the right and bottom edges: under wrap, the left
    # and top chunks must see them.
    image = np.zeros((48, 60), dtype=np.float32)
    image[-2:, :] = 100.0
    image[:, -2:] = 100.0
    size = 4.0 if kernel == "box" else 1.5
    result = chunked(kernel, da.from_array(image, chunks=12), size, "wrap").compute()
    expected = whole(kernel, image, size, "wrap")
    assert result[0, 30] > 1.0 and result[30, 0] > 1.0
    assert_matches(kernel, image, result, expected, "wrap")


@pytest.mark.parametrize("mode", MODES)
def test_channels_and_numpy_inputs(mode):
    rng = np.random.default_rng(9)
    image = make_image(rng, (50, 45, 3), np.uint8)
    size = make_size(rng, "smooth", (50, 45), 5.0)
    lazy = da.from_array(image, chunks=(10, 9, 1))
    result = varblur.dask.box_blur(lazy, da.from_array(size, chunks=(10, 9)), mode=mode, cval=CVAL)
    assert result.chunks[2] == (3,)
    assert_matches("box", image, result.compute(), whole("box", image, size, mode), mode)
    from_numpy = varblur.dask.box_blur(image, size, mode=mode, cval=CVAL)
    assert_matches("box", image, from_numpy.compute(), whole("box", image, size, mode), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_a_given_largest_size_skips_the_scan_and_keeps_the_result(mode, kernel):
    rng = np.random.default_rng(zlib.crc32(f"given {mode} {kernel}".encode()))
    image = make_image(rng, (60, 72), np.uint8)
    cap = 5.0 if kernel == "box" else 1.5
    size = make_size(rng, "smooth", (60, 72), cap)
    lazy_size = da.from_array(size, chunks=(15, 72))
    blur = varblur.dask.box_blur if kernel == "box" else varblur.dask.gaussian_blur
    given = {"max_radius" if kernel == "box" else "max_sigma": cap}
    result = blur(da.from_array(image, chunks=(15, 72)), lazy_size, mode=mode, cval=CVAL, **given)
    # Chunks of whole rows stay whole rows: the halo is rows only.
    assert result.chunks == ((15,) * 4, (72,))
    assert_matches(kernel, image, result.compute(), whole(kernel, image, size, mode), mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_size_above_the_given_largest_raises_naming_it(mode):
    image = da.zeros((40, 40), dtype=np.uint8, chunks=10)
    size = np.full((40, 40), 2.0, dtype=np.float32)
    size[23, 17] = 9.0
    result = varblur.dask.box_blur(image, da.from_array(size, chunks=10), mode=mode, cval=CVAL, max_radius=3.0)
    with pytest.raises(varblur.Error, match=r"\(23, 17\) is 9.0, above max_radius=3.0"):
        result.compute()
    with pytest.raises(varblur.Error):
        varblur.dask.gaussian_blur(image, size, max_sigma=float("nan"))


def test_reach_follows_the_kernels_truncation():
    assert [varblur.dask.reach("box", r) for r in (0, 0.5, 1, 1.0001, 7.5, 1e10)] == [0, 1, 1, 2, 8, 1 << 30]
    assert [varblur.dask.reach("gaussian", s) for s in (0, 0.1, 0.25, 1, 2.6)] == [0, 1, 1, 4, 11]
    # The core holds sizes in single precision, where 0.25 + 1e-12 is 0.25.
    assert varblur.dask.reach("gaussian", 0.25 + 1e-12) == 1


def test_bad_arguments_raise():
    image = da.zeros((20, 20), dtype=np.uint8, chunks=10)
    with pytest.raises(varblur.Error):
        varblur.dask.box_blur(image, 1.0, mode="bogus")
    with pytest.raises(varblur.Error):
        varblur.dask.box_blur(image, -1.0)
    bad = np.ones((20, 20), dtype=np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(varblur.Error):
        varblur.dask.box_blur(image, bad)
    with pytest.raises(varblur.Error):
        varblur.dask.box_blur(image, np.ones((20, 21), dtype=np.float32))
    with pytest.raises(TypeError):
        varblur.dask.box_blur(da.zeros((20, 20), dtype=np.int32, chunks=10), 1.0)
    with pytest.raises(TypeError):
        varblur.dask.box_blur(da.zeros((20,), dtype=np.uint8, chunks=10), 1.0)


def test_empty_images_stay_empty():
    image = da.zeros((0, 20), dtype=np.uint8)
    assert varblur.dask.box_blur(image, 2.0).compute().shape == (0, 20)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("size_kind", ["smooth", "random"])
def test_a_cluster_of_processes_gives_the_same_result(client, size_kind):
    rng = np.random.default_rng(10)
    shape = (96, 112)
    image = make_image(rng, shape, np.uint8)
    size = make_size(rng, size_kind, shape, 7.0)
    lazy = da.from_array(image, chunks=(24, 28))
    lazy_size = da.from_array(size, chunks=(24, 28))
    results = [varblur.dask.box_blur(lazy, lazy_size, mode=mode, cval=CVAL) for mode in MODES]
    results += [varblur.dask.gaussian_blur(lazy, lazy_size / 2, mode=mode, cval=CVAL) for mode in MODES]
    computed = client.compute(results, sync=True)
    for mode, result in zip(MODES, computed[: len(MODES)]):
        assert_matches("box", image, result, whole("box", image, size, mode), mode)
    for mode, result in zip(MODES, computed[len(MODES) :]):
        assert_matches("gaussian", image, result, whole("gaussian", image, size / 2, mode), mode)
