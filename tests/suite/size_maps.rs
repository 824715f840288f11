//! `u8` and `u16` size maps (a quarter and half of the memory of `f32`
//! maps): value v times the scale means exactly what an `f32` map holding
//! that product means, for every backend, border, kernel and sample type;
//! and bad scales or shapes are typed errors that leave the output untouched.

use ndarray::{Array2, Array3, ShapeBuilder};
use varblur::{Backend, Border, Error, Filter, Kernel, Params, Sample, Size};

use crate::common::Numbers;

/// Whether two outputs are the same sample for sample (NaN equals NaN).
fn same<T: Sample>(a: &Array3<T>, b: &Array3<T>) -> bool {
    a.iter().zip(b).all(|(x, y)| {
        let (x, y) = (x.to_f64(), y.to_f64());
        x == y || (x.is_nan() && y.is_nan())
    })
}

/// Runs `backend` with the scaled map and with `sizes`, the `f32` map of
/// its products; both must give the same result, or the same error.
fn check_equal<T: Sample>(
    backend: Backend,
    image: &Array3<T>,
    scaled: Size<'_>,
    sizes: &Array2<f32>,
    params: Params<'_>,
) {
    let with_scaled = Params::new(params.kernel, scaled).with_border(params.border);
    let with_f32 = Params::new(params.kernel, Size::map(sizes)).with_border(params.border);
    let mut a = Array3::<T>::default(image.dim());
    let mut b = Array3::<T>::default(image.dim());
    let ra = backend.apply_into(image.view(), &with_scaled, a.view_mut());
    let rb = backend.apply_into(image.view(), &with_f32, b.view_mut());
    match (ra, rb) {
        (Ok(()), Ok(())) => assert!(
            same(&a, &b),
            "{} {:?} {:?}: scaled map differs from its f32 map",
            backend.name(),
            params.kernel,
            params.border
        ),
        (Err(ea), Err(eb)) => assert_eq!(
            std::mem::discriminant(&ea),
            std::mem::discriminant(&eb),
            "{}: {ea} / {eb}",
            backend.name()
        ),
        (ra, rb) => panic!("{}: {ra:?} vs {rb:?}", backend.name()),
    }
}

fn check_type<T: Sample>(numbers: &mut Numbers, to_sample: impl Fn(u64) -> T) {
    let borders = [
        Border::Clip,
        Border::Replicate,
        Border::Reflect,
        Border::Constant(3.0),
        Border::Symmetric,
        Border::Wrap,
    ];
    for &(h, w, c) in &[(1, 1, 1), (7, 5, 1), (13, 17, 3), (4, 40, 2)] {
        let image = Array3::from_shape_fn((h, w, c), |_| to_sample(numbers.next()));
        // A map in column-major memory: rows are not contiguous.
        let map_u8 = Array2::from_shape_fn((h, w).f(), |_| (numbers.next() % 24) as u8);
        let map_u16 = Array2::from_shape_fn((h, w), |_| (numbers.next() % 40) as u16);
        for kernel in [Kernel::Box, Kernel::Gaussian] {
            for border in borders {
                for scale in [1.0f32, 0.5, 0.37] {
                    let params = Params::new(kernel, Size::Uniform(0.0)).with_border(border);
                    let sizes_u8 = map_u8.mapv(|v| v as f32 * scale);
                    let sizes_u16 = map_u16.mapv(|v| v as f32 * scale);
                    for backend in Backend::ALL {
                        check_equal(backend, &image, Size::map_u8(&map_u8, scale), &sizes_u8, params);
                        check_equal(backend, &image, Size::map_u16(&map_u16, scale), &sizes_u16, params);
                    }
                }
            }
        }
    }
}

#[test]
fn scaled_integer_maps_mean_what_their_f32_maps_mean() {
    let mut numbers = Numbers(0x9e37_79b9_7f4a_7c15);
    check_type::<u8>(&mut numbers, |v| (v % 256) as u8);
    check_type::<u16>(&mut numbers, |v| (v % 65536) as u16);
    check_type::<f32>(&mut numbers, |v| (v % 1000) as f32 / 999.0);
    check_type::<f64>(&mut numbers, |v| (v % 1000) as f64 / 7.0 - 50.0);
}

#[test]
fn running_sum_refuses_integer_maps_as_it_refuses_f32_maps() {
    let image = Array3::<u8>::ones((3, 4, 1));
    let map = Array2::<u8>::ones((3, 4));
    let mut out = Array3::<u8>::from_elem((3, 4, 1), 77);
    let params = Params::new(Kernel::Box, Size::map_u8(&map, 1.0));
    let err = Backend::RunningSum
        .apply_into(image.view(), &params, out.view_mut())
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(out.iter().all(|&v| v == 77));
    // Auto picks a backend that serves maps.
    Backend::Auto.apply_into(image.view(), &params, out.view_mut()).unwrap();
    assert!(out.iter().all(|&v| v == 1));
}

/// Every backend's error for `size`, with the output left as it was.
fn errors_of(size: Size<'_>) -> Vec<Error> {
    let image = Array3::<u16>::ones((3, 4, 1));
    Backend::ALL
        .into_iter()
        .map(|backend| {
            let mut out = Array3::from_elem((3, 4, 1), 4321u16);
            let err = backend
                .apply_into(image.view(), &Params::new(Kernel::Box, size), out.view_mut())
                .expect_err("request must be refused");
            assert!(
                out.iter().all(|&v| v == 4321),
                "{} wrote before failing",
                backend.name()
            );
            err
        })
        .collect()
}

#[test]
fn bad_scales_and_shapes_are_typed_errors() {
    let map = Array2::<u16>::from_elem((3, 4), 2);
    for scale in [f32::NAN, -1.0, f32::INFINITY] {
        for err in errors_of(Size::map_u16(&map, scale)) {
            assert!(
                matches!(err, Error::InvalidSize { position: None, value } if value.to_bits() == scale.to_bits()),
                "{err}"
            );
        }
    }
    // A product that overflows f32: the first such pixel is named.
    let mut big = Array2::<u16>::zeros((3, 4));
    big[[1, 2]] = 65535;
    big[[2, 0]] = 65535;
    for err in errors_of(Size::map_u16(&big, 1e35)) {
        assert_eq!(
            err,
            Error::InvalidSize {
                position: Some((1, 2)),
                value: f32::INFINITY
            }
        );
    }
    let wrong = Array2::<u8>::zeros((4, 3));
    for err in errors_of(Size::map_u8(&wrong, 1.0)) {
        assert_eq!(
            err,
            Error::ShapeMismatch {
                what: "size map",
                expected: vec![3, 4],
                found: vec![4, 3]
            }
        );
    }
}
