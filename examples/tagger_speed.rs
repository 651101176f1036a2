//! How fast the shipped tagger's network runs, against what this machine's cores can do.
//!
//! ```sh
//! source .libtorch/env.sh
//! cargo run --release --features bert --example tagger_speed -- DATASET \
//!     [--threads N] [--python DIR]
//! ```
//!
//! Cuts DATASET's articles into the windows the `tagger` model reads (256 tokens with
//! [CLS] and [SEP], 64 shared between neighbours), runs them through the network in the
//! model's batches of 8, and prints tokens per second and the FLOP rate that implies
//! (about 24 MFLOP per token for MiniLM-L6 at 256 tokens: 2 per weight of the six
//! layers' 10.6 M, plus attention), beside the FLOP rate libtorch reaches on a large
//! matrix product on the same threads, the practical peak. `--python DIR` writes
//! `DIR/windows.json` (the windows with their special tokens, and the batch size) and
//! `DIR/model/` (the tagger's weights as one Hugging Face folder) for
//! `scripts/tagger-python-speed.py`, which runs the same windows through Python
//! transformers with the same weights.

use attr_eval::dataset::Dataset;
use attr_eval::model::Model;
use std::time::Instant;

/// Forward FLOPs per token of MiniLM-L6 (hidden 384, 6 layers, intermediate 1536) on
/// 256-token windows: 2 × 10.6 M weights + 2 × 2 × 256 × 384 per layer of attention.
const FLOP_PER_TOKEN: f64 = 24e6;

struct Args {
    dataset: String,
    threads: usize,
    python: Option<std::path::PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        dataset: String::new(),
        threads: 0,
        python: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                parsed.threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--threads needs a number")?
            }
            "--python" => {
                parsed.python = Some(args.next().ok_or("--python needs a folder")?.into())
            }
            _ if parsed.dataset.is_empty() => parsed.dataset = arg,
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    if parsed.dataset.is_empty() {
        return Err("usage: tagger_speed DATASET [--threads N] [--python DIR]".into());
    }
    Ok(parsed)
}

fn cpu_s() -> f64 {
    attr_eval::cpu_time::process_seconds().unwrap_or(f64::NAN)
}

/// GFLOP/s of libtorch's f32 matrix product at a size where it runs near peak.
fn matmul_gflops() -> f64 {
    let n = 2048;
    let a = tch::Tensor::randn([n, n], (tch::Kind::Float, tch::Device::Cpu));
    let b = tch::Tensor::randn([n, n], (tch::Kind::Float, tch::Device::Cpu));
    let _warm = a.matmul(&b);
    let runs = 10;
    let started = Instant::now();
    for _ in 0..runs {
        let _ = a.matmul(&b);
    }
    let seconds = started.elapsed().as_secs_f64();
    2.0 * (n as f64).powi(3) * runs as f64 / seconds / 1e9
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    if args.threads > 0 {
        tch::set_num_threads(args.threads as i32);
    }
    let model = attr_eval::model::tagger_model("tagger", "tagger", true)?;
    let batch_size = model.options().batch_size;
    let (prefix, suffix, pad_id) = model.special_ids();
    let (prefix, suffix) = (prefix.to_vec(), suffix.to_vec());
    let dataset = Dataset::open(&args.dataset)?;
    let mut windows: Vec<Vec<i64>> = Vec::new();
    for article in dataset.articles() {
        windows.extend(model.input_windows(&article?)?);
    }
    // Batches as `predict_batch` forms them: consecutive windows, padded to the longest.
    let batches: Vec<&[Vec<i64>]> = windows.chunks(batch_size).collect();
    let tokens: usize = windows
        .iter()
        .map(|w| prefix.len() + w.len() + suffix.len())
        .sum();
    let padded: usize = batches
        .iter()
        .map(|b| {
            b.len() * (prefix.len() + b.iter().map(Vec::len).max().unwrap_or(0) + suffix.len())
        })
        .sum();

    if let Some(dir) = &args.python {
        let (Some(encoder), Some(head)) = (
            attr_eval::model::tagger_encoder(),
            attr_eval::model::tagger_head(),
        ) else {
            return Err("the tagger loaded, so its encoder and weights exist".into());
        };
        attr_eval::model::bert::tagger::assemble(
            &encoder,
            &head.join(attr_eval::model::bert::tagger::TRAINED_WEIGHTS),
            &dir.join("model"),
        )?;
        let path = dir.join("windows.json");
        let with_specials: Vec<Vec<i64>> = windows
            .iter()
            .map(|w| [prefix.as_slice(), w, suffix.as_slice()].concat())
            .collect();
        let file = serde_json::json!({
            "dataset": args.dataset,
            "batch_size": batch_size,
            "pad_id": pad_id,
            "windows": with_specials,
        });
        std::fs::write(&path, serde_json::to_string(&file)?)?;
    }

    // One batch first, so that libtorch's one-time set-up is not timed.
    if let Some(first) = batches.first() {
        let refs: Vec<&[i64]> = first.iter().map(Vec::as_slice).collect();
        model.forward(&refs)?;
    }
    let (cpu_before, started) = (cpu_s(), Instant::now());
    for batch in &batches {
        let refs: Vec<&[i64]> = batch.iter().map(Vec::as_slice).collect();
        model.forward(&refs)?;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_s() - cpu_before;
    let threads = tch::get_num_threads();
    let peak = matmul_gflops();

    let gflops = |tokens: usize| tokens as f64 * FLOP_PER_TOKEN / wall / 1e9;
    println!(
        "{} ({} articles): {} windows, {} tokens ({} with padding), batches of {batch_size}, \
         {threads} libtorch threads",
        dataset.name(),
        dataset.article_ids().len(),
        windows.len(),
        tokens,
        padded
    );
    println!(
        "network: {wall:.2} s wall, {cpu:.2} CPU-s; {:.0} tokens/s; {:.1} GFLOP/s on real \
         tokens ({:.1} counting padding), {:.2} GFLOP per CPU-second",
        tokens as f64 / wall,
        gflops(tokens),
        gflops(padded),
        padded as f64 * FLOP_PER_TOKEN / cpu / 1e9
    );
    println!(
        "libtorch f32 matmul 2048³ on the same threads: {peak:.1} GFLOP/s; the tagger reaches \
         {:.0}% of it",
        100.0 * gflops(padded) / peak
    );
    println!("model: {} {}", model.info().name, model.info().version);
    Ok(())
}
