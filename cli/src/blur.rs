//! The library's calls for each sample type of image and map: the command
//! converts nothing but an f64 size map (to the f32 sizes the library takes).

use ndarray::{Array3, ArrayView2, Axis};
use varblur::{Auto, Border, DistanceToSize, Filter, Kernel, Params, Sample, Size};

use crate::formats::Pixels;

/// Where each pixel's size comes from, with the map or mask as read.
pub enum Source<'a> {
    Uniform(f32),
    /// Sizes; gray 8 and 16-bit maps hold whole sizes.
    Map(&'a Pixels),
    /// Sizes from the distance to the mask's non-zero pixels.
    Mask(&'a Pixels, DistanceToSize),
}

/// Blurs `image` with `kernel` and `border`, each pixel by its size from
/// `source`, into a new image of the same type and shape.
pub fn blur(image: &Pixels, source: &Source<'_>, kernel: Kernel, border: Border) -> Result<Pixels, varblur::Error> {
    Ok(match image {
        Pixels::U8(image) => Pixels::U8(blur_samples(image, source, kernel, border)?),
        Pixels::U16(image) => Pixels::U16(blur_samples(image, source, kernel, border)?),
        Pixels::F32(image) => Pixels::F32(blur_samples(image, source, kernel, border)?),
        Pixels::F64(image) => Pixels::F64(blur_samples(image, source, kernel, border)?),
    })
}

fn blur_samples<T: Sample>(
    image: &Array3<T>,
    source: &Source<'_>,
    kernel: Kernel,
    border: Border,
) -> Result<Array3<T>, varblur::Error> {
    let apply = |size: Size<'_>| Auto.apply(image.view(), &Params::new(kernel, size).with_border(border));
    match *source {
        Source::Uniform(size) => apply(Size::Uniform(size)),
        Source::Map(Pixels::U8(map)) => apply(Size::map_u8(plane(map), 1.0)),
        Source::Map(Pixels::U16(map)) => apply(Size::map_u16(plane(map), 1.0)),
        Source::Map(Pixels::F32(map)) => apply(Size::map(plane(map))),
        Source::Map(Pixels::F64(map)) => apply(Size::map(&plane(map).mapv(|size| size as f32))),
        Source::Mask(mask, mapping) => match mask {
            Pixels::U8(mask) => varblur::blur_by_distance(image, &plane(mask), mapping, kernel, border),
            Pixels::U16(mask) => varblur::blur_by_distance(image, &plane(mask), mapping, kernel, border),
            Pixels::F32(mask) => varblur::blur_by_distance(image, &plane(mask), mapping, kernel, border),
            Pixels::F64(mask) => varblur::blur_by_distance(image, &plane(mask), mapping, kernel, border),
        },
    }
}

/// The one channel of a map or mask, as (height, width).
fn plane<T>(map: &Array3<T>) -> ArrayView2<'_, T> {
    map.index_axis(Axis(2), 0)
}
