//! Peak memory and time of `attr-eval run` against corpus size (issue 21).
//!
//! ```text
//! cargo build --release
//! cargo run --release --example memory_scaling [ARTICLES...]   # default 10000 30000 100000
//! cargo run --release --example memory_scaling -- --generate DIR ARTICLES
//! ```
//!
//! For each size it writes a synthetic dataset (`articles.jsonl` of about 10 KB per
//! article, 10 gold quotes each) to a temporary folder, runs `target/release/attr-eval
//! run --model rules` on it as a child process and prints the child's peak resident set
//! (`ru_maxrss` from `wait4`, the kernel's high-water mark of that process alone, the
//! figure `/usr/bin/time -v` prints) and its wall time. `--generate` only writes the
//! dataset, for measuring by other means.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const QUOTES: usize = 10;
const SPEAKERS: [&str; 6] = [
    "Yuri Ushakov",
    "Dmitry Peskov",
    "Kirill Dmitriev",
    "Steve Witkoff",
    "Marco Rubio",
    "Kaja Kallas",
];
const FILLER: &str = "Officials from both sides met again on Wednesday in a building near the \
    river, where the talks had stalled twice before, and reporters waited outside for hours. ";

/// Writes `articles` synthetic articles (about 10 KB each) and their gold to `folder`.
fn generate(folder: &Path, articles: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut jsonl = BufWriter::new(std::fs::File::create(folder.join("articles.jsonl"))?);
    let mut gold = csv::Writer::from_path(folder.join("gold.csv"))?;
    gold.write_record(["article_id", "speaker", "quote", "start", "end", "type"])?;
    for a in 0..articles {
        let id = format!("art-{a:06}");
        let mut text = String::new();
        let mut chars = 0usize;
        for q in 0..QUOTES {
            for _ in 0..6 {
                text.push_str(FILLER);
                chars += FILLER.chars().count();
            }
            let speaker = SPEAKERS[(a * 7 + q) % SPEAKERS.len()];
            let quote = format!("Statement {q} of article {a} is about the talks,");
            text.push('“');
            chars += 1;
            let start = chars;
            text.push_str(&quote);
            chars += quote.chars().count();
            let end = chars;
            let tail = format!("” {speaker} said.\n\n");
            chars += tail.chars().count();
            text.push_str(&tail);
            gold.write_record([
                id.as_str(),
                speaker,
                quote.as_str(),
                &start.to_string(),
                &end.to_string(),
                "direct",
            ])?;
        }
        serde_json::to_writer(&mut jsonl, &serde_json::json!({"id": id, "text": text}))?;
        jsonl.write_all(b"\n")?;
    }
    jsonl.flush()?;
    gold.flush()?;
    Ok(())
}

/// Runs `command` and returns its peak RSS in KiB (the kernel's high-water mark of that
/// child alone) and its wall seconds.
#[cfg(unix)]
fn peak_rss(mut command: Command) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct the kernel fills; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    anyhow::ensure!(waited == pid, "wait4 failed");
    anyhow::ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "attr-eval run failed (status {status})"
    );
    Ok((usage.ru_maxrss as u64, started.elapsed().as_secs_f64()))
}

#[cfg(unix)]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let (Some(dir), Some(n)) = (args.get(1), args.get(2)) else {
            anyhow::bail!("usage: memory_scaling --generate DIR ARTICLES");
        };
        generate(Path::new(dir), n.parse()?)?;
        return Ok(());
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![10_000, 30_000, 100_000]
    } else {
        args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?
    };
    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/attr-eval");
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: run `cargo build --release` first",
        binary.display()
    );
    let mut table = String::from("articles  jsonl MB  peak RSS MB  wall s\n");
    for n in sizes {
        let root = tempfile::tempdir()?;
        let dataset = root.path().join(format!("synthetic-{n}"));
        generate(&dataset, n)?;
        let size = std::fs::metadata(dataset.join("articles.jsonl"))?.len();
        let mut command = Command::new(&binary);
        command
            .args(["run", "--model", "rules", "--threads", "2", "--dataset"])
            .arg(&dataset)
            .arg("--out")
            .arg(root.path().join("runs"))
            .args(["--name", "memory"])
            .stdout(std::process::Stdio::null());
        let (kib, wall) = peak_rss(command)?;
        let _ = writeln!(
            table,
            "{n:>8}  {:>8.0}  {:>11.0}  {wall:>6.1}",
            size as f64 / 1e6,
            kib as f64 / 1024.0
        );
        eprint!("{table}");
    }
    print!("{table}");
    Ok(())
}

#[cfg(not(unix))]
fn main() {
    eprintln!("memory_scaling reads the peak RSS through wait4, which needs a Unix system");
}
