//! `varblur`: spatially variable blur of folders of large images, over the
//! `varblur` crate (which does no IO: reading, writing, scheduling and
//! progress live here).
//!
//! ```sh
//! varblur blur IMAGES... --out DIR (--size V | --size-map MAP | --mask MASK --scale A [--offset B] [--max-size M])
//!     [--kernel box|gaussian] [--mode renormalize|nearest|mirror|reflect|wrap|constant=V]
//!     [--jobs N] [--memory BYTES] [--force]
//! ```
//!
//! Exit status: 0 when every image was blurred (or skipped: its output
//! exists), 1 when some image failed, 2 for bad arguments.

mod args;
mod blur;
mod demo;
mod formats;
mod plan;
mod report;
mod run;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{BlurArgs, Cli, Command};
use plan::{Beside, How, Step};
use report::Report;

fn main() -> ExitCode {
    let Cli { command } = Cli::parse();
    match command {
        Command::Blur(args) => blur_command(args),
        Command::Demo(args) => match demo::run(&args.out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                report::complain(&format!("varblur demo: {reason}"));
                ExitCode::from(1)
            }
        },
    }
}

/// Prints an argument error the way clap prints its own (with the blur
/// command's usage), and exits with 2.
fn argument_error(message: String) -> ! {
    let kind = clap::error::ErrorKind::ValueValidation;
    let mut command = Cli::command();
    command.build();
    let error = match command.find_subcommand_mut("blur") {
        Some(blur) => blur.error(kind, message),
        None => command.error(kind, message),
    };
    error.exit()
}

fn blur_command(args: BlurArgs) -> ExitCode {
    // clap checks that --mask has --scale; declared both ways, its
    // `requires` let --scale through alone, so this way is checked here.
    if args.mask.is_none() && (args.scale.is_some() || args.offset.is_some() || args.max_size.is_some()) {
        argument_error("--scale, --offset and --max-size go with --mask".into());
    }
    let how = match (args.size, &args.size_map, &args.mask) {
        (Some(size), _, _) => How::Uniform(size),
        (_, Some(map), _) => How::SizeMap(Beside::new(map)),
        (_, _, Some(mask)) => How::Mask {
            mask: Beside::new(mask),
            // clap requires --scale with --mask.
            scale: args.scale.unwrap_or(0.0),
            offset: args.offset.unwrap_or(0.0),
            max_size: args.max_size,
        },
        // clap requires exactly one of the three.
        (None, None, None) => argument_error("one of --size, --size-map, --mask is needed".into()),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        argument_error(format!("cannot create --out {}: {e}", args.out.display()));
    }
    let budget = args.memory.unwrap_or_else(|| machine_memory() / 2);
    let plan = match plan::plan(&args.images, &args.out, &how, args.force, budget) {
        Ok(plan) => plan,
        Err(message) => argument_error(message),
    };

    let tasks: Vec<_> = plan
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Run(task) => Some(task.clone()),
            _ => None,
        })
        .collect();
    let pixels = tasks.iter().map(|task| task.header.pixels()).sum();
    let report = Report::new(tasks.len(), pixels, std::io::stderr().is_terminal());
    if plan.maps_among_images > 0 {
        report::complain(&format!(
            "varblur: {} of the images named are maps or masks of others: not blurred",
            plan.maps_among_images
        ));
    }
    for step in &plan.steps {
        match step {
            Step::Run(_) => {}
            Step::Skip { output } => report.skipped(output),
            Step::Fail { path, reason } => report.failed(path, reason, None),
        }
    }
    let jobs = match args.jobs {
        Some(jobs) => jobs as usize,
        None => default_jobs(&tasks, budget),
    };
    let settings = run::Settings {
        how,
        kernel: args.kernel.into(),
        border: args.mode,
    };
    run::run(&tasks, &settings, jobs, budget, &report);
    let counts = report.finish();
    if counts.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// As many images at a time as the largest fits in the budget, at most one
/// per core: reading and writing an image takes one core, the blur all.
fn default_jobs(tasks: &[plan::Task], budget: u64) -> usize {
    let largest = tasks.iter().map(|task| task.need).max().unwrap_or(1).max(1);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    ((budget / largest) as usize).clamp(1, cores)
}

/// The machine's memory in bytes: the smaller of the physical memory and
/// the control group's limit on Linux; 8 GiB where neither can be read.
fn machine_memory() -> u64 {
    let physical = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    let limit = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok());
    match (physical, limit) {
        (Some(physical), Some(limit)) => physical.min(limit),
        (Some(bytes), None) | (None, Some(bytes)) => bytes,
        (None, None) => 8 << 30,
    }
}
