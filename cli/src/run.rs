//! Running the planned tasks: a few images at a time within a memory
//! budget, each blurred with every thread, each output written whole or not
//! at all.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use varblur::{Border, DistanceToSize, Kernel};

use crate::blur::{self, Source};
use crate::formats::{self, Failure};
use crate::plan::{How, Task};
use crate::report::Report;

/// What every image is blurred with.
pub struct Settings {
    pub how: How,
    pub kernel: Kernel,
    pub border: Border,
}

/// Runs `tasks` on `jobs` threads, never holding more than `budget` bytes
/// of images at once (every task's need is at most the budget).
pub fn run(tasks: &[Task], settings: &Settings, jobs: usize, budget: u64, report: &Report) {
    let next = AtomicUsize::new(0);
    let memory = Budget::new(budget);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, tasks.len().max(1)) {
            scope.spawn(|| {
                while let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _held = memory.take(task.need);
                    let start = Instant::now();
                    // A decoder that panics on a malformed file fails that
                    // image, not the run.
                    let result = catch_unwind(AssertUnwindSafe(|| process(task, settings)))
                        .unwrap_or_else(|panic| Err((task.input.clone(), panic_message(panic.as_ref()))));
                    match result {
                        Ok(()) => report.done(task, start.elapsed()),
                        Err((path, reason)) => report.failed(&path, &reason, Some(task.header.pixels())),
                    }
                }
            });
        }
    });
}

/// Reads, blurs and writes one image; a failure names the file at fault.
fn process(task: &Task, settings: &Settings) -> Result<(), (PathBuf, Failure)> {
    let at_input = |reason| (task.input.clone(), reason);
    let image = formats::read_pixels(&task.input, &task.header).map_err(at_input)?;
    let map = match &task.map {
        Some((path, header)) => Some(formats::read_pixels(path, header).map_err(|reason| (path.clone(), reason))?),
        None => None,
    };
    let source = match (&settings.how, &map) {
        (How::Uniform(size), _) => Source::Uniform(*size),
        (How::SizeMap(_), Some(map)) => Source::Map(map),
        (
            How::Mask {
                scale,
                offset,
                max_size,
                ..
            },
            Some(mask),
        ) => {
            let max_size = max_size.unwrap_or_else(|| unbounded_size(*scale, task));
            let mapping = DistanceToSize::new(*scale, *offset, max_size).map_err(|e| at_input(e.to_string()))?;
            Source::Mask(mask, mapping)
        }
        (How::SizeMap(_) | How::Mask { .. }, None) => return Err(at_input("no size map or mask was found".into())),
    };
    let blurred = blur::blur(&image, &source, settings.kernel, settings.border)
        .map_err(|e| at_input(format!("cannot blur: {e}")))?;
    drop(map);
    drop(image);
    write_whole(&task.output, |writer| {
        formats::write_pixels(writer, &task.header, blurred)
    })
    .map_err(|reason| (task.output.clone(), reason))
}

/// The largest size of a mask's pixels when `--max-size` is not given: the
/// image's diagonal times the scale, past any distance in the image.
fn unbounded_size(scale: f32, task: &Task) -> f32 {
    let diagonal = (task.header.height as f64).hypot(task.header.width as f64);
    (scale as f64 * diagonal).min(f32::MAX as f64) as f32
}

/// The hidden file an output is written to before it is renamed to
/// `output`; a rerun overwrites a partial one left by a killed run.
pub fn partial_path(output: &Path) -> PathBuf {
    let name = output.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    output.with_file_name(format!(".{name}.varblur-partial"))
}

/// Writes `output` through `write` to its partial file, flushed to disk,
/// then renames it: `output` is complete or absent, whatever stops the run.
fn write_whole(output: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<(), Failure>) -> Result<(), Failure> {
    let partial = partial_path(output);
    let written = write_durably(&partial, write)
        .and_then(|()| fs::rename(&partial, output).map_err(|e| format!("cannot rename {}: {e}", partial.display())));
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
    written
}

/// Creates `path`, writes it through `write`, and waits until it is on disk.
fn write_durably(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<(), Failure>) -> Result<(), Failure> {
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    write(&mut writer)?;
    writer.flush().map_err(|e| format!("cannot write: {e}"))?;
    let file = writer
        .into_inner()
        .map_err(|e| format!("cannot write: {}", e.error()))?;
    file.sync_all().map_err(|e| format!("cannot write: {e}"))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> Failure {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("internal error: {text}")
}

/// Bytes of memory free for images: taken before an image is read, given
/// back when its output is written.
struct Budget {
    total: u64,
    free: Mutex<u64>,
    given_back: Condvar,
}

/// Bytes taken from a [`Budget`], given back on drop.
struct Held<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    fn new(bytes: u64) -> Budget {
        Budget {
            total: bytes,
            free: Mutex::new(bytes),
            given_back: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, u64> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `bytes` (or the whole budget, if less) are free, and
    /// takes them.
    fn take(&self, bytes: u64) -> Held<'_> {
        let bytes = bytes.min(self.total);
        let mut free = self.lock();
        while *free < bytes {
            free = self.given_back.wait(free).unwrap_or_else(PoisonError::into_inner);
        }
        *free -= bytes;
        Held { budget: self, bytes }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        *self.budget.lock() += self.bytes;
        self.budget.given_back.notify_all();
    }
}
