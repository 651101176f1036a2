//! `attr-eval train tagger`.

use crate::cli::args::TrainCommand;
use crate::error::Result;

pub fn execute(command: TrainCommand) -> Result<i32> {
    match command {
        TrainCommand::Tagger(args) => tagger(args),
    }
}

#[cfg(feature = "bert")]
fn tagger(args: crate::cli::args::TrainTaggerArgs) -> Result<i32> {
    use crate::model::bert::train::{TrainOptions, train_tagger};
    if args.threads > 0 {
        tch::set_num_threads(args.threads as i32);
    }
    let options = TrainOptions {
        base: args.base,
        train: args.train,
        dev: args.dev,
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
        report.best.exact_f1,
        report.best.overlap_f1,
        report.best.lenient_f1,
        report.train_tokens
    );
    Ok(0)
}

#[cfg(not(feature = "bert"))]
fn tagger(_args: crate::cli::args::TrainTaggerArgs) -> Result<i32> {
    Err(crate::error::Error::Usage(
        "train tagger needs the neural models: run `bash scripts/setup-libtorch.sh && \
         source .libtorch/env.sh` once, then `cargo run --release --features bert -- train \
         tagger ...` (see README)"
            .into(),
    ))
}
