"""Spatially variable blur of numpy arrays.

Every pixel may have its own blur size, from a per-pixel map (a distance map,
a depth map, a mask's falloff): :func:`box_blur` takes a radius per pixel,
:func:`gaussian_blur` a sigma per pixel. The cost per pixel does not grow
with the size, and radii far larger than the image (1e9) are fine.

The work runs in Rust, on all cores (or ``threads``), without the GIL: other
Python threads run while a blur does. Images of ``uint8``, ``uint16``,
``float32`` and ``float64``, 2-D ``(height, width)`` or 3-D
``(height, width, channels)`` with 1 to 16 channels, any strides (transposed
or sliced views are read in place). Each channel is blurred on its own.

Border modes take scipy.ndimage's names where the rule is the same:

================  ==============================================================
``renormalize``   (default) only the pixels inside the image count, weighted by
                  the kernel and divided by the sum of their weights: the
                  window's mean over its part inside the image. scipy has no
                  such mode.
``nearest``       the edge pixel repeats (``aaaa|abcd|dddd``)
``mirror``        mirror about the edge pixel (``dcb|abcd|cba``)
``reflect``       mirror about the edge (``dcba|abcd|dcba``)
``wrap``          periodic (``abcd|abcd|abcd``)
``constant``      outside pixels are ``cval`` (``kkkk|abcd|kkkk``)
================  ==============================================================

Every error the package raises for a bad argument is a :class:`varblur.Error`
(a ``ValueError``), except a wrong dtype or argument type: ``TypeError``. The
output is untouched after any error.

:func:`distance` is the exact Euclidean distance transform of a mask (the
distance from every pixel to the nearest non-zero one), and
:func:`blur_by_distance` blurs an image more the farther a pixel lies from
a mask's regions, in one call.

For images held in pieces (Dask arrays, and so larger than one machine's
memory), see ``varblur.dask``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Optional, Union

from . import _core
from ._core import Error

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    SizeLike = Union[float, "NDArray[np.float32]", "NDArray[np.float64]", "NDArray[np.uint8]", "NDArray[np.uint16]"]

__all__ = ["Error", "blur_by_distance", "box_blur", "distance", "gaussian_blur"]

__version__ = "0.1.0"


def box_blur(
    image: NDArray,
    radius: SizeLike,
    *,
    mode: str = "renormalize",
    cval: float = 0.0,
    out: Optional[NDArray] = None,
    threads: Optional[int] = None,
) -> NDArray:
    """Box blur with a radius per pixel.

    Output pixel ``p`` is the weighted mean of the input over the square
    window of radius ``r = radius[p]`` centred on ``p``. An integer radius
    ``r`` is the plain mean of ``2 * r + 1`` by ``2 * r + 1`` pixels,
    scipy.ndimage's ``uniform_filter(image, size=2 * r + 1)``. A fractional
    radius ``r = n + f`` (``n`` whole, ``0 < f < 1``) adds the ring at
    distance ``n + 1`` with weight ``f`` per axis (the corners ``f * f``), so
    the result moves continuously with the radius: a smooth radius map gives
    a smooth image, with no steps at whole radii.

    Parameters
    ----------
    image : numpy.ndarray
        ``(height, width)`` or ``(height, width, channels)`` with 1 to 16
        channels, of ``uint8``, ``uint16``, ``float32`` or ``float64``, any
        strides. Each channel is blurred on its own.
    radius : float or numpy.ndarray
        One radius for every pixel (a number >= 0), or a ``(height, width)``
        array of one radius per pixel: ``float32``, ``float64`` (converted
        to ``float32``: radii are single precision), ``uint8`` or
        ``uint16`` (whole radii, no conversion). Radii must be finite and
        >= 0; larger than the image is fine (with ``renormalize``, a huge
        radius gives the image's mean).
    mode : {'renormalize', 'nearest', 'mirror', 'reflect', 'wrap', 'constant'}, optional
        What the window reads outside the image. ``'renormalize'`` (the
        default): only pixels inside the image count, and their mean is
        taken, so edges are not darkened or brightened by the border.
        The others are scipy.ndimage's modes of the same name: ``'nearest'``
        (``aaaa|abcd|dddd``), ``'mirror'`` (``dcb|abcd|cba``), ``'reflect'``
        (``dcba|abcd|dcba``), ``'wrap'`` (``abcd|abcd|abcd``) and
        ``'constant'`` (``cval`` outside).
    cval : float, optional
        The value outside the image for ``mode='constant'``, in the image's
        units: finite, and within the dtype's range (0 to 255 for ``uint8``).
        Ignored by the other modes.
    out : numpy.ndarray, optional
        Array of the image's shape and dtype, any strides, to write the
        result into (it is returned). It may be the image itself (in place)
        or share memory with it or the radius map.
    threads : int, optional
        Threads to use (>= 1); ``None`` uses every core. The result is the
        same for any count.

    Returns
    -------
    numpy.ndarray
        The blurred image, of the image's shape and dtype (``out`` if given).
        Integer images are rounded to nearest (halves away from zero) and
        clamped to the dtype's range.

    Raises
    ------
    varblur.Error
        A bad value: shape, radius (the message names its row, column and
        value), mode, ``cval``, ``threads``, or a read-only ``out``.
    TypeError
        An unsupported dtype of ``image``, ``radius`` or ``out``.

    See Also
    --------
    gaussian_blur : Gaussian blur with a sigma per pixel.
    scipy.ndimage.uniform_filter : the same for one whole radius.

    Examples
    --------
    A point blurred with radius 1 is spread over its 3 x 3 neighbourhood:

    >>> import numpy as np
    >>> import varblur
    >>> image = np.zeros((5, 5))
    >>> image[2, 2] = 9.0
    >>> varblur.box_blur(image, 1)
    array([[0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])

    A radius per pixel, here growing from left to right, on a ``uint8``
    image:

    >>> ramp = np.tile(np.arange(6, dtype=np.float32), (4, 1))
    >>> ramp
    array([[0., 1., 2., 3., 4., 5.],
           [0., 1., 2., 3., 4., 5.],
           [0., 1., 2., 3., 4., 5.],
           [0., 1., 2., 3., 4., 5.]], dtype=float32)
    >>> stripes = np.tile(np.array([0, 255], dtype=np.uint8), (4, 3))
    >>> varblur.box_blur(stripes, ramp)
    array([[  0,  85, 102, 128, 128, 128],
           [  0,  85, 102, 128, 128, 128],
           [  0,  85, 102, 128, 128, 128],
           [  0,  85, 102, 128, 128, 128]], dtype=uint8)

    At the edge, ``'renormalize'`` averages what lies inside the image,
    where ``'constant'`` mixes in ``cval``:

    >>> flat = np.full((3, 3), 90.0)
    >>> float(varblur.box_blur(flat, 1)[0, 0]), float(varblur.box_blur(flat, 1, mode="constant")[0, 0])
    (90.0, 40.0)
    """
    return _core.blur(image, radius, "box", mode, cval, out, threads)


def gaussian_blur(
    image: NDArray,
    sigma: SizeLike,
    *,
    mode: str = "renormalize",
    cval: float = 0.0,
    out: Optional[NDArray] = None,
    threads: Optional[int] = None,
) -> NDArray:
    """Gaussian blur with a sigma per pixel.

    Output pixel ``p`` is the mean of the input weighted by
    ``exp(-(dx**2 + dy**2) / (2 * s**2))`` with ``s = sigma[p]``, over
    ``|dx|, |dy| <= ceil(4 * s)``; ``s = 0`` leaves the pixel as it is. For
    one whole sigma this is scipy.ndimage's
    ``gaussian_filter(image, s, truncate=4.0)`` wherever scipy's support,
    ``int(4 * s + 0.5)``, equals ``ceil(4 * s)``. Each pixel uses its own
    sigma's kernel (a gather), so a sharp change in the sigma map gives no
    seam.

    The result approximates this definition within the bound stated in
    the varblur repository's docs/DEFINITION.md: with the ``constant``,
    ``renormalize`` and ``nearest`` modes, and a uniform sigma small
    against the image with the others, within 1e-3 of the value range (a
    uniform sigma up to 3.5 exact to rounding, its kernel computed tap by
    tap); the cost per pixel does not grow with sigma.

    Parameters
    ----------
    image : numpy.ndarray
        ``(height, width)`` or ``(height, width, channels)`` with 1 to 16
        channels, of ``uint8``, ``uint16``, ``float32`` or ``float64``, any
        strides. Each channel is blurred on its own.
    sigma : float or numpy.ndarray
        One sigma for every pixel (a number >= 0), or a ``(height, width)``
        array of one sigma per pixel: ``float32``, ``float64`` (converted
        to ``float32``: sigmas are single precision), ``uint8`` or
        ``uint16``. Sigmas must be finite and >= 0.
    mode : {'renormalize', 'nearest', 'mirror', 'reflect', 'wrap', 'constant'}, optional
        What the kernel reads outside the image. ``'renormalize'`` (the
        default): only pixels inside the image count, and the weights are
        divided by their sum over them. The others are scipy.ndimage's
        modes of the same name: ``'nearest'`` (``aaaa|abcd|dddd``),
        ``'mirror'`` (``dcb|abcd|cba``), ``'reflect'`` (``dcba|abcd|dcba``),
        ``'wrap'`` (``abcd|abcd|abcd``) and ``'constant'`` (``cval``
        outside).
    cval : float, optional
        The value outside the image for ``mode='constant'``, in the image's
        units: finite, and within the dtype's range. Ignored by the other
        modes.
    out : numpy.ndarray, optional
        Array of the image's shape and dtype, any strides, to write the
        result into (it is returned). It may be the image itself (in place)
        or share memory with it or the sigma map.
    threads : int, optional
        Threads to use (>= 1); ``None`` uses every core. The result is the
        same for any count.

    Returns
    -------
    numpy.ndarray
        The blurred image, of the image's shape and dtype (``out`` if given).
        Integer images are rounded to nearest (halves away from zero) and
        clamped to the dtype's range.

    Raises
    ------
    varblur.Error
        A bad value: shape, sigma (the message names its row, column and
        value), mode, ``cval``, ``threads``, or a read-only ``out``.
    TypeError
        An unsupported dtype of ``image``, ``sigma`` or ``out``.

    See Also
    --------
    box_blur : box blur with a radius per pixel.
    scipy.ndimage.gaussian_filter : the same for one sigma.

    Examples
    --------
    One sigma, as scipy's ``gaussian_filter(image, 1.0, mode="nearest")``:

    >>> import numpy as np
    >>> import varblur
    >>> image = np.zeros((1, 9))
    >>> image[0, 4] = 1.0
    >>> np.round(varblur.gaussian_blur(image, 1.0, mode="nearest"), 3)
    array([[0.   , 0.004, 0.054, 0.242, 0.399, 0.242, 0.054, 0.004, 0.   ]])

    A sigma per pixel: the pixels of sigma 0 keep their value, those of
    sigma 2 (from column 5 on) gather from the point with their own kernel:

    >>> sigma = np.zeros((1, 9), dtype=np.float32)
    >>> sigma[:, 5:] = 2.0
    >>> np.round(varblur.gaussian_blur(image, sigma), 3)
    array([[0.   , 0.   , 0.   , 0.   , 1.   , 0.184, 0.135, 0.083, 0.045]])
    """
    return _core.blur(image, sigma, "gaussian", mode, cval, out, threads)


def _mask(mask):
    """A bool mask as uint8 (a view, no copy): the core reads non-zero."""
    if getattr(mask, "dtype", None) is not None and mask.dtype == bool:
        return mask.view("uint8")
    return mask


def distance(mask: NDArray, max_distance: Optional[float] = None, *, threads: Optional[int] = None) -> NDArray:
    """Exact Euclidean distance from every pixel to the nearest region pixel.

    The region is the mask's non-zero (``True``) pixels. Pixel ``(y, x)``
    gets ``min sqrt((y - y')**2 + (x - x')**2)`` over the region pixels
    ``(y', x')``: 0 on the region, ``inf`` everywhere when the region is
    empty. This is ``scipy.ndimage.distance_transform_edt(mask == 0)``, as
    float32 (the exact distance rounded once), in linear time on every core,
    with no memory beyond the mask and the result.

    Parameters
    ----------
    mask : numpy.ndarray
        ``(height, width)`` of ``bool``, ``uint8``, ``uint16``, ``float32``
        or ``float64``, any strides. NaN is refused.
    max_distance : float, optional
        Distances above it read ``max_distance`` (>= 0). A capped distance
        depends only on the mask within ``ceil(max_distance)`` pixels, so
        pieces of an image with that halo give the whole image's values
        (``varblur.dask.distance``).
    threads : int, optional
        Threads to use (>= 1); ``None`` uses every core. The result is the
        same for any count.

    Returns
    -------
    numpy.ndarray
        float32 distances of the mask's shape.

    Raises
    ------
    varblur.Error
        A mask that is not 2-D or holds NaN, a negative or NaN
        ``max_distance``, a bad ``threads``.
    TypeError
        An unsupported dtype (pass ``mask != 0``).

    See Also
    --------
    blur_by_distance : the blur that grows with this distance.
    scipy.ndimage.distance_transform_edt : the same in float64.

    Examples
    --------
    >>> import numpy as np
    >>> import varblur
    >>> mask = np.zeros((3, 5), dtype=bool)
    >>> mask[1, 1] = True
    >>> varblur.distance(mask)
    array([[1.4142135, 1.       , 1.4142135, 2.236068 , 3.1622777],
           [1.       , 0.       , 1.       , 2.       , 3.       ],
           [1.4142135, 1.       , 1.4142135, 2.236068 , 3.1622777]],
          dtype=float32)
    >>> varblur.distance(mask, max_distance=2)
    array([[1.4142135, 1.       , 1.4142135, 2.       , 2.       ],
           [1.       , 0.       , 1.       , 2.       , 2.       ],
           [1.4142135, 1.       , 1.4142135, 2.       , 2.       ]],
          dtype=float32)
    """
    return _core.distance(_mask(mask), max_distance, threads)


def blur_by_distance(
    image: NDArray,
    mask: NDArray,
    *,
    scale: float,
    offset: float = 0.0,
    max_size: float,
    kernel: str = "box",
    mode: str = "renormalize",
    cval: float = 0.0,
    threads: Optional[int] = None,
) -> NDArray:
    """Blurs an image more the farther each pixel lies from a mask's regions.

    The size of pixel ``p`` (a radius for ``kernel="box"``, a sigma for
    ``"gaussian"``) is ``clip(scale * max(d - offset, 0), 0, max_size)``,
    computed in float32, where ``d`` is :func:`distance` of ``mask`` at
    ``p``; then the image is blurred as :func:`box_blur` or
    :func:`gaussian_blur` would with that size map, bit for bit. Pixels
    within ``offset`` of the region stay sharp. An empty region blurs every
    pixel with ``max_size``.

    The distance is computed only up to where the size reaches
    ``max_size``, which changes no size, and is turned into sizes in place:
    the memory is the image, the result and one float32 map.

    Parameters
    ----------
    image : numpy.ndarray
        ``(height, width)`` or ``(height, width, channels)``, as for
        :func:`box_blur`.
    mask : numpy.ndarray
        ``(height, width)``, as for :func:`distance`.
    scale : float
        Size per pixel of distance, finite and >= 0.
    offset : float, optional
        Distance up to which the size is 0 (finite; negative blurs the
        region too).
    max_size : float
        The largest size, finite and >= 0.
    kernel : {'box', 'gaussian'}, optional
    mode : {'renormalize', 'nearest', 'mirror', 'reflect', 'wrap', 'constant'}, optional
        As for :func:`box_blur`.
    cval : float, optional
        The value outside the image for ``mode='constant'``.
    threads : int, optional
        Threads to use (>= 1); ``None`` uses every core.

    Returns
    -------
    numpy.ndarray
        The blurred image, of the image's shape and dtype.

    Raises
    ------
    varblur.Error
        A bad value: shapes, ``scale``, ``offset``, ``max_size``, mode,
        ``cval``, ``threads``, NaN in the mask.
    TypeError
        An unsupported dtype of ``image`` or ``mask``.

    Examples
    --------
    >>> import numpy as np
    >>> import varblur
    >>> image = np.tile(np.array([0, 90], dtype=np.uint8), (5, 4))
    >>> mask = np.zeros((5, 8), dtype=bool)
    >>> mask[:, 0] = True
    >>> varblur.blur_by_distance(image, mask, scale=1.0, max_size=1.0)[0]
    array([ 0, 30, 60, 30, 60, 30, 60, 45], dtype=uint8)
    """
    return _core.blur_by_distance(
        image, _mask(mask), scale, offset, max_size, kernel, mode, cval, threads
    )


def __getattr__(name: str):
    # `varblur.dask` is loaded on first use: Dask is an optional dependency.
    if name == "dask":
        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
