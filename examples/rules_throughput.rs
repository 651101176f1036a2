//! Single-thread throughput of the `rules` model over the `articles/*.txt` of dataset
//! folders: `cargo run --release --example rules_throughput -- DIR... [--rounds N]`.
//! For profiling (`perf record`) without the run machinery around the model. Prints
//! wall-clock and thread-CPU throughput (the latter stays meaningful on a loaded
//! machine); `--dump FILE` writes every prediction as CSV, to check that a change keeps
//! them byte for byte.

use attr_eval::dataset::Article;
use attr_eval::model::Model;
use attr_eval::model::rules::Rules;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn articles(dir: &Path) -> Vec<Article> {
    let dir = dir.join("articles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping {}: not a dataset folder", dir.display());
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let id = p.file_stem()?.to_string_lossy().into_owned();
            Some(Article::new(id, std::fs::read_to_string(&p).ok()?))
        })
        .collect()
}

/// CPU time of this thread: unlike wall-clock time, not inflated by other processes.
#[cfg(unix)]
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[cfg(not(unix))]
fn thread_cpu_seconds() -> f64 {
    f64::NAN
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    attr_eval::cli::restore_default_sigpipe();
    let mut rounds = 5;
    let mut dirs = Vec::new();
    let mut dump = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds),
            "--dump" => dump = args.next(),
            _ => dirs.push(arg),
        }
    }
    let model = Rules::new();
    let mut rows = Vec::new();
    const MIB: f64 = 1024.0 * 1024.0;
    for dir in dirs {
        let articles = articles(Path::new(&dir));
        let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
        let mut best_wall = f64::INFINITY;
        let mut best_cpu = f64::INFINITY;
        for _ in 0..rounds {
            let (wall, cpu) = (Instant::now(), thread_cpu_seconds());
            for article in &articles {
                black_box(model.predict(black_box(article)).ok());
            }
            best_cpu = best_cpu.min(thread_cpu_seconds() - cpu);
            best_wall = best_wall.min(wall.elapsed().as_secs_f64());
        }
        println!(
            "{dir}: {} articles, {bytes} bytes, best of {rounds}: {:.1} MiB/s wall, {:.1} MiB/s thread CPU",
            articles.len(),
            bytes as f64 / best_wall / MIB,
            bytes as f64 / best_cpu / MIB,
        );
        if dump.is_some() {
            for article in &articles {
                rows.extend(model.predict(article)?);
            }
        }
    }
    if let Some(path) = dump {
        attr_eval::attribution::write_csv(std::fs::File::create(path)?, &rows)?;
    }
    Ok(())
}
