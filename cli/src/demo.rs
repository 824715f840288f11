//! `varblur demo`: the path from sharp regions to a blurred picture, shown
//! as one PNG of four panels side by side: the mask (the regions kept
//! sharp), the distance from it, the size that distance maps to, and the
//! result. It also writes the picture and its mask, for trying `varblur
//! blur` on them.

use std::fs;
use std::io::BufWriter;
use std::path::Path;

use ndarray::{Array2, Array3, Axis, s};
use varblur::{Border, DistanceToSize, Kernel};

use crate::formats::{self, Failure, Header, Pixels};

/// Side of each panel, in pixels.
const SIDE: usize = 320;
/// White space between panels, in pixels.
const GAP: usize = 8;
/// The distance-to-size mapping shown: a radius of a quarter of the
/// distance, at most 12 pixels.
const SCALE: f32 = 0.25;
const MAX_SIZE: f32 = 12.0;

/// Writes `demo.png`, `picture.png` and `picture_mask.png` to `out`.
pub fn run(out: &Path) -> Result<(), Failure> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let picture = picture();
    let mask = mask();
    let mapping = DistanceToSize::new(SCALE, 0.0, MAX_SIZE).map_err(|e| e.to_string())?;
    let distance = varblur::distance(mask.view(), None).map_err(|e| e.to_string())?;
    let mut sizes = distance.clone();
    mapping.map_in_place(sizes.view_mut());
    let blurred: Array3<u8> =
        varblur::blur_by_distance(&picture, &mask, mapping, Kernel::Box, Border::Clip).map_err(|e| e.to_string())?;

    let furthest = distance.fold(0.0f32, |m, &d| if d.is_finite() { m.max(d) } else { m });
    let panels = [
        gray(&mask.mapv(|v| if v != 0 { 255.0 } else { 0.0 })),
        gray(&distance.mapv(|d| d.min(furthest) / furthest.max(1.0) * 255.0)),
        gray(&sizes.mapv(|v| v / MAX_SIZE * 255.0)),
        blurred,
    ];
    let mut sheet = Array3::<u8>::from_elem((SIDE, panels.len() * (SIDE + GAP) - GAP, 3), 255);
    for (i, panel) in panels.iter().enumerate() {
        let left = i * (SIDE + GAP);
        sheet.slice_mut(s![.., left..left + SIDE, ..]).assign(panel);
    }
    save(&out.join("demo.png"), Pixels::U8(sheet))?;
    save(&out.join("picture.png"), Pixels::U8(picture))?;
    save(&out.join("picture_mask.png"), Pixels::U8(mask.insert_axis(Axis(2))))?;
    crate::report::say(&format!(
        "wrote demo.png (mask | distance | size = min({SCALE} x distance, {MAX_SIZE}) | result), picture.png and \
         picture_mask.png to {}\ntry: varblur blur {} --out {} --mask '{{stem}}_mask.png' --scale {SCALE} --max-size {MAX_SIZE}",
        out.display(),
        out.join("picture.png").display(),
        out.join("blurred").display(),
    ));
    Ok(())
}

/// A colourful grid, whose lines show how far the blur reaches.
fn picture() -> Array3<u8> {
    let ramp = |t: usize| (t * 255 / (SIDE - 1)) as f32;
    Array3::from_shape_fn((SIDE, SIDE, 3), |(y, x, c)| {
        if x % 16 == 0 || y % 16 == 0 {
            return 16;
        }
        let base = match c {
            0 => ramp(x),
            1 => ramp(y),
            _ => 255.0 - (ramp(x) + ramp(y)) / 2.0,
        };
        let dark = (x / 32 + y / 32) % 2 == 1;
        let value = if dark { 0.3 * base } else { 0.4 * base + 150.0 };
        value.min(255.0) as u8
    })
}

/// The regions kept sharp: two discs and a bar.
fn mask() -> Array2<u8> {
    Array2::from_shape_fn((SIDE, SIDE), |(y, x)| {
        let (x, y) = (x as f32, y as f32);
        let disc = |cx: f32, cy: f32, r: f32| (x - cx).hypot(y - cy) <= r;
        let bar = (40.0..280.0).contains(&x) && (250.0..270.0).contains(&y);
        u8::from(disc(90.0, 90.0, 40.0) || disc(230.0, 140.0, 25.0) || bar) * 255
    })
}

/// A map of values 0..=255 as a gray RGB panel.
fn gray(map: &Array2<f32>) -> Array3<u8> {
    Array3::from_shape_fn((SIDE, SIDE, 3), |(y, x, _)| map[[y, x]].round().clamp(0.0, 255.0) as u8)
}

fn save(path: &Path, pixels: Pixels) -> Result<(), Failure> {
    let Pixels::U8(image) = &pixels else {
        return Err("the demo writes 8-bit images".into());
    };
    let (height, width, channels) = image.dim();
    let header = Header::png_u8((height, width, channels))?;
    let file = fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    formats::write_pixels(BufWriter::new(file), &header, pixels)
}
