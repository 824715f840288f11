//! Every error kind, its message, and that the output is untouched after it.

use ndarray::{Array2, Array3};
use varblur::{Backend, Border, Error, Filter, Integral, Kernel, MAX_CHANNELS, Params, Size};

const SENTINEL: u16 = 4321;

/// Runs every backend into a sentinel-filled output and returns the error
/// each gives, checking that none wrote a sample.
fn errors_of(image: &Array3<u16>, params: &Params<'_>, out_shape: (usize, usize, usize)) -> Vec<Error> {
    Backend::ALL
        .into_iter()
        .map(|backend| {
            let mut out = Array3::from_elem(out_shape, SENTINEL);
            let err = backend
                .apply_into(image.view(), params, out.view_mut())
                .expect_err("request must be refused");
            assert!(
                out.iter().all(|&v| v == SENTINEL),
                "{} wrote before failing",
                backend.name()
            );
            err
        })
        .collect()
}

#[test]
fn size_map_of_the_wrong_shape_names_both_shapes() {
    let image = Array3::<u16>::ones((4, 5, 1));
    let map = Array2::<f32>::ones((5, 4));
    for err in errors_of(&image, &Params::new(Kernel::Box, Size::map(&map)), (4, 5, 1)) {
        assert_eq!(
            err,
            Error::ShapeMismatch {
                what: "size map",
                expected: vec![4, 5],
                found: vec![5, 4]
            }
        );
        let text = err.to_string();
        assert!(text.contains("[5, 4]") && text.contains("[4, 5]"), "{text}");
    }
}

#[test]
fn output_of_the_wrong_shape_is_refused() {
    let image = Array3::<u16>::ones((4, 5, 2));
    for err in errors_of(&image, &Params::new(Kernel::Box, Size::Uniform(1.0)), (4, 5, 1)) {
        assert!(matches!(err, Error::ShapeMismatch { what: "output", .. }), "{err:?}");
    }
}

#[test]
fn invalid_size_values_name_the_first_position_and_value() {
    let image = Array3::<u16>::ones((4, 5, 1));
    for bad in [f32::NAN, -0.5, f32::INFINITY, f32::NEG_INFINITY] {
        let mut map = Array2::<f32>::from_elem((4, 5), 2.0);
        map[(2, 3)] = bad;
        map[(3, 1)] = bad;
        for err in errors_of(&image, &Params::new(Kernel::Box, Size::map(&map)), (4, 5, 1)) {
            match err {
                Error::InvalidSize {
                    position: Some((2, 3)),
                    value,
                } => assert!(value.to_bits() == bad.to_bits()),
                other => panic!("{other:?}"),
            }
            assert!(err.to_string().contains("row 2, col 3"), "{err}");
        }
        let uniform = errors_of(&image, &Params::new(Kernel::Gaussian, Size::Uniform(bad)), (4, 5, 1));
        assert!(
            uniform
                .iter()
                .all(|e| matches!(e, Error::InvalidSize { position: None, .. }))
        );
    }
}

#[test]
fn a_large_map_names_its_first_invalid_value() {
    // Past 2 M values the map is validated across threads: still the first
    // bad position in row order, here in a later band than a second one.
    let (height, width) = (1100, 2000);
    let image = Array3::<u16>::ones((height, width, 1));
    let mut map = Array2::<f32>::from_elem((height, width), 2.0);
    map[(1050, 7)] = -1.0;
    map[(1049, 1999)] = f32::NAN;
    map[(1090, 0)] = f32::INFINITY;
    let mut out = Array3::from_elem((height, width, 1), SENTINEL);
    let err = Integral
        .apply_into(image.view(), &Params::new(Kernel::Box, Size::map(&map)), out.view_mut())
        .expect_err("request must be refused");
    assert!(
        matches!(err, Error::InvalidSize { position: Some((1049, 1999)), value } if value.is_nan()),
        "{err:?}"
    );
    assert!(out.iter().all(|&v| v == SENTINEL), "written before failing");
}

#[test]
fn non_finite_constant_border_is_refused() {
    let image = Array3::<u16>::ones((3, 3, 1));
    let params = Params::new(Kernel::Box, Size::Uniform(1.0)).with_border(Border::Constant(f64::NAN));
    for err in errors_of(&image, &params, (3, 3, 1)) {
        assert!(matches!(err, Error::InvalidBorder { .. }), "{err:?}");
    }
}

#[test]
fn too_many_channels_is_refused() {
    let image = Array3::<u16>::ones((2, 2, MAX_CHANNELS + 1));
    for err in errors_of(
        &image,
        &Params::new(Kernel::Box, Size::Uniform(1.0)),
        (2, 2, MAX_CHANNELS + 1),
    ) {
        assert_eq!(
            err,
            Error::TooManyChannels {
                channels: MAX_CHANNELS + 1,
                max: MAX_CHANNELS
            }
        );
    }
}

#[test]
fn unsupported_kernel_names_backend_and_request() {
    let image = Array3::<u16>::ones((3, 3, 1));
    let mut out = Array3::from_elem((3, 3, 1), SENTINEL);
    let params = Params::new(Kernel::Gaussian, Size::Uniform(1.0));
    let err = Integral.apply_into(image.view(), &params, out.view_mut()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                backend: "integral",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("integral") && text.contains("Gaussian"), "{text}");
    assert!(out.iter().all(|&v| v == SENTINEL));
}

#[test]
fn errors_are_std_errors() {
    let err: Box<dyn std::error::Error> = Box::new(Error::InvalidBorder { value: f64::NAN });
    assert!(err.to_string().contains("not finite"));
}

#[test]
fn constant_border_outside_the_sample_range_is_refused() {
    let image = Array3::<u16>::ones((3, 3, 1));
    for value in [65535.5, 65536.0, -1.0, -0.5, 1e300, f64::INFINITY, f64::NEG_INFINITY] {
        let params = Params::new(Kernel::Box, Size::Uniform(1.0)).with_border(Border::Constant(value));
        for err in errors_of(&image, &params, (3, 3, 1)) {
            assert_eq!(err, Error::InvalidBorder { value });
            assert!(err.to_string().contains("range"), "{err}");
        }
    }
    // The ends of the range, and fractions within it, are values of the type.
    for value in [0.0, -0.0, 65535.0, 0.5] {
        let params = Params::new(Kernel::Box, Size::Uniform(1.0)).with_border(Border::Constant(value));
        for backend in Backend::ALL {
            let result = backend.apply(image.view(), &params);
            let unsupported = matches!(result, Err(Error::Unsupported { .. }));
            assert!(result.is_ok() || unsupported, "{} {value}: {result:?}", backend.name());
        }
    }
    let floats = Array3::<f32>::zeros((2, 2, 1));
    let refused = Params::new(Kernel::Box, Size::Uniform(1.0)).with_border(Border::Constant(1e39));
    assert_eq!(
        Integral.apply(floats.view(), &refused).unwrap_err(),
        Error::InvalidBorder { value: 1e39 }
    );
    let doubles = floats.mapv(f64::from);
    let accepted = Params::new(Kernel::Box, Size::Uniform(1.0)).with_border(Border::Constant(-1e300));
    assert!(Integral.apply(doubles.view(), &accepted).is_ok());
}

#[test]
fn output_of_a_huge_broadcast_view_is_too_large_not_an_abort() {
    // A view may be far larger than memory: one pixel broadcast to 2^50.
    let pixel = Array3::<u8>::from_elem((1, 1, 1), 9);
    let huge = pixel.broadcast((1 << 25, 1 << 25, 1)).unwrap();
    for backend in Backend::ALL {
        let err = backend
            .apply(huge, &Params::new(Kernel::Box, Size::Uniform(1.0)))
            .unwrap_err();
        assert!(matches!(err, Error::TooLarge { height, width, .. } if height == 1 << 25 && width == 1 << 25));
    }
    let err = varblur::blur(&huge, Size::Uniform(2.0), Kernel::Box).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    // A region of it is allocated only when it fits.
    let err = varblur::Naive
        .apply_region(
            huge,
            &Params::new(Kernel::Box, Size::Uniform(0.0)),
            0..1 << 25,
            0..1 << 25,
        )
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    let corner = varblur::Naive
        .apply_region(huge, &Params::new(Kernel::Box, Size::Uniform(0.0)), 0..2, 0..3)
        .unwrap();
    assert_eq!(corner, Array3::from_elem((2, 3, 1), 9u8));
}
