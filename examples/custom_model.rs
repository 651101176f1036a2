//! A model written outside the crate, run on `datasets/seed` through the library, with
//! its scores printed: what a Rust user with their own model does.
//!
//! `cargo run --release --example custom_model`
//!
//! The model is deliberately simple: every passage in curly double quotes is a quote;
//! its speaker is a capitalised name just after it ("…,” Ushakov added), else the last
//! capitalised name before it.

use attr_eval::dataset::{Article, Dataset};
use attr_eval::model::{Model, ModelError, ModelInfo};
use attr_eval::runner::{ModelEntry, RunOptions, run};
use attr_eval::scoring::ScoringOptions;
use attr_eval::{Attribution, QuoteType, Span};

struct CurlyQuotes {
    info: ModelInfo,
}

impl CurlyQuotes {
    fn new() -> Self {
        CurlyQuotes {
            info: ModelInfo {
                spec: "example:curly-quotes".into(),
                name: "curly-quotes".into(),
                version: "0.1.0".into(),
                config_hash: "none".into(),
            },
        }
    }
}

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The runs of capitalised words in `words`, joined ("Yuri Ushakov").
fn names(words: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for word in words {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        if capitalised(bare) && !matches!(bare, "The" | "It" | "A" | "But" | "And") {
            current.push(bare);
        } else if !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
        if word.ends_with(['.', ',', ';']) && !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
    }
    if !current.is_empty() {
        names.push(current.join(" "));
    }
    names
}

impl Model for CurlyQuotes {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError> {
        let chars: Vec<char> = article.text.chars().collect();
        let mut rows = Vec::new();
        let mut i = 0;
        while let Some(open) = (i..chars.len()).find(|&k| chars[k] == '“') {
            let Some(close) = (open + 1..chars.len()).find(|&k| chars[k] == '”') else {
                break;
            };
            let quote: String = chars[open + 1..close].iter().collect();
            let after: String = chars[close + 1..chars.len().min(close + 40)]
                .iter()
                .collect();
            let before: String = chars[open.saturating_sub(150)..open].iter().collect();
            let after_words: Vec<&str> = after.split_whitespace().take(2).collect();
            let before_words: Vec<&str> = before.split_whitespace().collect();
            let speaker = names(&after_words)
                .into_iter()
                .next()
                .or_else(|| names(&before_words).pop())
                .unwrap_or_default();
            if !quote.trim().is_empty() {
                rows.push(Attribution {
                    article_id: article.id.clone(),
                    quote,
                    speaker,
                    quote_span: Some(Span::new(open + 1, close)),
                    quote_type: Some(QuoteType::Direct),
                    ..Attribution::default()
                });
            }
            i = close + 1;
        }
        Ok(rows)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    attr_eval::cli::restore_default_sigpipe();
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/seed");
    let dataset = Dataset::open(seed)?;
    let out = tempfile::tempdir()?;
    let options = RunOptions {
        task: Default::default(),
        scoring: ScoringOptions::default(),
        threads: 2,
        out_dir: out.path().to_path_buf(),
        name: "custom".into(),
        command: std::env::args().collect(),
        progress: false,
        shard: None,
    };
    let outcome = run(
        &[dataset],
        &[ModelEntry::new(Box::new(CurlyQuotes::new()))],
        &options,
    )?;
    for result in outcome.record.results.iter().filter_map(|r| r.as_extract()) {
        let overlap = &result.scores.overlap;
        let show = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
        println!(
            "{} on {}: pair P {} R {} F1 {} (quote F1 {}), {} gold rows, {} predicted",
            result.model,
            result.dataset,
            show(overlap.pair.p),
            show(overlap.pair.r),
            show(overlap.pair.f1),
            show(overlap.quote.f1),
            overlap.counts.gold,
            overlap.counts.pred
        );
    }
    println!("run folder (temporary): {}", outcome.folder.display());
    Ok(())
}
