"""varblur.distance against scipy.ndimage.distance_transform_edt and a
brute-force reference; varblur.blur_by_distance against its steps done one
by one; varblur.dask.distance against the whole-array call; errors."""

import doctest
import zlib

import numpy as np
import pytest
import scipy.ndimage as ndi

import varblur

MASK_DTYPES = [bool, np.uint8, np.uint16, np.float32, np.float64]


def random_mask(shape, density, seed):
    return np.random.default_rng(seed).random(shape) < density


def brute_force(mask):
    """Every pixel against every region pixel, in integers, then the root."""
    region = np.argwhere(mask != 0)
    ys, xs = np.indices(mask.shape)
    if len(region) == 0:
        return np.full(mask.shape, np.inf, dtype=np.float32)
    squared = np.min(
        (ys[..., None] - region[:, 0]) ** 2 + (xs[..., None] - region[:, 1]) ** 2,
        axis=-1,
    )
    return np.sqrt(squared.astype(np.float64)).astype(np.float32)


def scipy_distance(mask):
    """scipy's transform of the same region, in float32."""
    return ndi.distance_transform_edt(mask == 0).astype(np.float32)


@pytest.mark.parametrize("shape", [(1, 1), (1, 40), (40, 1), (37, 53), (300, 290), (64, 700)])
@pytest.mark.parametrize("density", [0.001, 0.05, 0.6])
def test_equals_scipy(shape, density):
    mask = random_mask(shape, density, seed=shape[0] * 1000 + shape[1])
    if not mask.any():
        mask[shape[0] // 2, shape[1] // 3] = True
    np.testing.assert_array_equal(varblur.distance(mask), scipy_distance(mask))


@pytest.mark.parametrize("dtype", MASK_DTYPES)
def test_every_mask_dtype_reads_non_zero_as_the_region(dtype):
    region = random_mask((31, 45), 0.03, seed=4)
    mask = region.astype(dtype)
    if np.dtype(dtype).kind == "f":
        mask = np.where(region, np.asarray(-2.5, dtype), np.asarray(-0.0, dtype))
    result = varblur.distance(mask)
    assert result.dtype == np.float32 and result.shape == mask.shape
    np.testing.assert_array_equal(result, brute_force(region))


def test_views_are_read_in_place():
    mask = random_mask((50, 60), 0.02, seed=7)
    expected = brute_force(mask)
    np.testing.assert_array_equal(varblur.distance(mask.T), expected.T)
    np.testing.assert_array_equal(varblur.distance(mask[::-2, 1::3]), brute_force(mask[::-2, 1::3]))
    np.testing.assert_array_equal(varblur.distance(np.asfortranarray(mask)), expected)


def test_empty_and_full_masks_and_empty_shapes():
    empty = np.zeros((4, 9), dtype=bool)
    assert np.all(varblur.distance(empty) == np.inf)
    assert np.all(varblur.distance(empty, max_distance=3.5) == np.float32(3.5))
    assert np.all(varblur.distance(np.ones((4, 9), dtype=np.uint8)) == 0)
    for shape in [(0, 0), (0, 3), (3, 0)]:
        assert varblur.distance(np.zeros(shape, dtype=bool)).shape == shape


@pytest.mark.parametrize("cap", [0.0, 1.0, 2.5, 7.0, 1e30])
def test_max_distance_caps(cap):
    mask = random_mask((40, 70), 0.01, seed=11)
    expected = np.minimum(scipy_distance(mask), np.float32(cap))
    np.testing.assert_array_equal(varblur.distance(mask, cap), expected)


def test_threads_give_the_same_result():
    mask = random_mask((200, 600), 0.002, seed=3)
    one = varblur.distance(mask, threads=1)
    np.testing.assert_array_equal(one, varblur.distance(mask, threads=3))
    np.testing.assert_array_equal(one, scipy_distance(mask))


def test_bad_arguments():
    mask = np.zeros((5, 6), dtype=np.float32)
    mask[2, 3] = np.nan
    with pytest.raises(varblur.Error, match=r"row 2, col 3"):
        varblur.distance(mask)
    for cap in [-1.0, float("nan")]:
        with pytest.raises(varblur.Error, match="distance cap"):
            varblur.distance(np.zeros((3, 3), dtype=bool), cap)
    with pytest.raises(varblur.Error, match="2-D"):
        varblur.distance(np.zeros((3, 3, 1), dtype=bool))
    with pytest.raises(TypeError, match="mask != 0"):
        varblur.distance(np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(TypeError):
        varblur.distance([[0, 1], [1, 0]])
    with pytest.raises(varblur.Error, match="threads"):
        varblur.distance(np.zeros((3, 3), dtype=bool), threads=0)
    assert issubclass(varblur.Error, ValueError)


def sizes_by_hand(distances, scale, offset, max_size):
    """clip(scale * max(d - offset, 0), 0, max_size) in float32."""
    f = np.float32
    return np.minimum(f(scale) * np.maximum(distances - f(offset), f(0)), f(max_size))


@pytest.mark.parametrize("kernel", ["box", "gaussian"])
@pytest.mark.parametrize("mode", ["renormalize", "nearest", "mirror", "reflect", "wrap", "constant"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_blur_by_distance_is_its_steps(kernel, mode, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{kernel} {mode} {np.dtype(dtype).name}".encode()))
    shape = (45, 52, 3) if dtype == np.uint8 else (45, 52)
    top = 255 if dtype == np.uint8 else 1000
    image = (rng.random(shape) * top).astype(dtype)
    mask = random_mask((45, 52), 0.01, seed=5)
    scale, offset, max_size = 0.6, 1.5, 7.0
    sizes = sizes_by_hand(varblur.distance(mask), scale, offset, max_size)
    blur = varblur.box_blur if kernel == "box" else varblur.gaussian_blur
    expected = blur(image, sizes, mode=mode, cval=9.0)
    found = varblur.blur_by_distance(
        image, mask, scale=scale, offset=offset, max_size=max_size, kernel=kernel, mode=mode, cval=9.0
    )
    assert found.dtype == image.dtype and found.shape == image.shape
    np.testing.assert_array_equal(found, expected)


def test_blur_by_distance_of_an_empty_mask_blurs_everything_with_max_size():
    image = np.arange(30 * 40, dtype=np.float64).reshape(30, 40) % 17
    found = varblur.blur_by_distance(image, np.zeros((30, 40), bool), scale=1.0, max_size=2.0)
    # A map of max_size (a uniform size takes another backend, whose float
    # rounding differs).
    np.testing.assert_array_equal(found, varblur.box_blur(image, np.full((30, 40), 2.0, np.float32)))


def test_blur_by_distance_bad_arguments():
    image = np.zeros((6, 7), dtype=np.uint8)
    mask = np.zeros((6, 7), dtype=bool)
    with pytest.raises(varblur.Error, match=r"mask has shape \[7, 6\]"):
        varblur.blur_by_distance(image, mask.T, scale=1.0, max_size=2.0)
    with pytest.raises(varblur.Error, match="scale"):
        varblur.blur_by_distance(image, mask, scale=-1.0, max_size=2.0)
    with pytest.raises(varblur.Error, match="max_size"):
        varblur.blur_by_distance(image, mask, scale=1.0, max_size=float("inf"))
    with pytest.raises(varblur.Error, match="offset"):
        varblur.blur_by_distance(image, mask, scale=1.0, offset=float("nan"), max_size=1.0)
    with pytest.raises(varblur.Error, match="mode"):
        varblur.blur_by_distance(image, mask, scale=1.0, max_size=1.0, mode="edge")
    with pytest.raises(TypeError):
        varblur.blur_by_distance(image.astype(np.int32), mask, scale=1.0, max_size=1.0)
    with pytest.raises(TypeError):
        varblur.blur_by_distance(image, mask, scale=1.0)


@pytest.mark.parametrize("chunks", [(16, 16), (7, 50), (100, 9), (40, 33)])
@pytest.mark.parametrize("cap", [0.0, 3.0, 8.5, 20.0])
def test_dask_distance_equals_the_whole_array_call(chunks, cap):
    da = pytest.importorskip("dask.array")
    import varblur.dask

    mask = random_mask((90, 110), 0.004, seed=int(cap * 10) + chunks[0])
    lazy = varblur.dask.distance(da.from_array(mask, chunks=chunks), cap)
    assert lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(), varblur.distance(mask, cap))
    with pytest.raises(varblur.Error):
        varblur.dask.distance(mask, -1.0)
    with pytest.raises(varblur.Error):
        varblur.dask.distance(mask, float("inf"))


def test_dask_module_examples():
    pytest.importorskip("dask.array")
    import varblur.dask

    failed, attempted = doctest.testmod(varblur.dask, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failed == 0
