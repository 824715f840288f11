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
