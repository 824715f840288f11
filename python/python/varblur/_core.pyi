"""The Rust entry points of varblur (see ``varblur.box_blur``)."""

from typing import Optional, Tuple, Union

import numpy as np
from numpy.typing import NDArray

MAX_CHANNELS: int

class Error(ValueError):
    """Base class of every error varblur raises for a bad argument."""

_Size = Union[float, NDArray[np.float32], NDArray[np.float64], NDArray[np.uint8], NDArray[np.uint16]]

def blur(
    image: NDArray,
    size: _Size,
    kernel: str,
    mode: str,
    cval: float,
    out: Optional[NDArray],
    threads: Optional[int],
) -> NDArray:
    """Blurs ``image`` with ``kernel`` ('box' or 'gaussian') of per-pixel
    ``size`` into a new array, or into ``out`` (returned)."""

def blur_tile(
    window: NDArray,
    size: _Size,
    window_origin: Tuple[int, int],
    image_shape: Tuple[int, int],
    tile: Tuple[int, int, int, int],
    kernel: str,
    mode: str,
    cval: float,
    threads: Optional[int],
) -> NDArray:
    """Output rectangle ``tile`` = (row_start, row_stop, col_start, col_stop)
    of an image of ``image_shape`` (height, width), from ``window``, the
    input pixels from ``window_origin`` (row, col) on, which must cover every
    pixel the tile's kernels read. ``size`` is a number, a map of the
    window's (height, width), or a map of the tile's rows and the window's
    columns. Returns the tile's pixels ((rows, cols) or
    (rows, cols, channels)), as the same pixels of a whole-image ``blur``."""

def distance(
    mask: NDArray,
    max_distance: Optional[float],
    threads: Optional[int],
) -> NDArray[np.float32]:
    """The distance from every pixel of ``mask`` (2-D, uint8, uint16,
    float32 or float64) to its nearest non-zero pixel, as float32; distances
    above ``max_distance`` (when given) read ``max_distance``."""

def blur_by_distance(
    image: NDArray,
    mask: NDArray,
    scale: float,
    offset: float,
    max_size: float,
    kernel: str,
    mode: str,
    cval: float,
    threads: Optional[int],
) -> NDArray:
    """Blurs ``image`` with the size ``clip(scale * max(d - offset, 0), 0,
    max_size)`` per pixel, ``d`` the distance of ``mask``'s transform."""
