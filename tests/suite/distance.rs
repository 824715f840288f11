//! The distance transform against a brute-force reference (every pixel
//! against every region pixel, in integers), on random masks of every
//! shape and layout and on known distances; the cap and its tiles; the
//! distance-to-size mapping; `blur_by_distance` against its steps; errors.

use ndarray::{Array2, Array3, ArrayView2, ShapeBuilder, s};
use proptest::prelude::*;
use varblur::distance::MAX_SIDE;
use varblur::{
    Auto, Border, DistanceToSize, Error, Filter, Kernel, Params, Sample, Size, blur_by_distance, distance,
    distance_into, squared_distance_into,
};

use crate::common::Numbers;

/// The squared distance of every pixel to the nearest non-zero pixel,
/// trying every one; `u64::MAX` when there is none.
fn brute_squared<M: Sample>(mask: ArrayView2<'_, M>) -> Array2<u64> {
    let region: Vec<(i64, i64)> = mask
        .indexed_iter()
        .filter(|(_, v)| v.to_f64() != 0.0)
        .map(|((y, x), _)| (y as i64, x as i64))
        .collect();
    Array2::from_shape_fn(mask.dim(), |(y, x)| {
        region
            .iter()
            .map(|&(ry, rx)| ((y as i64 - ry).pow(2) + (x as i64 - rx).pow(2)) as u64)
            .min()
            .unwrap_or(u64::MAX)
    })
}

/// The distance the transform defines for squared distance `squared`: the
/// nearest f32 to its root, infinite for none, at most `cap`.
fn root(squared: u64, cap: Option<f32>) -> f32 {
    let d = if squared == u64::MAX {
        f32::INFINITY
    } else {
        (squared as f64).sqrt() as f32
    };
    cap.map_or(d, |c| d.min(c))
}

/// ceil(cap^2), the cap of squared distances.
fn squared_cap(cap: Option<f32>) -> u64 {
    cap.map_or(u64::MAX, |c| (f64::from(c) * f64::from(c)).ceil() as u64)
}

/// A random mask of `height` x `width`, `percent` of its pixels non-zero.
fn random_mask(height: usize, width: usize, percent: u64, seed: u64) -> Array2<u8> {
    let mut numbers = Numbers(seed | 1);
    Array2::from_shape_simple_fn((height, width), || u8::from(numbers.next() % 100 < percent))
}

/// An array of `dim` filled with `fill`, row- or column-major.
fn filled<T: Clone>(dim: (usize, usize), fill: T, column_major: bool) -> Array2<T> {
    if column_major {
        Array2::from_elem(dim.f(), fill)
    } else {
        Array2::from_elem(dim, fill)
    }
}

/// An output of `dim` laid out as `layout` says: row-major, column-major,
/// or every other pixel of a larger array (rows and columns not
/// contiguous): the array that holds it, viewed by [`output_view`].
fn output<T: Clone>(dim: (usize, usize), fill: T, layout: u8) -> Array2<T> {
    match layout {
        0 | 1 => filled(dim, fill, layout == 1),
        _ => Array2::from_elem((2 * dim.0, 2 * dim.1), fill),
    }
}

/// The output inside what [`output`] made.
fn output_view<T>(array: &mut Array2<T>, layout: u8) -> ndarray::ArrayViewMut2<'_, T> {
    match layout {
        0 | 1 => array.view_mut(),
        _ => array.slice_mut(s![..;2, ..;2]),
    }
}

/// The same mask as a strided view: every other pixel of a larger array
/// (rows reversed for `reversed`).
fn strided(mask: &Array2<u8>, reversed: bool) -> Array2<u8> {
    let (h, w) = mask.dim();
    let mut big = Array2::from_elem((2 * h + 1, 2 * w + 1), 7u8);
    if reversed {
        big.slice_mut(s![1..;-2, 1..;2]).assign(mask);
    } else {
        big.slice_mut(s![1..;2, 1..;2]).assign(mask);
    }
    big
}

fn check_against_brute_force(mask: ArrayView2<'_, u8>, cap: Option<f32>, out_layout: u8) -> Result<(), TestCaseError> {
    let expected = brute_squared(mask);
    let mut squared = output(mask.dim(), 17u64, out_layout);
    squared_distance_into(mask, cap, output_view(&mut squared, out_layout)).unwrap();
    let squared = output_view(&mut squared, out_layout);
    let capped = expected.mapv(|d| d.min(squared_cap(cap)));
    prop_assert_eq!(&squared, &capped, "squared distances of {:?}, cap {:?}", mask, cap);
    let mut roots = output(mask.dim(), -1.0f32, out_layout);
    distance_into(mask, cap, output_view(&mut roots, out_layout)).unwrap();
    let roots = output_view(&mut roots, out_layout);
    prop_assert_eq!(
        &roots,
        &expected.mapv(|d| root(d, cap)),
        "distances of {:?}, cap {:?}",
        mask,
        cap
    );
    prop_assert_eq!(&distance(mask, cap).unwrap(), &roots);
    Ok(())
}

fn caps() -> impl Strategy<Value = Option<f32>> {
    prop_oneof![
        2 => Just(None),
        1 => (0u32..12).prop_map(|c| Some(c as f32)),
        1 => (0.0f32..12.0).prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn distances_match_brute_force(
        height in 0usize..13,
        width in 0usize..13,
        percent in prop_oneof![Just(0u64), Just(100), 0u64..=100, 0u64..10],
        seed in any::<u64>(),
        layout in 0u8..4,
        out_layout in 0u8..3,
        cap in caps(),
    ) {
        let mask = random_mask(height, width, percent, seed);
        match layout {
            0 => check_against_brute_force(mask.view(), cap, out_layout)?,
            1 => {
                let mut column_major = filled(mask.dim(), 0u8, true);
                column_major.assign(&mask);
                check_against_brute_force(column_major.view(), cap, out_layout)?;
            }
            2 => check_against_brute_force(strided(&mask, false).slice(s![1..;2, 1..;2]), cap, out_layout)?,
            _ => {
                let big = strided(&mask, true);
                check_against_brute_force(big.slice(s![1..;-2, 1..;2]), cap, out_layout)?;
            }
        }
    }

    /// A capped distance depends on the mask within ceil(cap) pixels only:
    /// a tile from its window with that halo is the whole image's.
    #[test]
    fn a_capped_tile_is_exact_from_a_window_with_a_halo_of_the_cap(
        height in 1usize..30,
        width in 1usize..30,
        percent in 0u64..6,
        seed in any::<u64>(),
        cap in 0.0f32..8.0,
        corners in any::<[usize; 4]>(),
    ) {
        let mask = random_mask(height, width, percent, seed);
        let whole = distance(mask.view(), Some(cap)).unwrap();
        let halo = cap.ceil() as usize;
        let (r0, r1) = { let (a, b) = (corners[0] % height, corners[1] % height); (a.min(b), a.max(b) + 1) };
        let (c0, c1) = { let (a, b) = (corners[2] % width, corners[3] % width); (a.min(b), a.max(b) + 1) };
        let (wr0, wc0) = (r0.saturating_sub(halo), c0.saturating_sub(halo));
        let window = mask.slice(s![wr0..(r1 + halo).min(height), wc0..(c1 + halo).min(width)]);
        let tile = distance(window, Some(cap)).unwrap();
        prop_assert_eq!(
            tile.slice(s![r0 - wr0..r1 - wr0, c0 - wc0..c1 - wc0]),
            whole.slice(s![r0..r1, c0..c1])
        );
    }
}

/// Masks wider and taller than a band of the column pass, row- and
/// column-major, against brute force.
#[test]
fn wide_and_tall_masks_cross_the_column_bands() {
    for (height, width, seed) in [(37, 600, 3), (600, 37, 5), (9, 1100, 7), (1100, 3, 11)] {
        let mask = random_mask(height, width, 1, seed);
        let expected = brute_squared(mask.view());
        for column_major in [false, true] {
            let mut squared = filled((height, width), 0u64, column_major);
            squared_distance_into(mask.view(), None, squared.view_mut()).unwrap();
            assert_eq!(
                squared, expected,
                "{height} x {width}, column-major output {column_major}"
            );
        }
        let transposed = distance(mask.t(), None).unwrap();
        assert_eq!(transposed, expected.t().mapv(|d| root(d, None)));
    }
}

#[test]
fn a_single_pixel_gives_the_euclidean_distance_to_it() {
    let mut mask = Array2::<u8>::zeros((9, 14));
    mask[(3, 5)] = 200;
    let d = distance(mask.view(), None).unwrap();
    for ((y, x), &v) in d.indexed_iter() {
        let (dy, dx) = (y as f64 - 3.0, x as f64 - 5.0);
        assert_eq!(v, (dy * dy + dx * dx).sqrt() as f32, "({y}, {x})");
    }
    // Whole distances where the offsets are a Pythagorean triple.
    assert_eq!(d[(0, 9)], 5.0);
    assert_eq!(d[(8, 13)], (25.0f32 + 64.0).sqrt());
    assert_eq!(d[(3, 5)], 0.0);
}

#[test]
fn a_line_gives_the_distance_to_the_line() {
    let mut mask = Array2::<u16>::zeros((11, 7));
    mask.row_mut(4).fill(1);
    let d = distance(mask.view(), None).unwrap();
    assert_eq!(d, Array2::from_shape_fn((11, 7), |(y, _)| (y as f32 - 4.0).abs()));
    let mut vertical = Array2::<f64>::zeros((6, 20));
    vertical.column_mut(13).fill(0.25);
    let d = distance(vertical.view(), Some(10.0)).unwrap();
    assert_eq!(
        d,
        Array2::from_shape_fn((6, 20), |(_, x)| (x as f32 - 13.0).abs().min(10.0))
    );
}

#[test]
fn empty_and_full_masks() {
    let empty = Array2::<u8>::zeros((5, 8));
    assert!(
        distance(empty.view(), None)
            .unwrap()
            .iter()
            .all(|&d| d == f32::INFINITY)
    );
    assert!(distance(empty.view(), Some(2.5)).unwrap().iter().all(|&d| d == 2.5));
    let mut squared = Array2::<u64>::zeros((5, 8));
    squared_distance_into(empty.view(), None, squared.view_mut()).unwrap();
    assert!(squared.iter().all(|&d| d == u64::MAX));
    squared_distance_into(empty.view(), Some(2.5), squared.view_mut()).unwrap();
    assert!(squared.iter().all(|&d| d == 7));
    let full = Array2::<f32>::from_elem((5, 8), -1.0);
    assert!(distance(full.view(), None).unwrap().iter().all(|&d| d == 0.0));
    for dim in [(0, 0), (0, 5), (5, 0)] {
        assert_eq!(distance(Array2::<u8>::zeros(dim).view(), None).unwrap().dim(), dim);
    }
}

#[test]
fn long_single_rows_and_columns() {
    let mut row = Array2::<u8>::zeros((1, 5000));
    row[(0, 0)] = 1;
    row[(0, 4000)] = 1;
    let d = distance(row.view(), None).unwrap();
    let expected = Array2::from_shape_fn((1, 5000), |(_, x)| (x as f32).min((x as f32 - 4000.0).abs()));
    assert_eq!(d, expected);
    assert_eq!(distance(row.t(), None).unwrap(), expected.t());
}

#[test]
fn every_sample_type_takes_non_zero_as_the_region() {
    let pattern = random_mask(23, 31, 4, 99);
    let expected = distance(pattern.view(), None).unwrap();
    let as_u16 = pattern.mapv(|v| u16::from(v) * 40000);
    assert_eq!(distance(as_u16.view(), None).unwrap(), expected);
    // -0.0 is zero; tiny, negative and infinite values are non-zero.
    let mut numbers = Numbers(5);
    let as_f32 = pattern.mapv(|v| {
        let pick = numbers.below(4);
        if v == 0 {
            [0.0, -0.0, 0.0, -0.0][pick]
        } else {
            [1e-40, -3.0, f32::INFINITY, f32::NEG_INFINITY][pick]
        }
    });
    assert_eq!(distance(as_f32.view(), None).unwrap(), expected);
    let as_f64 = as_f32.mapv(f64::from);
    assert_eq!(distance(as_f64.view(), None).unwrap(), expected);
}

#[test]
fn the_result_does_not_depend_on_the_thread_count() {
    let mask = random_mask(300, 517, 1, 21);
    let expected = brute_squared(mask.view()).mapv(|d| root(d, None));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        assert_eq!(
            pool.install(|| distance(mask.view(), None).unwrap()),
            expected,
            "{threads} threads"
        );
    }
}

#[test]
fn a_nan_in_the_mask_is_refused_with_its_position() {
    let mut mask = Array2::<f32>::zeros((5, 6));
    mask[(1, 1)] = 1.0;
    mask[(3, 4)] = f32::NAN;
    mask[(4, 0)] = f32::NAN;
    let mut out = Array2::<f32>::from_elem((5, 6), 42.0);
    let err = distance_into(mask.view(), None, out.view_mut()).unwrap_err();
    assert_eq!(err, Error::InvalidMask { position: (3, 4) });
    assert!(err.to_string().contains("row 3, col 4"), "{err}");
    assert!(out.iter().all(|&v| v == 42.0), "written before failing");
    // Transposed, the position is still the view's own.
    assert_eq!(
        distance(mask.t(), None).unwrap_err(),
        Error::InvalidMask { position: (0, 4) }
    );
}

#[test]
fn bad_shapes_and_caps_are_refused() {
    let mask = Array2::<u8>::zeros((5, 4));
    let mut out = Array2::<u64>::from_elem((4, 5), 9);
    assert_eq!(
        squared_distance_into(mask.view(), None, out.view_mut()).unwrap_err(),
        Error::ShapeMismatch {
            what: "output",
            expected: vec![5, 4],
            found: vec![4, 5]
        }
    );
    for bad in [-1.0, f32::NAN, f32::NEG_INFINITY] {
        match distance(mask.view(), Some(bad)).unwrap_err() {
            Error::InvalidParameter { name, value, .. } => {
                assert_eq!(name, "distance cap");
                assert!(value.to_bits() == f64::from(bad).to_bits());
            }
            other => panic!("{other:?}"),
        }
    }
    // An infinite cap caps nothing.
    assert_eq!(
        distance(mask.view(), Some(f32::INFINITY)).unwrap(),
        distance(mask.view(), None).unwrap()
    );
}

#[test]
fn a_side_past_the_limit_is_refused_before_any_allocation() {
    let one = Array2::<u8>::zeros((1, 1));
    let huge = one.broadcast((2, MAX_SIDE + 1)).unwrap();
    assert!(matches!(distance(huge, None).unwrap_err(), Error::TooLarge { .. }));
    assert!(matches!(distance(huge.t(), None).unwrap_err(), Error::TooLarge { .. }));
}

#[test]
fn the_mapping_follows_its_formula() {
    // size = clamp(scale * max(distance - offset, 0), 0, max_size), by hand.
    let m = DistanceToSize::new(0.5, 2.0, 10.0).unwrap();
    let cases = [
        (0.0, 0.0),
        (2.0, 0.0),
        (3.0, 0.5),
        (4.0, 1.0),
        (21.0, 9.5),
        (22.0, 10.0),
        (30.0, 10.0),
    ];
    for (d, size) in cases {
        assert_eq!(m.size(d), size, "distance {d}");
    }
    assert_eq!(m.size(f32::INFINITY), 10.0);
    assert_eq!(m.saturation_distance(), 22.0);
    let m = DistanceToSize::new(2.0, 1.0, 5.0).unwrap();
    assert_eq!(
        (m.size(1.0), m.size(2.0), m.size(3.0), m.size(3.5)),
        (0.0, 2.0, 4.0, 5.0)
    );
    assert_eq!(m.saturation_distance(), 3.5);
    // A negative offset blurs the region too. The first saturated distance
    // is the first in f32, where 1.5 - ulp + 1 rounds to 2.5.
    let m = DistanceToSize::new(2.0, -1.0, 5.0).unwrap();
    assert_eq!(
        (m.size(0.0), m.size(1.0), m.size(1.5), m.size(9.0)),
        (2.0, 4.0, 5.0, 5.0)
    );
    let first = m.saturation_distance();
    assert_eq!(first, 1.5f32.next_down());
    assert!(m.size(first) == 5.0 && m.size(first.next_down()) < 5.0);
    // Scale 0: no blur anywhere, never saturated (unless max_size is 0).
    let m = DistanceToSize::new(0.0, 0.0, 3.0).unwrap();
    assert_eq!((m.size(7.0), m.size(f32::INFINITY)), (0.0, 0.0));
    assert_eq!(m.saturation_distance(), f32::INFINITY);
    let m = DistanceToSize::new(1.0, 4.0, 0.0).unwrap();
    assert_eq!((m.size(100.0), m.saturation_distance()), (0.0, 0.0));

    let mut distances = Array2::from_shape_fn((3, 4), |(y, x)| (y * 4 + x) as f32 * 1.5);
    let m = DistanceToSize::new(0.25, 1.0, 2.0).unwrap();
    let expected = distances.mapv(|d| (0.25 * (d - 1.0f32).max(0.0)).min(2.0));
    m.map_in_place(distances.view_mut());
    assert_eq!(distances, expected);
}

#[test]
fn bad_mappings_are_refused() {
    let bad = [
        (-1.0, 0.0, 1.0, "scale"),
        (f32::NAN, 0.0, 1.0, "scale"),
        (f32::INFINITY, 0.0, 1.0, "scale"),
        (1.0, f32::INFINITY, 1.0, "offset"),
        (1.0, f32::NAN, 1.0, "offset"),
        (1.0, 0.0, -0.5, "max_size"),
        (1.0, 0.0, f32::INFINITY, "max_size"),
    ];
    for (scale, offset, max_size, which) in bad {
        let err = DistanceToSize::new(scale, offset, max_size).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { name, .. } if name == which),
            "{err:?}"
        );
        assert!(err.to_string().starts_with(which), "{err}");
    }
}

/// `blur_by_distance` against its steps one by one: the uncapped transform,
/// the mapping, the `Auto` blur of the size map.
fn check_steps<T: Sample, D: varblur::ImageDim>(
    image: &ndarray::Array<T, D>,
    mask: &Array2<u8>,
    mapping: DistanceToSize,
    kernel: Kernel,
    border: Border,
) {
    let mut sizes = distance(mask.view(), None).unwrap();
    mapping.map_in_place(sizes.view_mut());
    let params = Params::new(kernel, Size::map(&sizes)).with_border(border);
    let expected = Auto.apply(image.view(), &params).unwrap();
    let found = blur_by_distance(image, mask, mapping, kernel, border).unwrap();
    let same = found
        .iter()
        .zip(expected.iter())
        .all(|(a, b)| a.to_f64().to_bits() == b.to_f64().to_bits());
    assert!(same, "{mapping:?} {kernel:?} {border:?}");
}

#[test]
fn blur_by_distance_is_its_steps_bit_for_bit() {
    let mut numbers = Numbers(77);
    for case in 0..12 {
        let (h, w) = (20 + numbers.below(40), 20 + numbers.below(40));
        let mask = random_mask(h, w, [0, 1, 3, 100][case % 4], numbers.next());
        let mapping = DistanceToSize::new(
            numbers.below(40) as f32 / 16.0,
            numbers.below(10) as f32 / 3.0 - 1.0,
            numbers.below(30) as f32 / 2.0,
        )
        .unwrap();
        let border = [Border::Clip, Border::Reflect, Border::Constant(9.0), Border::Wrap][case % 4];
        let rgb = Array3::from_shape_simple_fn((h, w, 3), || numbers.below(256) as u8);
        check_steps(&rgb, &mask, mapping, Kernel::Box, border);
        let gray = Array2::from_shape_simple_fn((h, w), || numbers.below(1000) as f32 / 7.0);
        check_steps(&gray, &mask, mapping, Kernel::Gaussian, border);
        let wide = Array2::from_shape_simple_fn((h, w), || numbers.below(65536) as u16);
        check_steps(&wide.t().to_owned(), &mask.t().to_owned(), mapping, Kernel::Box, border);
    }
}

#[test]
fn blur_by_distance_refuses_a_mask_of_another_shape_and_a_bad_border() {
    let image = Array3::<u8>::zeros((6, 7, 3));
    let mapping = DistanceToSize::new(1.0, 0.0, 3.0).unwrap();
    let err = blur_by_distance(&image, &Array2::<u8>::zeros((7, 6)), mapping, Kernel::Box, Border::Clip).unwrap_err();
    assert_eq!(
        err,
        Error::ShapeMismatch {
            what: "mask",
            expected: vec![6, 7],
            found: vec![7, 6]
        }
    );
    let mask = Array2::<u8>::zeros((6, 7));
    let err = blur_by_distance(&image, &mask, mapping, Kernel::Box, Border::Constant(300.0)).unwrap_err();
    assert!(matches!(err, Error::InvalidBorder { .. }), "{err:?}");
    let mut nan_mask = Array2::<f64>::zeros((6, 7));
    nan_mask[(2, 2)] = f64::NAN;
    let err = blur_by_distance(&image, &nan_mask, mapping, Kernel::Box, Border::Clip).unwrap_err();
    assert_eq!(err, Error::InvalidMask { position: (2, 2) });
}
