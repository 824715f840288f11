//! Tiles ([`varblur::tile`]): an output rectangle computed from the input
//! pixels it reads equals the same pixels of the whole-image run, bit for
//! bit for integer samples with a backend exact for the request, and within
//! the backend's bound against `Naive` (and of the whole-image run) for
//! float samples and approximate backends; for every border, both kernels,
//! tiles at corners, edges and inside, windows larger than needed and
//! reaches past the image. Windows that do not cover what a tile reads are
//! typed errors that leave the output untouched.

use ndarray::{Array2, Array3, ArrayView2, s};
use varblur::tile::{Rect, apply_tile, input_rect, reach};
use varblur::{Backend, Border, Error, Filter, IteratedBox, Kernel, Naive, Params, Request, Sample, Size, Support};

use crate::common::Numbers;

const BORDERS: [Border; 6] = [
    Border::Clip,
    Border::Replicate,
    Border::Reflect,
    Border::Constant(7.0),
    Border::Symmetric,
    Border::Wrap,
];

/// The largest |IteratedBox - Naive| docs/DEFINITION.md states, as a fraction of
/// the value range (plus 1 LSB for integers), for k = 2, 3, 4, 5 boxes.
const ITERATED_BOX_TOLERANCE: [f64; 4] = [0.05, 0.03, 0.02, 0.02];

/// The default `IteratedBox`'s tolerance (also a bound for `Auto`'s Gaussian:
/// `Levels`, which it picks for some uniform sigmas, is within a tighter one).
fn default_tolerance() -> f64 {
    ITERATED_BOX_TOLERANCE[IteratedBox::DEFAULT_BOXES - 2]
}

/// A range of `0..len` at its start (`which` 0), at its end (1), or
/// anywhere (2, possibly empty).
fn part(numbers: &mut Numbers, len: usize, which: usize) -> std::ops::Range<usize> {
    let short = 1 + numbers.below(len.div_ceil(2));
    match which {
        0 => 0..short.min(len),
        1 => len.saturating_sub(short)..len,
        _ => numbers.range(len),
    }
}

/// The largest finite |sample| of `image`, and the border constant's.
fn value_range<T: Sample>(image: &Array3<T>, border: Border) -> f64 {
    let samples = image.iter().map(|v| v.to_f64().abs()).filter(|v| v.is_finite());
    let constant = match border {
        Border::Constant(c) => c.abs(),
        _ => 0.0,
    };
    samples.fold(constant, f64::max)
}

/// Computes tiles at every corner, along every edge and inside `image` with
/// `backend` from windows that cover what they read (sometimes more), and
/// checks them against the whole-image run and `Naive`: bit for bit for
/// integer samples with an exact backend, else within 1e-6 of the value
/// range (exact backends) or `tolerance` of it (approximate ones, plus
/// 1 LSB for integers). Requests the backend does not serve are skipped.
fn check_tiles<T: Sample, F: Filter>(
    numbers: &mut Numbers,
    backend: &F,
    tolerance: f64,
    image: &Array3<T>,
    sizes: &Array2<f32>,
    params: &Params<'_>,
) {
    let (height, width, channels) = image.dim();
    let support = backend.support(&Request::new::<T>(params, [height, width, channels]));
    let bit_identical = match support {
        Support::Unsupported(_) => return,
        Support::Exact => T::TYPE.is_integer(),
        Support::Approximate(_) => false,
    };
    let whole = backend.apply(image.view(), params).expect("the whole image");
    let naive = (!bit_identical).then(|| Naive.apply(image.view(), params).expect("Naive"));
    let range = value_range(image, params.border);
    let bound = match support {
        Support::Exact => 1e-6 * range,
        _ => tolerance * range + if T::TYPE.is_integer() { 1.0 } else { 0.0 },
    };
    for which in 0..9 {
        let tile = Rect::new(part(numbers, height, which % 3), part(numbers, width, which / 3));
        let largest = sizes
            .slice(s![tile.rows.clone(), tile.cols.clone()])
            .fold(0.0f32, |m, &v| m.max(v));
        let extra = if numbers.below(3) == 0 { 1 + numbers.below(4) } else { 0 };
        let window = input_rect(
            params.kernel,
            params.border,
            largest + extra as f32,
            (height, width),
            &tile,
        );
        // A map of the window, or of the tile's rows of it.
        let map_rows = if numbers.below(2) == 0 {
            window.rows.clone()
        } else {
            tile.rows.clone()
        };
        let size = if params.size.is_uniform() {
            params.size.reborrow()
        } else {
            Size::map(sizes.slice(s![map_rows, window.cols.clone()]))
        };
        let window_params = Params::new(params.kernel, size).with_border(params.border);
        let mut out = Array3::<T>::default((tile.rows.len(), tile.cols.len(), channels));
        apply_tile(
            backend,
            image.slice(s![window.rows.clone(), window.cols.clone(), ..]),
            &window,
            (height, width),
            &window_params,
            &tile,
            out.view_mut(),
        )
        .unwrap_or_else(|err| panic!("{}: tile {tile:?} from {window:?}: {err}", backend.name()));
        let what = format!(
            "{} {:?} {:?} {:?}: tile {tile:?} from {window:?} of {height} x {width} x {channels}",
            backend.name(),
            T::TYPE,
            params.kernel,
            params.border
        );
        let whole_tile = whole.slice(s![tile.rows.clone(), tile.cols.clone(), ..]);
        let Some(naive) = &naive else {
            assert_eq!(out, whole_tile, "{what}");
            continue;
        };
        let naive_tile = naive.slice(s![tile.rows.clone(), tile.cols.clone(), ..]);
        for ((at, &value), (&w, &n)) in out.indexed_iter().zip(whole_tile.iter().zip(naive_tile.iter())) {
            let (value, w, n) = (value.to_f64(), w.to_f64(), n.to_f64());
            assert!(
                (value - w).abs() <= bound,
                "{what}, pixel {at:?}: tile {value}, whole image {w}, bound {bound} (Naive: {n})"
            );
            assert!(
                (value - n).abs() <= bound,
                "{what}, pixel {at:?}: tile {value}, Naive {n}, bound {bound} (the whole image: {w})"
            );
        }
    }
}

/// Random samples: integers 0..=255 scaled to the type's range, floats of
/// both signs.
fn image<T: Sample>(numbers: &mut Numbers, dim: (usize, usize, usize)) -> Array3<T> {
    Array3::from_shape_simple_fn(dim, || {
        let level = (numbers.next() % 256) as f64;
        if T::TYPE.is_integer() {
            T::from_f64(level * (T::MAX.min(65535.0) / 255.0))
        } else {
            T::from_f64((level - 100.0) / 3.0)
        }
    })
}

/// Random, fractional and integer sizes, many reaching past a 30-pixel
/// image (box radius up to 39, sigma up to 9.75).
fn random_sizes(numbers: &mut Numbers, kernel: Kernel, (height, width): (usize, usize)) -> Array2<f32> {
    let scale = if kernel == Kernel::Gaussian { 0.25 } else { 1.0 };
    Array2::from_shape_simple_fn((height, width), || {
        scale
            * match numbers.below(4) {
                0 => numbers.below(40) as f32,
                _ => numbers.below(32) as f32 / 4.0,
            }
    })
}

/// Every built-in backend on the tiles of `image`, with a random size map
/// and with a uniform size.
fn check_every_backend<T: Sample>(numbers: &mut Numbers, kernel: Kernel, border: Border, dim: (usize, usize, usize)) {
    let sizes = random_sizes(numbers, kernel, (dim.0, dim.1));
    let uniform = Array2::from_elem((dim.0, dim.1), sizes[[0, 0]]);
    let map_params = Params::new(kernel, Size::map(&sizes)).with_border(border);
    let uniform_params = Params::new(kernel, Size::Uniform(sizes[[0, 0]])).with_border(border);
    let (a, b) = (image::<T>(numbers, dim), image::<T>(numbers, dim));
    for backend in Backend::ALL {
        check_tiles(numbers, &backend, default_tolerance(), &a, &sizes, &map_params);
        check_tiles(numbers, &backend, default_tolerance(), &b, &uniform, &uniform_params);
    }
}

#[test]
fn integer_tiles_match_the_whole_image() {
    let mut numbers = Numbers(0x9e37_79b9_7f4a_7c15);
    for case in 0..48 {
        let dim = (1 + numbers.below(30), 1 + numbers.below(30), 1 + numbers.below(3));
        let border = BORDERS[case % 6];
        let kernel = [Kernel::Box, Kernel::Gaussian][(case / 6) % 2];
        if (case / 12) % 2 == 0 {
            check_every_backend::<u8>(&mut numbers, kernel, border, dim);
        } else {
            check_every_backend::<u16>(&mut numbers, kernel, border, dim);
        }
    }
}

#[test]
fn float_tiles_match_the_whole_image_and_naive_within_the_bound() {
    let mut numbers = Numbers(0x6a09_e667_f3bc_c908);
    for case in 0..48 {
        let dim = (1 + numbers.below(30), 1 + numbers.below(30), 1 + numbers.below(3));
        let border = BORDERS[case % 6];
        let kernel = [Kernel::Box, Kernel::Gaussian][(case / 6) % 2];
        if (case / 12) % 2 == 0 {
            check_every_backend::<f32>(&mut numbers, kernel, border, dim);
        } else {
            check_every_backend::<f64>(&mut numbers, kernel, border, dim);
        }
    }
}

#[test]
fn tiles_across_strips_of_larger_images_match_the_whole_image() {
    // Images taller than a strip (64 rows and more), a smooth map with a
    // fractional part and a few large sizes.
    let mut numbers = Numbers(0x2545_f491_4f6c_dd1d);
    let cases = [
        (300, 200, 1),
        (170, 260, 3),
        (520, 90, 2),
        (200, 150, 1),
        (90, 330, 2),
        (260, 120, 1),
    ];
    for (case, dim) in cases.into_iter().enumerate() {
        let kernel = if case == 3 { Kernel::Gaussian } else { Kernel::Box };
        let cap = if kernel == Kernel::Gaussian { 6.0 } else { 20.0 };
        let sizes = Array2::from_shape_fn((dim.0, dim.1), |(y, x)| {
            let smooth = ((x as f32 - y as f32).abs() / 8.0).min(cap);
            if (x * 7 + y * 3) % 97 == 0 { 3.0 * cap } else { smooth }
        });
        let border = BORDERS[case];
        let params = Params::new(kernel, Size::map(&sizes)).with_border(border);
        let bytes = image::<u8>(&mut numbers, dim);
        let floats = image::<f32>(&mut numbers, dim);
        for backend in [Backend::Integral, Backend::IteratedBox, Backend::Auto] {
            check_tiles(&mut numbers, &backend, default_tolerance(), &bytes, &sizes, &params);
            check_tiles(&mut numbers, &backend, default_tolerance(), &floats, &sizes, &params);
        }
    }
}

#[test]
fn u16_tiles_across_the_exact_quotients_reach_match_the_whole_image() {
    // u16 windows of radius 90 sum below 2^31 (exact quotient, f32 blend
    // up to 89.5), 91 and 90.5 past it (f64): stretches and single pixels
    // of both in one strip, and 128 in one column block of a wide image;
    // a tile's pixels take their arithmetic by their own radius, whatever
    // the tile's other radii.
    let mut numbers = Numbers(0x6a09_e667_f3bc_c908);
    let radii = [90.0f32, 91.0, 89.5, 90.5, 2.0, 1.5];
    for (dim, border) in [((90, 2300, 1), Border::Clip), ((120, 260, 3), Border::Reflect)] {
        let mut sizes = Array2::from_shape_fn((dim.0, dim.1), |(y, x)| {
            if x % 40 < 24 {
                radii[(x / 40 + y / 11) % radii.len()]
            } else {
                radii[(x * 7 + y * 3) % radii.len()]
            }
        });
        sizes[[dim.0 / 2, dim.1 - 5]] = 128.0;
        let params = Params::new(Kernel::Box, Size::map(&sizes)).with_border(border);
        let samples = image::<u16>(&mut numbers, dim);
        check_tiles(&mut numbers, &Backend::Integral, 0.0, &samples, &sizes, &params);
    }
}

#[test]
fn iterated_box_tiles_are_within_its_bound_for_every_box_count() {
    // Sigmas where the boxes serve (from 3.5 up); with 4 and 5 boxes they
    // reach past ceil(4 sigma), so the window's edge cuts their outer taps.
    let mut numbers = Numbers(0x3c6e_f372_fe94_f82b);
    for boxes in IteratedBox::BOXES {
        let backend = IteratedBox::new(boxes).expect("a supported box count");
        for border in BORDERS {
            let dim = (40 + numbers.below(60), 40 + numbers.below(60), 1 + numbers.below(2));
            let sizes = Array2::from_shape_simple_fn((dim.0, dim.1), || 3.5 + numbers.below(40) as f32 / 8.0);
            let params = Params::new(Kernel::Gaussian, Size::map(&sizes)).with_border(border);
            let tolerance = ITERATED_BOX_TOLERANCE[boxes - 2];
            let bytes = image::<u8>(&mut numbers, dim);
            check_tiles(&mut numbers, &backend, tolerance, &bytes, &sizes, &params);
            let floats = image::<f64>(&mut numbers, dim);
            check_tiles(&mut numbers, &backend, tolerance, &floats, &sizes, &params);
        }
    }
}

#[test]
fn wrap_windows_span_every_axis_the_grown_tile_crosses() {
    let dim = (40, 50);
    let halo = reach(Kernel::Box, 3.0);
    assert_eq!(halo, 3);
    let rect = |tile: &Rect, border| input_rect(Kernel::Box, border, 3.0, dim, tile);
    // Inside: the grown tile, as for every border.
    let inside = Rect::new(10..20, 10..20);
    assert_eq!(rect(&inside, Border::Wrap), Rect::new(7..23, 7..23));
    assert_eq!(rect(&inside, Border::Clip), Rect::new(7..23, 7..23));
    // Just clear of the edges: still the grown tile.
    let clear = Rect::new(3..37, 3..47);
    assert_eq!(rect(&clear, Border::Wrap), Rect::new(0..40, 0..50));
    assert_eq!(rect(&Rect::new(3..10, 20..30), Border::Wrap), Rect::new(0..13, 17..33));
    // Crossing the top edge: every row; crossing the right edge: every column.
    assert_eq!(rect(&Rect::new(2..10, 20..30), Border::Wrap), Rect::new(0..40, 17..33));
    assert_eq!(rect(&Rect::new(20..30, 40..48), Border::Wrap), Rect::new(17..33, 0..50));
    assert_eq!(rect(&Rect::new(0..1, 49..50), Border::Wrap), Rect::new(0..40, 0..50));
    // The other borders clamp.
    for border in [Border::Clip, Border::Replicate, Border::Reflect, Border::Symmetric] {
        assert_eq!(rect(&Rect::new(2..10, 40..48), border), Rect::new(0..13, 37..50));
    }

    // A clamped window is short of what a Wrap tile at the edge reads; the
    // whole axis gives the whole image's pixels.
    let mut numbers = Numbers(0x510e_527f_ade6_82d1);
    let image = image::<u8>(&mut numbers, (dim.0, dim.1, 1));
    let params = Params::new(Kernel::Box, Size::Uniform(3.0)).with_border(Border::Wrap);
    let whole = Backend::Integral.apply(image.view(), &params).expect("the whole image");
    let tile = Rect::new(1..6, 20..30);
    let mut out = Array3::from_elem((5, 10, 1), 99u8);
    for window in [Rect::new(0..9, 17..33), rect(&tile, Border::Wrap)] {
        let result = apply_tile(
            &Backend::Integral,
            image.slice(s![window.rows.clone(), window.cols.clone(), ..]),
            &window,
            dim,
            &params,
            &tile,
            out.view_mut(),
        );
        if window.rows == (0..40) {
            assert!(result.is_ok(), "{result:?}");
            assert_eq!(out, whole.slice(s![1..6, 20..30, ..]));
        } else {
            assert!(matches!(result, Err(Error::InvalidTile { .. })), "{result:?}");
            assert!(out.iter().all(|&v| v == 99), "the output was written");
        }
    }
}

#[test]
fn a_periodically_padded_block_is_an_image_of_its_own_under_wrap() {
    // What a chunked engine does for Wrap: pad each block with the pixels
    // of the periodic image around it (by at least the reach) and compute
    // the block as the inside of that padded image, whose own edges no
    // kernel of the block reaches.
    let mut numbers = Numbers(0x9b05_688c_2b3e_6c1f);
    let (height, width) = (23, 31);
    let image = image::<u16>(&mut numbers, (height, width, 2));
    let sizes = Array2::from_shape_simple_fn((height, width), || numbers.below(20) as f32 / 4.0);
    let params = Params::new(Kernel::Box, Size::map(&sizes)).with_border(Border::Wrap);
    let whole = Backend::Integral.apply(image.view(), &params).expect("the whole image");
    let halo = reach(Kernel::Box, 4.75);
    for (rows, cols) in [(0..8, 0..10), (15..23, 21..31), (8..15, 10..21), (0..23, 25..31)] {
        let padded_dim = (rows.len() + 2 * halo, cols.len() + 2 * halo);
        let wrapped = |i: usize, start: usize, len: usize| (start + len + i - halo) % len;
        let padded = Array3::from_shape_fn((padded_dim.0, padded_dim.1, 2), |(y, x, c)| {
            image[[wrapped(y, rows.start, height), wrapped(x, cols.start, width), c]]
        });
        let padded_sizes = Array2::from_shape_fn(padded_dim, |(y, x)| {
            sizes[[wrapped(y, rows.start, height), wrapped(x, cols.start, width)]]
        });
        let padded_params = Params::new(Kernel::Box, Size::map(&padded_sizes)).with_border(Border::Wrap);
        let inner = Rect::new(halo..halo + rows.len(), halo..halo + cols.len());
        let mut out = Array3::zeros((rows.len(), cols.len(), 2));
        let everything = Rect::new(0..padded_dim.0, 0..padded_dim.1);
        apply_tile(
            &Backend::Integral,
            padded.view(),
            &everything,
            padded_dim,
            &padded_params,
            &inner,
            out.view_mut(),
        )
        .expect("the padded block");
        assert_eq!(
            out,
            whole.slice(s![rows.clone(), cols.clone(), ..]),
            "{rows:?} x {cols:?}"
        );
    }
}

#[test]
fn reflect_and_symmetric_tiles_read_within_the_reach_of_the_edge() {
    // Tiles at each corner whose kernels fold once at the edge: the clamped
    // window (not the whole axis) holds every pixel they read.
    let mut numbers = Numbers(0x1f83_d9ab_fb41_bd6b);
    let (height, width) = (60, 70);
    let image = image::<u8>(&mut numbers, (height, width, 1));
    for border in [Border::Reflect, Border::Symmetric] {
        let params = Params::new(Kernel::Box, Size::Uniform(9.5)).with_border(border);
        let whole = Naive.apply(image.view(), &params).expect("the whole image");
        for tile in [
            Rect::new(0..5, 0..5),
            Rect::new(0..5, 62..70),
            Rect::new(55..60, 0..4),
            Rect::new(52..60, 60..70),
        ] {
            let window = input_rect(Kernel::Box, border, 9.5, (height, width), &tile);
            assert!(window.rows.len() < height && window.cols.len() < width, "{window:?}");
            for backend in [Backend::Naive, Backend::Integral, Backend::RunningSum] {
                let mut out = Array3::zeros((tile.rows.len(), tile.cols.len(), 1));
                apply_tile(
                    &backend,
                    image.slice(s![window.rows.clone(), window.cols.clone(), ..]),
                    &window,
                    (height, width),
                    &params,
                    &tile,
                    out.view_mut(),
                )
                .expect("the tile");
                let expected = whole.slice(s![tile.rows.clone(), tile.cols.clone(), ..]);
                assert_eq!(out, expected, "{} {border:?} {tile:?}", backend.name());
            }
        }
    }
}

#[test]
fn a_window_short_of_what_the_tile_reads_is_refused() {
    let image = Array2::from_shape_fn((20, 20), |(y, x)| (y * 20 + x) as u8);
    let params = Params::new(Kernel::Box, Size::Uniform(3.0));
    let tile = Rect::new(8..12, 8..12);
    let needed = input_rect(Kernel::Box, Border::Clip, 3.0, (20, 20), &tile);
    assert_eq!(needed, Rect::new(5..15, 5..15));
    let short = Rect::new(6..15, 5..15);
    let mut out = Array2::from_elem((4, 4), 99u8);
    let mut refused = |window: ArrayView2<'_, u8>, window_rect: &Rect, tile: &Rect| {
        let result = apply_tile(
            &Backend::Integral,
            window,
            window_rect,
            (20, 20),
            &params,
            tile,
            out.view_mut(),
        );
        assert!(matches!(result, Err(Error::InvalidTile { .. })), "{result:?}");
    };
    refused(image.slice(s![short.rows.clone(), short.cols.clone()]), &short, &tile);
    // A window whose shape is not its rectangle's, and a tile past the image.
    refused(image.slice(s![5..15, 5..14]), &needed, &tile);
    refused(image.view(), &Rect::new(0..20, 0..20), &Rect::new(18..22, 8..12));
    // A tile that starts before its window.
    let late = Rect::new(9..20, 9..20);
    refused(image.slice(s![9..20, 9..20]), &late, &tile);
    assert!(out.iter().all(|&v| v == 99), "the output was written");
}

#[test]
fn requests_the_backend_does_not_serve_are_refused() {
    let everything = Rect::new(0..10, 0..10);
    let bytes = Array2::from_elem((10, 10), 5u8);
    let sizes = Array2::from_elem((10, 10), 1.0f32);
    let gaussian = Params::new(Kernel::Gaussian, Size::Uniform(1.0));
    let box_map = Params::new(Kernel::Box, Size::map(&sizes));
    for (backend, params) in [(Backend::Integral, &gaussian), (Backend::RunningSum, &box_map)] {
        let mut out = Array2::from_elem((10, 10), 9u8);
        let result = apply_tile(
            &backend,
            bytes.view(),
            &everything,
            (10, 10),
            params,
            &everything,
            out.view_mut(),
        );
        assert!(matches!(result, Err(Error::Unsupported { .. })), "{result:?}");
        assert!(out.iter().all(|&v| v == 9), "the output was written");
    }
}

#[test]
fn fractional_running_sum_tiles_of_every_size_equal_the_whole_image() {
    // Images tall enough for RunningSum's column sums; tiles from a single
    // pixel (whose windows take the general path) to nearly the whole
    // image (whose windows take the column sums again), for integer samples
    // of the channel counts with vector forms of their own and one more.
    let mut numbers = Numbers(0xd807_aa98_a303_0242);
    let (height, width) = (100, 83);
    let tiles = [
        Rect::new(0..1, 0..1),
        Rect::new(41..46, 30..37),
        Rect::new(0..17, 60..83),
        Rect::new(93..100, 0..12),
        Rect::new(9..92, 4..80),
        Rect::new(0..100, 0..83),
    ];
    for radius in [0.375f32, 1.5, 3.6, 7.25, 11.8] {
        for border in BORDERS {
            let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
            let bytes = [1, 3, 4, 5].map(|channels| image::<u8>(&mut numbers, (height, width, channels)));
            let words = [1, 3].map(|channels| image::<u16>(&mut numbers, (height, width, channels)));
            check_fractional_tiles(&bytes, &params, &tiles);
            check_fractional_tiles(&words, &params, &tiles);
        }
    }
}

/// [`fractional_running_sum_tiles_of_every_size_equal_the_whole_image`] for
/// the images of one sample type.
fn check_fractional_tiles<T: Sample>(images: &[Array3<T>], params: &Params<'_>, tiles: &[Rect]) {
    let Size::Uniform(radius) = params.size else {
        unreachable!("a uniform radius")
    };
    for image in images {
        let (height, width, channels) = image.dim();
        let whole = Backend::RunningSum
            .apply(image.view(), params)
            .expect("the whole image");
        for tile in tiles {
            let window = input_rect(Kernel::Box, params.border, radius, (height, width), tile);
            let mut out = Array3::<T>::default((tile.rows.len(), tile.cols.len(), channels));
            apply_tile(
                &Backend::RunningSum,
                image.slice(s![window.rows.clone(), window.cols.clone(), ..]),
                &window,
                (height, width),
                params,
                tile,
                out.view_mut(),
            )
            .expect("the tile");
            let expected = whole.slice(s![tile.rows.clone(), tile.cols.clone(), ..]);
            assert_eq!(
                out,
                expected,
                "{:?} x {channels}, radius {radius}, {:?}, tile {tile:?} from {window:?}",
                T::TYPE,
                params.border
            );
        }
    }
}
