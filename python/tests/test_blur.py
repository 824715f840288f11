"""Tests of varblur.box_blur and varblur.gaussian_blur.

The reference below is the definition, written here with numpy alone and
independent of the crate: for output pixel p of size v,

    out(p) = sum_q K_v(q - p) in_b(q) / sum_q K_v(q - p),

with the 1-D box weights 1 for |d| <= floor(r) and frac(r) at floor(r) + 1,
the Gaussian weights exp(-d^2 / (2 s^2)) for |d| <= ceil(4 s) (s = 0: the
identity), the 2-D weight the product of the two axes', and the border rule
of the mode deciding which in-image pixel (or cval, or nothing) each q reads.
"""

from __future__ import annotations

import doctest
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.ndimage as ndi

import varblur

DTYPES = [np.uint8, np.uint16, np.float32, np.float64]
MODES = ["renormalize", "nearest", "mirror", "reflect", "wrap", "constant"]
SCIPY_MODES = ["nearest", "mirror", "reflect", "wrap", "constant"]
# The Gaussian is approximated; the bound here is a fraction of the value range.
GAUSSIAN_TOLERANCE = 0.01


# ---------------------------------------------------------------- reference


def period_map(mode: str, length: int) -> np.ndarray:
    """For a periodic mode, the in-image index read by q = 0 .. period - 1."""
    k = np.arange(
        {"wrap": length, "reflect": 2 * length, "mirror": max(2 * length - 2, 1)}[mode]
    )
    if mode == "wrap":
        return k
    if mode == "reflect":  # dcba|abcd|dcba
        return np.where(k < length, k, 2 * length - 1 - k)
    if length == 1:  # mirror of a single pixel
        return np.zeros(1, dtype=np.int64)
    return np.where(k < length, k, 2 * length - 2 - k)  # dcb|abcd|cba


def count_congruent(first: int, last: int, period: int) -> np.ndarray:
    """How many q in first..=last have q % period == k, for each k."""
    k = np.arange(period, dtype=object)
    return np.array([(last - i) // period - (first - 1 - i) // period for i in k], dtype=np.float64)


def add_interval(weights: np.ndarray, first: int, last: int, weight: float, mode: str) -> float:
    """Adds `weight` for every q in first..=last to the in-image index q
    reads; returns the weight that reads outside the image (renormalize:
    dropped, constant: cval)."""
    if last < first or weight == 0.0:
        return 0.0
    length = len(weights)
    if mode in ("renormalize", "constant"):
        low, high = max(first, 0), min(last, length - 1)
        inside = max(high - low + 1, 0)
        if inside:
            weights[low : high + 1] += weight
        return weight * ((last - first + 1) - inside)
    if mode == "nearest":
        below = max(min(last, -1) - first + 1, 0)
        above = max(last - max(first, length) + 1, 0)
        weights[0] += weight * below
        weights[length - 1] += weight * above
        low, high = max(first, 0), min(last, length - 1)
        if high >= low:
            weights[low : high + 1] += weight
        return 0.0
    index = period_map(mode, length)
    np.add.at(weights, index, weight * count_congruent(first, last, len(index)))
    return 0.0


def fold(kernel: str, size: float, centre: int, length: int, mode: str):
    """The 1-D kernel of `size` at `centre`, folded onto the axis's pixels:
    (weights per pixel, weight outside)."""
    weights = np.zeros(length)
    outside = 0.0
    if kernel == "box":
        whole = math.floor(size)
        frac = size - whole
        outside += add_interval(weights, centre - whole, centre + whole, 1.0, mode)
        for q in (centre - whole - 1, centre + whole + 1):
            outside += add_interval(weights, q, q, frac, mode)
    elif size == 0:
        outside += add_interval(weights, centre, centre, 1.0, mode)
    else:
        reach = math.ceil(4 * size)
        for d in range(-reach, reach + 1):
            outside += add_interval(weights, centre + d, centre + d, math.exp(-d * d / (2 * size * size)), mode)
    return weights, outside


def reference(image, size, kernel, mode="renormalize", cval=0.0):
    """The definition in float64, then converted to the image's dtype."""
    dtype = image.dtype
    image3 = image.reshape(image.shape[0], image.shape[1], -1).astype(np.float64)
    height, width, _ = image3.shape
    sizes = np.broadcast_to(np.asarray(size, dtype=np.float64), (height, width))
    result = np.empty(image3.shape)
    for row in range(height):
        for col in range(width):
            v = float(sizes[row, col])
            wy, oy = fold(kernel, v, row, height, mode)
            wx, ox = fold(kernel, v, col, width, mode)
            value = np.einsum("i,ijc,j->c", wy, image3, wx)
            inside = wy.sum() * wx.sum()
            if mode == "constant":
                total = (wy.sum() + oy) * (wx.sum() + ox)
                value = (value + cval * (total - inside)) / total
            else:
                value = value / inside
            result[row, col] = value
    result = result.reshape(image.shape)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        result = np.clip(np.floor(result + 0.5), info.min, info.max)
    return result.astype(dtype)


# ------------------------------------------------------------------ helpers


def make_image(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True).astype(dtype)
    return (rng.random(shape) * 200 - 100).astype(dtype)


def value_range(image, cval=0.0):
    values = np.asarray(image, dtype=np.float64)
    return max(values.max(), cval) - min(values.min(), cval)


def assert_close(result, expected, *, exact_integers: bool, gaussian: bool, scale: float):
    """Integer images: equal where the result is exact (whole box radii of
    moderate size), else within 1; floats within 1e-6 of the value range
    (float32) or 1e-9 (float64); the Gaussian within its tolerance."""
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    got = result.astype(np.float64)
    want = expected.astype(np.float64)
    if gaussian:
        tolerance = GAUSSIAN_TOLERANCE * scale
        if np.issubdtype(result.dtype, np.integer):
            tolerance = max(tolerance, 1.0)
    elif np.issubdtype(result.dtype, np.integer):
        tolerance = 0.0 if exact_integers else 1.0
    elif result.dtype == np.float32:
        tolerance = 1e-6 * scale + 1e-7 * np.abs(want).max()
    else:
        tolerance = 1e-9 * scale
    error = np.abs(got - want)
    worst = np.unravel_index(np.argmax(error), error.shape)
    assert error.max() <= tolerance, (
        f"max |error| {error.max()} > {tolerance} at {worst}: got {got[worst]}, want {want[worst]}"
    )


def blur(kernel, image, size, **options):
    function = varblur.box_blur if kernel == "box" else varblur.gaussian_blur
    return function(image, size, **options)


def cval_for(dtype, mode):
    if mode != "constant":
        return 0.0
    return 77.0 if np.issubdtype(dtype, np.integer) else -12.5


# ------------------------------------------------ against the definition


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7, 9), (6, 5, 3)])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("radius", [0, 1, 2, 0.25, 1.5, 3.75, 8, 1e9])
def test_box_uniform(dtype, shape, mode, radius):
    image = make_image(dtype, shape)
    cval = cval_for(dtype, mode)
    result = varblur.box_blur(image, radius, mode=mode, cval=cval)
    expected = reference(image, np.float32(radius), "box", mode, cval)
    exact = float(radius).is_integer() and radius < 1e6
    assert_close(result, expected, exact_integers=exact, gaussian=False, scale=value_range(image, cval))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(8, 6), (5, 7, 2)])
@pytest.mark.parametrize("mode", MODES)
def test_box_radius_map(dtype, shape, mode):
    image = make_image(dtype, shape, seed=1)
    rng = np.random.default_rng(2)
    radii = (rng.random(shape[:2]) * 6).astype(np.float32)
    radii[0, 0] = 1e9
    radii[3, 2] = 0.0
    cval = cval_for(dtype, mode)
    result = varblur.box_blur(image, radii, mode=mode, cval=cval)
    expected = reference(image, radii, "box", mode, cval)
    assert_close(result, expected, exact_integers=False, gaussian=False, scale=value_range(image, cval))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_box_whole_radius_map_is_exact(dtype, mode):
    image = make_image(dtype, (9, 8), seed=3)
    radii = np.random.default_rng(4).integers(0, 7, size=(9, 8)).astype(np.uint8)
    cval = cval_for(dtype, mode)
    result = varblur.box_blur(image, radii, mode=mode, cval=cval)
    expected = reference(image, radii, "box", mode, cval)
    assert_close(result, expected, exact_integers=True, gaussian=False, scale=value_range(image, cval))


@pytest.mark.parametrize("map_dtype", [np.float32, np.float64, np.uint8, np.uint16])
def test_radius_map_dtypes(map_dtype):
    image = make_image(np.float64, (6, 7), seed=5)
    rng = np.random.default_rng(6)
    if np.issubdtype(map_dtype, np.integer):
        radii = rng.integers(0, 5, size=(6, 7)).astype(map_dtype)
    else:
        radii = (rng.random((6, 7)) * 5).astype(map_dtype)
    result = varblur.box_blur(image, radii)
    expected = reference(image, radii.astype(np.float32), "box")
    assert_close(result, expected, exact_integers=False, gaussian=False, scale=value_range(image))


@pytest.mark.parametrize("radius", [2, np.float32(2.0), np.array(2.0), np.uint8(2)])
def test_radius_number_types(radius):
    image = make_image(np.float32, (6, 6))
    np.testing.assert_array_equal(varblur.box_blur(image, radius), varblur.box_blur(image, 2.0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9, 8), (7, 6, 3)])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sigma", [0, 0.4, 1.0, 1.7])
def test_gaussian_uniform(dtype, shape, mode, sigma):
    image = make_image(dtype, shape, seed=7)
    cval = cval_for(dtype, mode)
    result = varblur.gaussian_blur(image, sigma, mode=mode, cval=cval)
    expected = reference(image, np.float32(sigma), "gaussian", mode, cval)
    assert_close(result, expected, exact_integers=False, gaussian=True, scale=value_range(image, cval))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_gaussian_sigma_map(dtype, mode):
    image = make_image(dtype, (10, 9, 2), seed=8)
    sigma = (np.random.default_rng(9).random((10, 9)) * 2.5).astype(np.float32)
    sigma[4, 4] = 0.0
    cval = cval_for(dtype, mode)
    result = varblur.gaussian_blur(image, sigma, mode=mode, cval=cval)
    expected = reference(image, sigma, "gaussian", mode, cval)
    assert_close(result, expected, exact_integers=False, gaussian=True, scale=value_range(image, cval))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_sigma_zero_is_identity(dtype):
    image = make_image(dtype, (5, 6, 2), seed=10)
    np.testing.assert_array_equal(varblur.gaussian_blur(image, 0.0), image)


def test_box_radius_zero_is_identity():
    image = make_image(np.uint16, (5, 6), seed=11)
    np.testing.assert_array_equal(varblur.box_blur(image, np.zeros((5, 6), np.float32)), image)


def test_huge_radius_renormalize_is_the_mean():
    image = make_image(np.float64, (6, 7, 2), seed=12)
    result = varblur.box_blur(image, 1e9)
    np.testing.assert_allclose(result, np.broadcast_to(image.mean(axis=(0, 1)), image.shape), atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_views_without_copy(dtype):
    """Transposed, reversed and sliced views read (and written) in place."""
    base = make_image(dtype, (12, 10, 3), seed=13)
    radii = (np.random.default_rng(14).random((10, 12)) * 3).astype(np.float32)
    views = [
        base[:, :, 0].T,
        base[::2, ::-1, 1],
        base.transpose(1, 0, 2),
        base[1:-1:3, ::2],
    ]
    for view in views:
        size = radii[: view.shape[0], : view.shape[1]]
        expected = reference(np.ascontiguousarray(view), size, "box")
        assert_close(varblur.box_blur(view, size), expected, exact_integers=False, gaussian=False, scale=value_range(view))
        out_base = np.zeros((view.shape[1], view.shape[0]) + view.shape[2:], dtype=dtype)
        out = out_base.swapaxes(0, 1)
        assert varblur.box_blur(view, size, out=out) is out
        assert_close(out, expected, exact_integers=False, gaussian=False, scale=value_range(view))
    sigma_view = radii.T[:, ::-1]  # a size map that is a reversed, transposed view
    image = base[:, :, 2]
    assert_close(
        varblur.gaussian_blur(image, sigma_view),
        reference(image, np.ascontiguousarray(sigma_view), "gaussian"),
        exact_integers=False,
        gaussian=True,
        scale=value_range(image),
    )


@pytest.mark.parametrize("shape", [(0, 5), (4, 0), (0, 0, 3)])
def test_empty_images(shape):
    image = np.zeros(shape, dtype=np.float32)
    result = varblur.box_blur(image, 3)
    assert result.shape == shape and result.dtype == np.float32


# ------------------------------------------------------- against scipy


@pytest.mark.parametrize("mode", SCIPY_MODES)
@pytest.mark.parametrize("radius", [1, 2, 3, 6, 15])
@pytest.mark.parametrize("shape", [(13, 17), (10, 11, 3), (150, 170), (140, 90, 3)])
def test_scipy_uniform_filter(mode, radius, shape):
    image = np.random.default_rng(15).random(shape)
    width = 2 * radius + 1
    size = (width, width) if len(shape) == 2 else (width, width, 1)
    expected = ndi.uniform_filter(image, size=size, mode=mode, cval=0.25)
    result = varblur.box_blur(image, radius, mode=mode, cval=0.25)
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", SCIPY_MODES)
@pytest.mark.parametrize("sigma", [2, 3, 1.125])
def test_scipy_gaussian_filter(mode, sigma):
    assert int(4 * sigma + 0.5) == math.ceil(4 * sigma)  # the same support
    image = np.random.default_rng(16).random((26, 31))
    expected = ndi.gaussian_filter(image, sigma, mode=mode, cval=0.25, truncate=4.0)
    result = varblur.gaussian_blur(image, sigma, mode=mode, cval=0.25)
    np.testing.assert_allclose(result, expected, rtol=0, atol=GAUSSIAN_TOLERANCE * 1.0)


# ------------------------------------------------------------ bad input


SENTINEL = 42


def untouched_out(image):
    return np.full(image.shape, SENTINEL, dtype=image.dtype)


def assert_refused(error, match, call, *args, out=None, **options):
    with pytest.raises(error, match=match):
        call(*args, out=out, **options)
    if out is not None:
        assert (np.asarray(out) == SENTINEL).all(), "out was written"


IMAGE = make_image(np.float32, (6, 7), seed=17)


@pytest.mark.parametrize("call", [varblur.box_blur, varblur.gaussian_blur])
class TestBadInput:
    def test_error_is_a_value_error(self, call):
        assert issubclass(varblur.Error, ValueError)

    @pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 1), (4, 5, 0), (4, 5, 17)])
    def test_image_rank_and_channels(self, call, shape):
        match = "17 channels" if shape[-1:] == (17,) else r"2-D .* 3-D"
        assert_refused(varblur.Error, match, call, np.zeros(shape, np.float32), 1.0)

    @pytest.mark.parametrize("dtype", [np.int32, np.int8, np.float16, np.complex64, np.bool_, ">f4"])
    def test_image_dtype(self, call, dtype):
        image = np.zeros((4, 5), dtype=dtype)
        assert_refused(TypeError, "uint8, uint16, float32 or float64", call, image, 1.0)

    def test_image_not_an_array(self, call):
        assert_refused(TypeError, "numpy array", call, [[1.0, 2.0]], 1.0)

    @pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), -1e-300])
    def test_uniform_size(self, call, value):
        assert_refused(varblur.Error, "size value .* not finite and >= 0", call, IMAGE, value, out=untouched_out(IMAGE))

    @pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf")])
    @pytest.mark.parametrize("map_dtype", [np.float32, np.float64])
    def test_size_map_value(self, call, value, map_dtype):
        sizes = np.ones(IMAGE.shape, dtype=map_dtype)
        sizes[2, 3] = value
        sizes[4, 1] = value  # later in row-major order: the first is named
        assert_refused(
            varblur.Error,
            rf"(?i)size value {value}.* at \(row 2, col 3\)",
            call,
            IMAGE,
            sizes,
            out=untouched_out(IMAGE),
        )

    def test_size_map_shape(self, call):
        sizes = np.ones((7, 6), np.float32)
        assert_refused(varblur.Error, r"\[7, 6\].*\[6, 7\]", call, IMAGE, sizes, out=untouched_out(IMAGE))

    def test_size_map_rank(self, call):
        assert_refused(varblur.Error, "2-D", call, IMAGE, np.ones((6, 7, 1), np.float32), out=untouched_out(IMAGE))

    @pytest.mark.parametrize("map_dtype", [np.int32, np.int64, np.float16, np.bool_])
    def test_size_map_dtype(self, call, map_dtype):
        sizes = np.ones(IMAGE.shape, dtype=map_dtype)
        assert_refused(TypeError, "float32, float64, uint8 or uint16", call, IMAGE, sizes, out=untouched_out(IMAGE))

    def test_size_not_a_number(self, call):
        assert_refused(TypeError, "size must be a number", call, IMAGE, "3", out=untouched_out(IMAGE))

    def test_unknown_mode(self, call):
        assert_refused(
            varblur.Error,
            "unknown mode 'symmetric'.*'renormalize', 'nearest', 'mirror', 'reflect', 'wrap', 'constant'",
            call,
            IMAGE,
            1.0,
            mode="symmetric",
            out=untouched_out(IMAGE),
        )

    @pytest.mark.parametrize(
        "dtype,cval", [(np.float32, float("nan")), (np.float64, float("inf")), (np.uint8, 256.0), (np.uint16, -1.0)]
    )
    def test_cval(self, call, dtype, cval):
        image = make_image(dtype, (5, 6))
        assert_refused(
            varblur.Error, "constant border value", call, image, 1.0, mode="constant", cval=cval, out=untouched_out(image)
        )

    def test_out_read_only(self, call):
        out = untouched_out(IMAGE)
        out.flags.writeable = False
        assert_refused(varblur.Error, "read-only", call, IMAGE, 1.0, out=out)

    def test_out_shape(self, call):
        out = np.full((7, 6), SENTINEL, np.float32)
        assert_refused(varblur.Error, r"\[7, 6\].*\[6, 7\]|\[6, 7\].*\[7, 6\]", call, IMAGE, 1.0, out=out)

    def test_out_rank(self, call):
        out = np.full((6, 7, 1), SENTINEL, np.float32)
        assert_refused(varblur.Error, "out must have the image's", call, IMAGE, 1.0, out=out)

    def test_out_dtype(self, call):
        out = np.full(IMAGE.shape, SENTINEL, np.float64)
        assert_refused(TypeError, "dtype", call, IMAGE, 1.0, out=out)

    def test_out_not_an_array(self, call):
        assert_refused(TypeError, "not a numpy array", call, IMAGE, 1.0, out=[float(SENTINEL)])

    @pytest.mark.parametrize("threads", [0, -1, 10**30, 100_000])
    def test_threads_count(self, call, threads):
        assert_refused(varblur.Error, "threads must be", call, IMAGE, 1.0, threads=threads, out=untouched_out(IMAGE))

    def test_threads_type(self, call):
        assert_refused(TypeError, "integer", call, IMAGE, 1.0, threads=1.5, out=untouched_out(IMAGE))


# ----------------------------------------------------- out sharing memory


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_in_place(dtype, kernel):
    image = make_image(dtype, (20, 18, 2), seed=18)
    expected = blur(kernel, image, 2.5)
    work = image.copy()
    assert blur(kernel, work, 2.5, out=work) is work
    np.testing.assert_array_equal(work, expected)


def test_out_overlapping_the_image():
    base = make_image(np.float64, (21, 16), seed=19)
    image, out = base[1:], base[:-1]
    expected = varblur.box_blur(image.copy(), 3)
    varblur.box_blur(image, 3, out=out)
    np.testing.assert_array_equal(base[:-1], expected)


def test_out_sharing_the_size_map():
    sizes = (np.random.default_rng(20).random((12, 14)) * 4).astype(np.float32)
    image = make_image(np.float32, (12, 14), seed=21)
    expected = varblur.box_blur(image, sizes.copy())
    varblur.box_blur(image, sizes, out=sizes)
    np.testing.assert_array_equal(sizes, expected)


def test_out_is_the_image_and_the_size_map():
    values = (np.random.default_rng(22).random((11, 13)) * 4).astype(np.float32)
    expected = varblur.gaussian_blur(values.copy(), values.copy())
    varblur.gaussian_blur(values, values, out=values)
    np.testing.assert_array_equal(values, expected)


def aligned_twin(shape, dtype):
    """An array of `shape` whose elements sit at an odd byte offset (numpy
    marks it unaligned), and its backing bytes."""
    dtype = np.dtype(dtype)
    raw = np.zeros(int(np.prod(shape)) * dtype.itemsize + 1, dtype=np.uint8)
    array = raw[1:].view(dtype).reshape(shape)
    return array


@pytest.mark.parametrize("dtype", [np.uint16, np.float32, np.float64])
def test_unaligned_arrays(dtype):
    image = make_image(dtype, (9, 11, 2), seed=27)
    sizes = (np.random.default_rng(28).random((9, 11)) * 3).astype(np.float32)
    expected = varblur.box_blur(image, sizes)
    odd_image = aligned_twin(image.shape, dtype)
    odd_image[...] = image
    odd_sizes = aligned_twin(sizes.shape, np.float32)
    odd_sizes[...] = sizes
    odd_out = aligned_twin(image.shape, dtype)
    assert not (odd_image.flags.aligned or odd_sizes.flags.aligned or odd_out.flags.aligned)
    np.testing.assert_array_equal(varblur.box_blur(odd_image, odd_sizes), expected)
    assert varblur.box_blur(odd_image, odd_sizes, out=odd_out) is odd_out
    np.testing.assert_array_equal(odd_out, expected)


def test_out_aliasing_itself():
    """An out whose elements share memory (overlapping rows) is written as
    numpy's assignment of the result would write it."""
    image = make_image(np.float64, (5, 6), seed=29)
    expected = varblur.box_blur(image, 1.5)
    strided = np.lib.stride_tricks.as_strided
    memory, twin = np.zeros(10), np.zeros(10)  # rows start one element apart
    out = strided(memory, shape=(5, 6), strides=(8, 8), writeable=True)
    assert varblur.box_blur(image, 1.5, out=out) is out
    strided(twin, shape=(5, 6), strides=(8, 8), writeable=True)[...] = expected
    np.testing.assert_array_equal(memory, twin)


# ------------------------------------------------------------------ tiles


def tile_tolerance(kernel, dtype, scale):
    if kernel == "gaussian":
        return max(GAUSSIAN_TOLERANCE * scale, 1.0 if np.issubdtype(dtype, np.integer) else 0.0)
    if np.issubdtype(dtype, np.integer):
        return 0.0
    return 1e-6 * scale


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
@pytest.mark.parametrize("mode", ["renormalize", "nearest", "mirror", "reflect", "constant"])
@pytest.mark.parametrize("tile", [(10, 25, 5, 30), (0, 40, 0, 12), (33, 40, 20, 36)])
def test_blur_tile_matches_whole_image(dtype, kernel, mode, tile):
    """A tile from a window with the halo its kernels read is the same
    pixels of the whole-image blur (bit for bit for integer box tiles)."""
    height, width = 40, 36
    image = make_image(dtype, (height, width, 2), seed=30)
    sizes = (np.random.default_rng(31).random((height, width)) * 3).astype(np.float32)
    cval = cval_for(dtype, mode)
    whole = blur(kernel, image, sizes, mode=mode, cval=cval)
    halo = 4 if kernel == "box" else 12
    rows = slice(max(tile[0] - halo, 0), min(tile[1] + halo, height))
    cols = slice(max(tile[2] - halo, 0), min(tile[3] + halo, width))
    expected = whole[tile[0] : tile[1], tile[2] : tile[3]]
    # The map of the window, or of the tile's rows and the window's columns.
    for map_rows in (rows, slice(tile[0], tile[1])):
        got = varblur._core.blur_tile(
            image[rows, cols], sizes[map_rows, cols], (rows.start, cols.start), (height, width), tile, kernel, mode, cval, None
        )
        assert got.shape == expected.shape and got.dtype == expected.dtype
        error = np.abs(got.astype(np.float64) - expected.astype(np.float64)).max()
        assert error <= tile_tolerance(kernel, dtype, value_range(image, cval))


@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_blur_tile_wrap_is_right_or_refused(kernel):
    """With wrap, a tile at the left edge reads the image's right edge: a
    window without it must be refused, not read as if it wrapped there."""
    image = make_image(np.uint8, (30, 30), seed=32)
    whole = blur(kernel, image, 1.0, mode="wrap")
    window = image[:, :10]
    try:
        got = varblur._core.blur_tile(window, 1.0, (0, 0), (30, 30), (0, 30, 0, 5), kernel, "wrap", 0.0, None)
    except varblur.Error:
        return
    np.testing.assert_allclose(got, whole[:, :5], atol=1)


def test_blur_tile_uint8_box_with_uniform_size_and_threads():
    image = make_image(np.uint8, (50, 60, 3), seed=33)
    whole = varblur.box_blur(image, 4, mode="nearest")
    got = varblur._core.blur_tile(image[10:40, 20:55], 4, (10, 20), (50, 60), (15, 35, 25, 50), "box", "nearest", 0.0, 2)
    np.testing.assert_array_equal(got, whole[15:35, 25:50])


@pytest.mark.parametrize(
    "window_origin,tile,match",
    [
        ((0, 0), (0, 31, 0, 5), "tile rows 0..31"),
        ((0, 0), (5, 3, 0, 5), "tile rows 5..3"),
        ((0, 0), (0, 5, 0, 20), "does not contain"),
        ((25, 0), (0, 5, 0, 5), "within the image"),
    ],
)
def test_blur_tile_refuses_tiles_that_do_not_fit(window_origin, tile, match):
    image = make_image(np.uint8, (30, 30), seed=34)
    with pytest.raises(varblur.Error, match=match):
        varblur._core.blur_tile(image[:10, :10], 1.0, window_origin, (30, 30), tile, "box", "renormalize", 0.0, None)


# ------------------------------------------------------ threads and GIL


def test_gil_released():
    """Another Python thread keeps running while a large blur does."""
    image = make_image(np.float32, (4000, 4000), seed=23)
    stamps: list[float] = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        varblur.gaussian_blur(image, 6.0, threads=1)
        end = time.perf_counter()
    finally:
        stop.set()
        ticker.join()
    during = [t for t in stamps if start < t < end]
    # With the GIL held for the call, the ticker could run at most once (at
    # a switch before the call starts): it ticks about every millisecond.
    assert end - start > 0.02, "the blur was too short to tell"
    assert len(during) >= 5, f"{len(during)} ticks in {end - start:.3f} s"


def test_many_python_threads_agree_with_one():
    rng = np.random.default_rng(24)
    jobs = []
    for index in range(12):
        dtype = DTYPES[index % 4]
        image = make_image(dtype, (150, 170, 1 + index % 3), seed=100 + index)
        sizes = (rng.random((150, 170)) * 12).astype(np.float32)
        jobs.append((["box", "gaussian"][index % 2], image, sizes, MODES[index % 6]))

    def run(job):
        kernel, image, sizes, mode = job
        return blur(kernel, image, sizes, mode=mode, cval=cval_for(image.dtype, mode))

    one_at_a_time = [run(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        at_once = list(pool.map(run, jobs * 2))
    for expected, got in zip(one_at_a_time * 2, at_once):
        np.testing.assert_array_equal(got, expected)


def test_calls_with_the_same_thread_count_do_not_wait_for_each_other():
    """A small call with threads=1 finishes while a large one with threads=1
    is still running in another Python thread: each call gets a pool of its
    own (a shared one-thread pool would queue it behind the large call)."""
    large = make_image(np.float32, (4000, 4000), seed=27)
    small = make_image(np.uint8, (16, 16), seed=28)
    started, finished = threading.Event(), threading.Event()

    def run_large():
        started.set()
        varblur.gaussian_blur(large, 6.0, threads=1)
        finished.set()

    worker = threading.Thread(target=run_large)
    worker.start()
    try:
        started.wait()
        # Time for the large call to take its pool (it releases the GIL).
        time.sleep(0.05)
        varblur.box_blur(small, 2.0, threads=1)
        small_first = not finished.is_set()
    finally:
        worker.join()
    assert small_first, "the small call waited for the large one"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["box", "gaussian"])
def test_thread_count_does_not_change_the_result(dtype, kernel):
    image = make_image(dtype, (600, 300, 2), seed=25)
    sizes = (np.random.default_rng(26).random((600, 300)) * 20).astype(np.float32)
    everywhere = blur(kernel, image, sizes)
    for threads in (1, 3):
        np.testing.assert_array_equal(blur(kernel, image, sizes, threads=threads), everywhere)
    np.testing.assert_array_equal(blur(kernel, image, 7.5, threads=1), blur(kernel, image, 7.5))


# ----------------------------------------------------------------- docs


def test_docstring_examples():
    failed, attempted = doctest.testmod(varblur, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0
    assert failed == 0
