//! From the command line to a list of steps: each image's output, its map
//! or mask, their headers checked against each other, and the memory the
//! image needs; all before any pixel is read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::formats::{self, Dtype, Failure, Header};

/// Where a size map or mask comes from.
#[derive(Debug, Clone)]
pub enum Beside {
    /// One file for every image.
    One(PathBuf),
    /// A pattern with `{stem}`, taken from each image's folder.
    Pattern(String),
}

impl Beside {
    pub fn new(text: &str) -> Beside {
        if text.contains("{stem}") {
            Beside::Pattern(text.to_string())
        } else {
            Beside::One(PathBuf::from(text))
        }
    }

    /// The map or mask of `image`.
    pub fn of(&self, image: &Path) -> PathBuf {
        match self {
            Beside::One(path) => path.clone(),
            Beside::Pattern(pattern) => {
                let stem = image.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
                let folder = image.parent().unwrap_or(Path::new(""));
                folder.join(pattern.replace("{stem}", &stem))
            }
        }
    }
}

/// How each pixel's size is given.
#[derive(Debug, Clone)]
pub enum How {
    /// One size for every pixel.
    Uniform(f32),
    /// A size map per image.
    SizeMap(Beside),
    /// The distance from a mask's non-zero pixels, mapped to a size by
    /// `clamp(scale * max(distance - offset, 0), 0, max_size)`.
    Mask {
        mask: Beside,
        scale: f32,
        offset: f32,
        /// `None`: no bound but the image's diagonal times `scale`.
        max_size: Option<f32>,
    },
}

impl How {
    fn beside(&self) -> Option<&Beside> {
        match self {
            How::Uniform(_) => None,
            How::SizeMap(beside) | How::Mask { mask: beside, .. } => Some(beside),
        }
    }

    /// "size map" or "mask", for messages.
    fn map_name(&self) -> &'static str {
        match self {
            How::Mask { .. } => "mask",
            How::Uniform(_) | How::SizeMap(_) => "size map",
        }
    }
}

/// An image to blur.
#[derive(Debug, Clone)]
pub struct Task {
    pub input: PathBuf,
    pub output: PathBuf,
    pub header: Header,
    /// The size map or mask and its header.
    pub map: Option<(PathBuf, Header)>,
    /// Bytes held at once while this image is processed.
    pub need: u64,
}

/// What the run does with one of the images.
#[derive(Debug)]
pub enum Step {
    Run(Task),
    /// The output exists and `--force` was not given.
    Skip {
        output: PathBuf,
    },
    /// A bad file: named (the image, or its map) with the reason.
    Fail {
        path: PathBuf,
        reason: Failure,
    },
}

/// The steps of a run, and the images named on the command line that are
/// maps or masks of others (not blurred themselves).
#[derive(Debug)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub maps_among_images: usize,
}

/// An argument error found while planning (exit status 2).
pub type ArgumentError = String;

/// Plans the run: the outputs in `out`, each image's headers, and the
/// bytes each needs against `budget`.
pub fn plan(images: &[PathBuf], out: &Path, how: &How, force: bool, budget: u64) -> Result<Plan, ArgumentError> {
    let out_canonical = out.canonicalize().ok();
    let canonical = |path: &Path| path.canonicalize().ok();

    // The same file named twice is blurred once; a map or mask named among
    // the images (as a shell glob over a folder does) is not blurred.
    let maps: HashSet<PathBuf> = match how.beside() {
        Some(beside) => images.iter().filter_map(|image| canonical(&beside.of(image))).collect(),
        None => HashSet::new(),
    };
    let mut seen = HashSet::new();
    let mut maps_among_images = 0;
    let mut inputs = Vec::new();
    for image in images {
        let key = canonical(image);
        if let Some(key) = &key {
            if maps.contains(key) {
                maps_among_images += 1;
                continue;
            }
            if !seen.insert(key.clone()) {
                continue;
            }
        }
        inputs.push(image);
    }

    let mut outputs: HashMap<PathBuf, &Path> = HashMap::new();
    let mut steps = Vec::new();
    for image in inputs {
        let Some(name) = image.file_name() else {
            steps.push(Step::Fail {
                path: image.clone(),
                reason: "not a file name".into(),
            });
            continue;
        };
        let output = out.join(name);
        if let Some(other) = outputs.insert(output.clone(), image) {
            return Err(format!(
                "{} and {} would both be written to {}",
                other.display(),
                image.display(),
                output.display()
            ));
        }
        let folder = image
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if out_canonical.is_some() && canonical(folder) == out_canonical {
            return Err(format!(
                "--out {} is the folder of {}: its output would replace it",
                out.display(),
                image.display()
            ));
        }
        if !force && output.exists() {
            steps.push(Step::Skip { output });
            continue;
        }
        steps.push(match plan_image(image, output, how, budget) {
            Ok(task) => Step::Run(task),
            Err((path, reason)) => Step::Fail { path, reason },
        });
    }
    Ok(Plan {
        steps,
        maps_among_images,
    })
}

/// One image's task, or the file at fault and why.
fn plan_image(image: &Path, output: PathBuf, how: &How, budget: u64) -> Result<Task, (PathBuf, Failure)> {
    let fail_image = |reason: Failure| (image.to_path_buf(), reason);
    let header = formats::read_header(image).map_err(fail_image)?;
    if header.dtype == Dtype::Bool {
        return Err(fail_image("bool arrays are read as masks only".into()));
    }
    let over_budget = |need: u64| {
        fail_image(format!(
            "needs about {} MiB ({}), more than the memory budget of {} MiB (--memory)",
            need >> 20,
            header.describe(),
            budget >> 20
        ))
    };
    // An image too large alone is told so before its map is looked at.
    let alone = need(&header, None, how);
    if alone > budget {
        return Err(over_budget(alone));
    }
    let map = match how.beside() {
        Some(beside) => {
            let path = beside.of(image);
            let map = formats::read_header(&path).map_err(|reason| (path.clone(), reason))?;
            let map_name = how.map_name();
            let problem = if map.channels != 1 {
                Some(format!("a {map_name} has one channel, this one {}", map.channels))
            } else if (map.height, map.width) != (header.height, header.width) {
                Some(format!(
                    "{map_name} is {} x {} but the image {} is {} x {}",
                    map.height,
                    map.width,
                    image.display(),
                    header.height,
                    header.width
                ))
            } else if map.dtype == Dtype::Bool && !matches!(how, How::Mask { .. }) {
                Some("bool arrays are read as masks only".into())
            } else {
                None
            };
            if let Some(reason) = problem {
                return Err((path, reason));
            }
            Some((path, map))
        }
        None => None,
    };
    let need = need(&header, map.as_ref().map(|(_, map)| map), how);
    if need > budget {
        return Err(over_budget(need));
    }
    Ok(Task {
        input: image.to_path_buf(),
        output,
        header,
        map,
        need,
    })
}

/// Bytes held at once while an image is processed: the image, the output,
/// the map or mask as read and as the blur takes it, the decoder's scratch,
/// and the blur's working rows per thread.
pub fn need(image: &Header, map: Option<&Header>, how: &How) -> u64 {
    let threads = rayon::current_num_threads() as u64;
    let working = (32 << 20) + threads * (8 << 20);
    let map_bytes = match (how, map) {
        (How::Uniform(_), _) | (_, None) => 0,
        // An f64 map is turned into f32 sizes.
        (How::SizeMap(_), Some(map)) if map.dtype == Dtype::F64 => map.bytes + map.pixels() * 4,
        (How::SizeMap(_), Some(map)) => map.bytes,
        // A bool mask is read, then turned into u8; the distances are an f32
        // map, turned into sizes in place.
        (How::Mask { .. }, Some(map)) => {
            let read = if map.dtype == Dtype::Bool {
                2 * map.bytes
            } else {
                map.bytes
            };
            read + image.pixels() * 4
        }
    };
    let map_scratch = map.map_or(0, |map| map.scratch);
    [image.bytes, image.bytes, image.scratch, map_bytes, map_scratch, working]
        .iter()
        .fold(0u64, |total, &bytes| total.saturating_add(bytes))
}
