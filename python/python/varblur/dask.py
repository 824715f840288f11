"""Spatially variable blur of Dask arrays: images in chunks, larger than memory.

:func:`box_blur` and :func:`gaussian_blur` take a Dask array (or a numpy
array) and return a lazy Dask array of the same shape, chunks and dtype. Each
output chunk is computed from its input chunk and a halo around it, as wide
as the kernel of the largest size reaches (:func:`reach`), by the same
engine as :func:`varblur.box_blur` and :func:`varblur.gaussian_blur`. The
border rule applies at the image's true edges only, so the result is the
whole-image call's:

- bit for bit for ``uint8`` and ``uint16`` box blurs;
- within 1e-6 of the value range for ``float32`` and ``float64`` box blurs
  (the whole-image call's own bound against the exact definition);
- within the Gaussian approximation's published bound otherwise.

A size map is read twice, once for its largest value (which fixes the halo)
and once with the blur, unless the caller gives that largest value
(``max_radius=``, ``max_sigma=``), as a capped distance map knows it. Only the
image's chunks are padded with halos (a pixel's output depends on its own
size only), so no map pixel moves between workers. Chunks of whole rows
(``chunks=(rows, width)``) are the fastest: their halo is rows above and
below only, and a row-major file reads them in one piece.

:func:`distance` is the distance transform of a mask chunk by chunk, capped
at ``max_distance``, which bounds its halo.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Optional, Tuple, Union

import numpy as np

from . import _core
from ._core import Error

__all__ = ["box_blur", "distance", "gaussian_blur", "reach"]

#: The largest distance a kernel reaches, as the core clamps it.
MAX_EXTENT = 1 << 30

_MODES = ("renormalize", "nearest", "mirror", "reflect", "wrap", "constant")
_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)


def reach(kernel: str, size: float) -> int:
    """How far from its centre a kernel reads, in pixels.

    ``ceil(r)`` for a box of radius ``r``, ``ceil(4 * sigma)`` for the
    Gaussian (where it is truncated), both at most 2**30, for the size as
    the core holds it (single precision).

    Parameters
    ----------
    kernel : {"box", "gaussian"}
        The kernel.
    size : float
        A radius (box) or sigma (Gaussian), finite and >= 0.

    Returns
    -------
    int
        The halo a chunk needs on each side.

    Examples
    --------
    >>> from varblur.dask import reach
    >>> reach("box", 2.0), reach("box", 2.25), reach("gaussian", 1.1)
    (2, 3, 5)
    """
    value = float(np.float32(size))
    if not math.isfinite(value) or value < 0:
        raise Error(f"the size must be finite and >= 0, not {size!r}")
    if kernel == "box":
        extent = float(MAX_EXTENT) if value >= MAX_EXTENT else math.ceil(value)
    elif kernel == "gaussian":
        extent = math.ceil(4.0 * value)
    else:
        raise Error(f"unknown kernel {kernel!r}: 'box' or 'gaussian'")
    return int(min(extent, MAX_EXTENT))


def box_blur(image, radius, *, mode: str = "renormalize", cval: float = 0.0, max_radius: Optional[float] = None):
    """Box blur of a Dask array with a radius per pixel, chunk by chunk.

    The lazy equivalent of :func:`varblur.box_blur`: the same kernel and
    border modes, and the same result (bit for bit for ``uint8`` and
    ``uint16``, within 1e-6 of the value range for floats).

    Parameters
    ----------
    image : dask.array.Array or numpy.ndarray
        ``(height, width)`` or ``(height, width, channels)`` of ``uint8``,
        ``uint16``, ``float32`` or ``float64``. Channels are gathered into
        one chunk.
    radius : float or array_like
        One radius for every pixel, or a ``(height, width)`` map (a Dask or
        numpy array) of finite radii >= 0, rechunked like the image.
    mode : {"renormalize", "nearest", "mirror", "reflect", "wrap", "constant"}
        The border rule at the image's edges, as in :func:`varblur.box_blur`.
    cval : float
        The value outside the image for ``mode="constant"``.
    max_radius : float, optional
        The largest radius of the map, when the caller knows it (a map
        clipped to it, say): it sets the halo, and the map is not read in
        advance for its extremes. A chunk whose map holds a larger radius
        (or one that is not finite and >= 0) raises ``varblur.Error`` when
        it is computed.

    Returns
    -------
    dask.array.Array
        The blurred image, lazily, with the image's shape, dtype and chunks
        (rechunked where the halo needs it, see Notes).

    Raises
    ------
    varblur.Error
        For a radius that is not finite and >= 0 (the map's is checked when
        this function reads its extremes, or when each chunk is computed
        with ``max_radius``), or an unknown mode.
    TypeError
        For an image of another dtype or rank.

    Notes
    -----
    The halo is the reach of the largest radius, ``ceil(max(radius))``
    (:func:`reach`); without ``max_radius`` the map is computed once for
    its extremes. A chunk
    narrower than the halo is merged with its neighbours; an axis no longer
    than the halo becomes one chunk, so a radius as large as the image
    blurs it as one chunk (which must then fit in a worker's memory).

    Each chunk is computed in one thread: Dask's workers give the
    parallelism.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import varblur
    >>> import varblur.dask
    >>> image = da.from_array(np.arange(64 * 48, dtype=np.uint8).reshape(64, 48), chunks=16)
    >>> radius = da.from_array(np.linspace(0, 5, 64 * 48, dtype=np.float32).reshape(64, 48), chunks=16)
    >>> blurred = varblur.dask.box_blur(image, radius, mode="reflect")
    >>> blurred.chunks == image.chunks
    True
    >>> whole = varblur.box_blur(image.compute(), radius.compute(), mode="reflect")
    >>> bool((blurred.compute() == whole).all())
    True
    """
    return _blur(image, radius, "box", mode, cval, max_radius)


def gaussian_blur(image, sigma, *, mode: str = "renormalize", cval: float = 0.0, max_sigma: Optional[float] = None):
    """Gaussian blur of a Dask array with a sigma per pixel, chunk by chunk.

    The lazy equivalent of :func:`varblur.gaussian_blur`: the same kernel
    (truncated at ``ceil(4 * sigma)``) and border modes, within the
    Gaussian approximation's published bound of the whole-image call.

    Parameters
    ----------
    image : dask.array.Array or numpy.ndarray
        ``(height, width)`` or ``(height, width, channels)`` of ``uint8``,
        ``uint16``, ``float32`` or ``float64``. Channels are gathered into
        one chunk.
    sigma : float or array_like
        One sigma for every pixel, or a ``(height, width)`` map (a Dask or
        numpy array) of finite sigmas >= 0, rechunked like the image.
    mode : {"renormalize", "nearest", "mirror", "reflect", "wrap", "constant"}
        The border rule at the image's edges, as in
        :func:`varblur.gaussian_blur`.
    cval : float
        The value outside the image for ``mode="constant"``.
    max_sigma : float, optional
        The largest sigma of the map, when the caller knows it: it sets the
        halo, and the map is not read in advance for its extremes. A chunk
        whose map holds a larger sigma (or one that is not finite and >= 0)
        raises ``varblur.Error`` when it is computed.

    Returns
    -------
    dask.array.Array
        The blurred image, lazily, with the image's shape, dtype and chunks
        (rechunked where the halo needs it, see Notes).

    Raises
    ------
    varblur.Error
        For a sigma that is not finite and >= 0 (the map's is checked when
        this function reads its extremes, or when each chunk is computed
        with ``max_sigma``), or an unknown mode.
    TypeError
        For an image of another dtype or rank.

    Notes
    -----
    The halo is ``ceil(4 * max(sigma))`` (:func:`reach`); without
    ``max_sigma`` the map is computed once for its extremes. A chunk narrower than the halo is
    merged with its neighbours; an axis no longer than the halo becomes one
    chunk, so a sigma of a quarter of the image's side or more blurs it as
    one chunk (which must then fit in a worker's memory).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import varblur
    >>> import varblur.dask
    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((60, 80), dtype=np.float32)
    >>> sigma = np.full((60, 80), 1.5, dtype=np.float32)
    >>> blurred = varblur.dask.gaussian_blur(da.from_array(image, chunks=20), sigma, mode="nearest")
    >>> whole = varblur.gaussian_blur(image, sigma, mode="nearest")
    >>> bool(np.abs(blurred.compute() - whole).max() < 0.03)
    True
    """
    return _blur(image, sigma, "gaussian", mode, cval, max_sigma)


def _starts(chunks: Tuple[int, ...]) -> np.ndarray:
    """The first index of each chunk of an axis."""
    return np.concatenate(([0], np.cumsum(chunks)[:-1])).astype(np.int64)


def _axis_plan(chunks: Tuple[int, ...], halo: int) -> Tuple[Tuple[int, ...], int]:
    """The chunks of an axis and the depth of its overlap for `halo`.

    An axis in one chunk, or no longer than the halo, is one chunk with no
    overlap (every kernel then reads within it, or all of it); otherwise
    chunks narrower than the halo are merged, as Dask's overlap takes its
    halo from the neighbouring chunk only.
    """
    import dask.array as da

    length = sum(chunks)
    if halo == 0:
        return chunks, 0
    if len(chunks) == 1 or halo >= length:
        return (length,), 0
    if min(chunks) >= halo:
        return chunks, halo
    return da.overlap.ensure_minimum_chunksize(halo, chunks), halo


def _blur(image, size, kernel: str, mode: str, cval: float, largest_given: Optional[float]):
    import dask.array as da

    if mode not in _MODES:
        raise Error(f"unknown mode {mode!r}: one of {', '.join(_MODES)}")
    image = da.asarray(image)
    if image.ndim not in (2, 3):
        raise TypeError(f"the image must be 2-D or 3-D, not {image.ndim}-D")
    if image.dtype.type not in _DTYPES:
        raise TypeError(f"the image's dtype must be uint8, uint16, float32 or float64, not {image.dtype}")
    height, width = image.shape[:2]

    uniform = np.isscalar(size) or (isinstance(size, np.ndarray) and size.ndim == 0)
    if uniform:
        largest = float(size)
        reach(kernel, largest)  # validates the size
    else:
        size = da.asarray(size)
        if size.shape != (height, width):
            raise Error(f"the size map's shape {size.shape} is not the image's (height, width) {(height, width)}")
        if largest_given is not None:
            largest = float(largest_given)
            reach(kernel, largest)  # validates it
        elif size.size == 0:
            largest = 0.0
        else:
            lowest, largest = (float(v) for v in da.compute(size.min(), size.max()))
            if not (math.isfinite(lowest) and math.isfinite(largest)) or lowest < 0:
                raise Error(f"every size must be finite and >= 0; the map holds {lowest} to {largest}")
    if image.size == 0:
        return image.copy()
    halo = reach(kernel, largest)

    row_chunks, row_depth = _axis_plan(image.chunks[0], halo)
    col_chunks, col_depth = _axis_plan(image.chunks[1], halo)
    chunks = (row_chunks, col_chunks) + ((image.shape[2],) if image.ndim == 3 else ())
    image = image.rechunk(chunks)
    # Wrap takes its halo from the opposite edge; the others have none
    # beyond the image, where the core applies the border itself.
    wrap = mode == "wrap"
    edge = {axis: "periodic" if wrap and depth else "none" for axis, depth in enumerate((row_depth, col_depth))}
    depth = {0: row_depth, 1: col_depth}
    if image.ndim == 3:
        depth[2], edge[2] = 0, "none"
    padded = da.overlap.overlap(image, depth=depth, boundary=edge)

    block = partial(
        _blur_block,
        kernel=kernel,
        mode=mode,
        cval=float(cval),
        image_shape=(height, width),
        chunks=(row_chunks, col_chunks),
        depths=(row_depth, col_depth),
        wrap=wrap,
        given=None if uniform else largest_given,
    )
    if uniform:
        return padded.map_blocks(
            block, size=float(size), chunks=image.chunks, dtype=image.dtype, meta=np.empty((0,) * image.ndim, image.dtype)
        )
    # The map is not padded: a chunk's output depends on the sizes of its
    # own pixels only (each pixel gathers with its own kernel), so the block
    # pads its map chunk with zeros where the image has halo, and no map
    # pixel moves between workers.
    size = size.rechunk((row_chunks, col_chunks))
    if image.ndim == 3:
        # Aligned with the image's (row, col, channel) blocks: one chunk of 1.
        size = size[:, :, None]
    return da.map_blocks(
        block,
        padded,
        size,
        chunks=image.chunks,
        dtype=image.dtype,
        meta=np.empty((0,) * image.ndim, image.dtype),
    )


def _blur_block(
    window: np.ndarray,
    size: Union[float, np.ndarray],
    *,
    block_id,
    kernel: str,
    mode: str,
    cval: float,
    image_shape: Tuple[int, int],
    chunks: Tuple[Tuple[int, ...], Tuple[int, ...]],
    depths: Tuple[int, int],
    wrap: bool,
    given: Optional[float],
) -> np.ndarray:
    """The output of one chunk from its padded input (the window).

    The chunk's place comes from its index in the unpadded chunks (not from
    ``block_info``, whose locations inside ``map_overlap`` refer to the
    padded array). Without wrap-around the window is the image's pixels
    from ``origin`` on. With it, the window holds the periodic image around
    the chunk, so it is blurred as an image of its own: along a padded axis
    no kernel of the chunk reaches the window's edge, and an unpadded axis
    is the whole image's. ``size``, a map, covers the chunk alone: the core
    takes a map of the chunk's rows (only they are computed), so it is
    padded with zeros to the window's columns only where the window has
    columns beyond the chunk's (the chunk's pixels read only their own
    sizes).

    With a largest size the caller ``given`` (the halo's), a map value
    that reaches past the halo raises: the core finds it, as a window too
    small for the tile, where the window is the image's own pixels; a
    window blurred as an image of its own (wrap-around) would take it
    silently, so there the map is checked first.
    """
    tile, origin, pads, starts = [], [], [], []
    for axis in (0, 1):
        index, depth = block_id[axis], depths[axis]
        count, length = len(chunks[axis]), chunks[axis][block_id[axis]]
        start = int(_starts(chunks[axis])[index])
        before = depth if wrap or index > 0 else 0
        after = depth if wrap or index < count - 1 else 0
        if window.shape[axis] != before + length + after:
            raise RuntimeError(
                f"chunk {block_id} came with {window.shape[axis]} pixels on axis {axis}, "
                f"not {before} + {length} + {after}"
            )
        pads.append((before, after))
        starts.append(start)
        if wrap:
            tile.append((before, before + length))
            origin.append(0)
        else:
            tile.append((start, start + length))
            origin.append(start - before)
    if wrap:
        image_shape = window.shape[:2]
    sizes = None if isinstance(size, (float, int)) else size.reshape(size.shape[:2])
    if sizes is not None:
        if wrap and given is not None:
            _check_largest(sizes, given, kernel, starts)
        size = sizes
        if any(pads[1]):
            size = np.zeros((sizes.shape[0], window.shape[1]), dtype=sizes.dtype)
            size[:, pads[1][0] : pads[1][0] + sizes.shape[1]] = sizes
    try:
        return _core.blur_tile(
            window,
            size,
            tuple(origin),
            tuple(image_shape),
            (tile[0][0], tile[0][1], tile[1][0], tile[1][1]),
            kernel,
            mode,
            cval,
            1,
        )
    except Error:
        if given is not None and sizes is not None:
            _check_largest(sizes, given, kernel, starts)
        raise


def _check_largest(size: np.ndarray, largest: float, kernel: str, starts) -> None:
    """Raises where a size of the chunk's map (whose first pixel is image
    pixel ``starts``) reaches past the halo made for ``largest``; NaN and
    negative values are left to the core, which names the pixel."""
    if size.size == 0:
        return
    top = float(np.nanmax(size)) if size.dtype.kind == "f" else float(size.max())
    if math.isfinite(top) and top > largest and reach(kernel, top) > reach(kernel, largest):
        at = np.unravel_index(int(np.nanargmax(size)), size.shape)
        where = tuple(int(start + i) for start, i in zip(starts, at))
        what = "radius" if kernel == "box" else "sigma"
        raise Error(f"the {what} at (row, col) {where} is {top}, above max_{what}={largest}")


def distance(mask, max_distance: float):
    """Distance transform of a Dask array, chunk by chunk, capped at ``max_distance``.

    The lazy equivalent of ``varblur.distance(mask, max_distance)``, equal
    to it value for value: a distance capped at ``D`` depends only on the
    mask within ``ceil(D)`` pixels, so each chunk is computed from itself
    and a halo of ``ceil(D)`` pixels.

    Parameters
    ----------
    mask : dask.array.Array or numpy.ndarray
        ``(height, width)`` of ``bool``, ``uint8``, ``uint16``, ``float32``
        or ``float64``.
    max_distance : float
        The cap, finite and >= 0 (required: it sets the halo).

    Returns
    -------
    dask.array.Array
        float32 distances, lazily, with the mask's shape and chunks
        (chunks narrower than the halo are merged with their neighbours).

    Raises
    ------
    varblur.Error
        For a ``max_distance`` that is not finite and >= 0, or a mask that
        is not 2-D.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import varblur
    >>> import varblur.dask
    >>> mask = np.zeros((64, 48), dtype=bool)
    >>> mask[10, 20] = mask[50, 5] = True
    >>> lazy = varblur.dask.distance(da.from_array(mask, chunks=16), max_distance=12)
    >>> bool((lazy.compute() == varblur.distance(mask, max_distance=12)).all())
    True
    """
    import dask.array as da

    cap = float(np.float32(max_distance))
    if not (math.isfinite(float(max_distance)) and float(max_distance) >= 0):
        raise Error(f"max_distance must be finite and >= 0, not {max_distance!r}")
    mask = da.asarray(mask)
    if mask.ndim != 2:
        raise Error(f"the mask must be 2-D (height, width), not {mask.ndim}-D")
    if mask.dtype == bool:
        mask = mask.astype(np.uint8)
    if mask.size == 0:
        return mask.astype(np.float32)
    halo = math.ceil(cap)
    row_chunks, row_depth = _axis_plan(mask.chunks[0], halo)
    col_chunks, col_depth = _axis_plan(mask.chunks[1], halo)
    mask = mask.rechunk((row_chunks, col_chunks))
    # No padding beyond the image: the mask has no region there.
    return mask.map_overlap(
        partial(_distance_block, max_distance=cap),
        depth={0: row_depth, 1: col_depth},
        boundary="none",
        trim=True,
        dtype=np.float32,
        meta=np.empty((0, 0), np.float32),
    )


def _distance_block(window: np.ndarray, max_distance: float) -> np.ndarray:
    """The capped distances of one chunk's window (its chunk and halo)."""
    return _core.distance(window, max_distance, 1)
