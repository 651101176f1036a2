//! `attr-eval train tagger` and `attr-eval train linker`.

use crate::cli::args::TrainCommand;
use crate::error::Result;

pub fn execute(command: TrainCommand) -> Result<i32> {
    match command {
        TrainCommand::Tagger(args) => tagger(args),
        TrainCommand::Linker(args) => linker(args),
    }
}

/// libtorch's intra-op threads; 0 keeps libtorch's choice.
#[cfg(feature = "bert")]
fn set_threads(threads: usize) {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
}

#[cfg(feature = "bert")]
fn linker(args: crate::cli::args::TrainLinkerArgs) -> Result<i32> {
    use crate::train::linker::{LinkerOptions, train_linker};
    set_threads(args.threads);
    let options = LinkerOptions {
        train: args.train,
        dev: args.dev,
        hold_out: args.hold_out,
        out: args.out,
        cache: args.cache,
    };
    let (fit, dev) = train_linker(&options)?;
    let f1 = |x: Option<f64>| x.map_or("n/a".to_string(), |x| format!("{x:.3}"));
    println!(
        "fitted on {} contents ({} options): loss {:.4} -> {:.4}, right option chosen {:.1}%",
        fit.examples,
        fit.options,
        fit.initial_loss,
        fit.final_loss,
        100.0 * fit.accuracy
    );
    if let Some(dev) = dev {
        println!(
            "dev ({} articles), pair F1 (overlap, mention mode): hand-written linking {}, \
             fitted linker {}",
            dev.articles,
            f1(dev.hand_written_pair_f1),
            f1(dev.learned_pair_f1)
        );
        let floors: Vec<String> = dev
            .learned_by_confidence_floor
            .iter()
            .map(|s| format!("{} {}", s.floor, f1(s.pair_f1)))
            .collect();
        println!(
            "dev pair F1 of the fitted linker by content-confidence floor: {}",
            floors.join(", ")
        );
    }
    println!(
        "wrote {}",
        options
            .out
            .join(crate::model::bert::tagger::LINKER_FILE)
            .display()
    );
    Ok(0)
}

#[cfg(not(feature = "bert"))]
fn linker(_args: crate::cli::args::TrainLinkerArgs) -> Result<i32> {
    Err(needs_bert("linker"))
}

#[cfg(feature = "bert")]
fn tagger(args: crate::cli::args::TrainTaggerArgs) -> Result<i32> {
    use crate::train::tagger::{TrainOptions, train_tagger};
    set_threads(args.threads);
    let options = TrainOptions {
        base: args.base,
        train: args.train,
        dev: args.dev,
        hold_out: args.hold_out,
        out: args.out,
        epochs: args.epochs,
        seed: args.seed,
        learning_rate: args.learning_rate,
        head_learning_rate: args.head_learning_rate,
        batch_size: args.batch_size,
        trained_layers: args.trained_layers,
        limit: args.limit,
    };
    let report = train_tagger(&options)?;
    println!(
        "wrote {} (best epoch {}: dev pair F1 exact {:?}, overlap {:?}, lenient {:?}; {} train tokens)",
        options.out.display(),
        report.best.epoch,
        report.best.pair_f1.exact,
        report.best.pair_f1.overlap,
        report.best.pair_f1.lenient,
        report.train_tokens
    );
    Ok(0)
}

#[cfg(not(feature = "bert"))]
fn tagger(_args: crate::cli::args::TrainTaggerArgs) -> Result<i32> {
    Err(needs_bert("tagger"))
}

#[cfg(not(feature = "bert"))]
fn needs_bert(what: &str) -> crate::error::Error {
    crate::error::Error::Usage(format!(
        "train {what} needs the neural models: run `bash scripts/setup-libtorch.sh && \
         source .libtorch/env.sh` once, then `cargo run --release --features bert -- train \
         {what} ...` (see README)"
    ))
}
