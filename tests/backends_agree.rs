//! Every backend against the `Naive` reference, over random shapes (sides
//! 0..=40, non-square, strided and reversed views), channels 1..=4, all
//! sample types, all borders, and uniform / random / smooth / fractional /
//! huge size maps.

mod common;

use common::*;
use proptest::prelude::*;
use varblur::{Backend, Kernel};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

fn case<T: TestSample>(integer_only: bool) -> impl Strategy<Value = (Image<T>, SizeCase, varblur::Border)> {
    images::<T>(40).prop_flat_map(move |image| {
        let (h, w, _) = image.dim();
        (Just(image), sizes(h, w, integer_only), borders::<T>())
    })
}

fn check_box_all_backends<T: TestSample>(
    image: &Image<T>,
    size: &SizeCase,
    border: varblur::Border,
) -> Result<(), TestCaseError> {
    for backend in Backend::ALL {
        check_against_naive(&backend, image, size, border, Kernel::Box)?;
    }
    Ok(())
}

macro_rules! box_agrees {
    ($name_int:ident, $name_any:ident, $t:ty) => {
        proptest! {
            #![proptest_config(config())]
            /// Integer radii: bit-identical for integer samples.
            #[test]
            fn $name_int((image, size, border) in case::<$t>(true)) {
                check_box_all_backends(&image, &size, border)?;
            }
            /// Any radii, fractional included.
            #[test]
            fn $name_any((image, size, border) in case::<$t>(false)) {
                check_box_all_backends(&image, &size, border)?;
            }
        }
    };
}

box_agrees!(box_u8_integer_radii, box_u8_any_radii, u8);
box_agrees!(box_u16_integer_radii, box_u16_any_radii, u16);
box_agrees!(box_f32_integer_radii, box_f32_any_radii, f32);
box_agrees!(box_f64_integer_radii, box_f64_any_radii, f64);
