//! What the user sees: a progress bar on a terminal (images done of total,
//! megapixels per second, time left), one line per finished image
//! otherwise, failures on stderr with the file's name and the reason, and a
//! summary at the end.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::plan::Task;

/// Counts of a run, shared by the worker threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub blurred: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Pixels of the blurred images.
    pub pixels: u64,
    /// Tasks of the run finished, blurred or failed (failures found while
    /// planning do not count).
    ran: usize,
}

pub struct Report {
    /// On a terminal: the bar, whose position counts pixels (the time left
    /// follows the pixels, not the image count).
    bar: Option<ProgressBar>,
    counts: Mutex<Counts>,
    /// Images this run blurs or fails, for "done of total".
    total: usize,
    start: Instant,
}

impl Report {
    /// A report for a run of `total` images to blur, `pixels` in all;
    /// `terminal`: draw a bar on stderr rather than print lines.
    pub fn new(total: usize, pixels: u64, terminal: bool) -> Report {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(Some(pixels), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{bar:30} {msg} images  {mpx}  {elapsed} elapsed, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("mpx", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let seconds = state.elapsed().as_secs_f64();
                    let _ = write!(out, "{:.1} Mpx/s", state.pos() as f64 / 1e6 / seconds.max(1e-3));
                });
            bar.set_style(style);
            bar.set_message(format!("0/{total}"));
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Report {
            bar,
            counts: Mutex::new(Counts::default()),
            total,
            start: Instant::now(),
        }
    }

    fn update(&self, change: impl FnOnce(&mut Counts)) -> Counts {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut counts);
        *counts
    }

    /// Prints `line` on stdout, above the bar if there is one.
    fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| say(line)),
            None => say(line),
        }
    }

    /// An image blurred and written.
    pub fn done(&self, task: &Task, took: Duration) {
        let pixels = task.header.pixels();
        let counts = self.update(|c| {
            c.blurred += 1;
            c.ran += 1;
            c.pixels += pixels;
        });
        let finished = counts.ran;
        match &self.bar {
            Some(bar) => {
                bar.inc(pixels);
                bar.set_message(format!("{finished}/{}", self.total));
            }
            None => self.line(&format!(
                "[{finished}/{}] {} -> {} ({}, {:.2} s, {:.1} Mpx/s)",
                self.total,
                task.input.display(),
                task.output.display(),
                task.header.describe(),
                took.as_secs_f64(),
                pixels as f64 / 1e6 / took.as_secs_f64().max(1e-6),
            )),
        }
    }

    /// An image not blurred: `path` (the image, its map, or its output)
    /// and why, on stderr. `pixels`: the image's, when it counted in the
    /// bar's total.
    pub fn failed(&self, path: &Path, reason: &str, pixels: Option<u64>) {
        let counts = self.update(|c| {
            c.failed += 1;
            c.ran += usize::from(pixels.is_some());
        });
        let message = format!("varblur: {}: {reason}", path.display());
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| complain(&message));
                if let Some(pixels) = pixels {
                    // The bar's total counted this image: shrink it, so the
                    // time left stays right.
                    bar.set_length(bar.length().unwrap_or(0).saturating_sub(pixels));
                }
                bar.set_message(format!("{}/{}", counts.ran, self.total));
            }
            None => complain(&message),
        }
    }

    /// An image skipped because its output exists.
    pub fn skipped(&self, output: &Path) {
        self.update(|c| c.skipped += 1);
        if self.bar.is_none() {
            self.line(&format!("skipped {} (exists; --force redoes it)", output.display()));
        }
    }

    /// Ends the bar and prints the summary; the counts decide the exit status.
    pub fn finish(&self) -> Counts {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let counts = self.update(|_| {});
        let seconds = self.start.elapsed().as_secs_f64();
        let mut summary = format!(
            "varblur: {} images: {} blurred, {} skipped (output exists), {} failed; {:.2} s",
            counts.blurred + counts.skipped + counts.failed,
            counts.blurred,
            counts.skipped,
            counts.failed,
            seconds,
        );
        if counts.blurred > 0 {
            let _ = write!(
                summary,
                ", {:.1} Mpx, {:.1} Mpx/s",
                counts.pixels as f64 / 1e6,
                counts.pixels as f64 / 1e6 / seconds.max(1e-6)
            );
        }
        say(&summary);
        counts
    }
}

/// Prints `line` on stdout; a closed stdout (`varblur ... | head`) stops
/// the lines, not the run.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Prints `line` on stderr, as [`say`] does on stdout.
pub fn complain(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
