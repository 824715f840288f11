//! The exactness limits of the integer tables, hit at the boundary with
//! worst-case images: every sample at the type's maximum, windows covering
//! the whole image. The exact result is that maximum everywhere.

use ndarray::Array2;
use varblur::{Border, Filter, Integral, Kernel, Params, Sample, Size};

fn assert_all_max<T: Sample>(height: usize, width: usize, border: Border, radius: f32) {
    let max = T::from_f64(T::MAX);
    let image = Array2::from_elem((height, width), max);
    let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
    let out = Integral.apply(image.view(), &params).unwrap();
    let wrong = out.iter().filter(|&&v| v != max).count();
    assert_eq!(
        wrong, 0,
        "{height} x {width} {border:?} radius {radius}: {wrong} pixels differ from {max:?}"
    );
}

#[test]
fn u16_4096_square_at_max_with_huge_radius_is_exact() {
    assert_all_max::<u16>(4096, 4096, Border::Clip, 1e9);
}

#[test]
fn u8_at_the_u32_table_boundary_is_exact() {
    // A band of 4096 rows (the whole image, radius 1e9) by 4112 columns at
    // 255 sums to 4_294_901_760 <= u32::MAX: the last width with u32 tables.
    assert_eq!(4096u64 * 4112 * 255, 4_294_901_760);
    assert_all_max::<u8>(4096, 4112, Border::Clip, 1e9);
    // One column more needs u64 tables.
    assert!(4096u64 * 4113 * 255 > u32::MAX as u64);
    assert_all_max::<u8>(4096, 4113, Border::Clip, 1e9);
}

#[test]
fn border_extended_huge_windows_are_exact() {
    // Windows of (2 * 2^30 + 1)^2 positions: sums near 2^78, held in i128.
    for border in [Border::Replicate, Border::Reflect, Border::Constant(f64::MAX)] {
        // The constant is the type's maximum (validation refuses larger ones).
        let border_for = |max: f64| match border {
            Border::Constant(_) => Border::Constant(max),
            other => other,
        };
        assert_all_max::<u16>(37, 53, border_for(65535.0), 1e9);
        assert_all_max::<u8>(1, 7, border_for(255.0), 1e30);
        assert_all_max::<u16>(64, 1, border_for(65535.0), 3e5);
    }
}

#[test]
fn float_tables_keep_large_images_accurate() {
    // A 2048 x 2048 ramp: table entries reach ~4e9 while outputs are ~1;
    // radius 0 must still return each sample within 1e-6 of the range.
    let image = Array2::from_shape_fn((2048, 2048), |(y, x)| ((y * 7 + x * 13) % 1000) as f32 / 1000.0);
    let params = Params::new(Kernel::Box, Size::Uniform(0.0));
    let out = Integral.apply(image.view(), &params).unwrap();
    let worst = out
        .iter()
        .zip(&image)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1e-6, "worst difference {worst}");
}
