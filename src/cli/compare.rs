use super::args::{CompareArgs, OutputFormat, SignificanceTest};
use crate::attribution::Attribution;
use crate::compare::{
    CompareOptions, Comparison, MetricComparison, Verdict, compare_paths, compare_runs,
};
use crate::dataset::Dataset;
use crate::error::{Error, Result, escape_controls, exit_code};
use crate::record::html::compare_html;
use crate::record::ratio;
use crate::record::read_run;
use crate::record::saved::{QuoteChange, open_dataset};
use crate::scoring::OutcomeKind;
use comfy_table::{Table, presets};
use std::fmt::Write as _;
use std::path::Path;

pub fn execute(args: CompareArgs) -> Result<i32> {
    let pairs = args
        .pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(b, c)| (b.trim().to_string(), c.trim().to_string()))
                .filter(|(b, c)| !b.is_empty() && !c.is_empty())
                .ok_or_else(|| Error::Usage(format!("--pair `{p}`: expected BASE_NAME=CAND_NAME")))
        })
        .collect::<Result<Vec<_>>>()?;
    if !(args.alpha > 0.0 && args.alpha <= 1.0) {
        return Err(Error::Usage(format!(
            "--alpha must be in (0, 1], got {}",
            args.alpha
        )));
    }
    if args.max_drop < 0.0 {
        return Err(Error::Usage(format!(
            "--max-drop must be ≥ 0, got {}",
            args.max_drop
        )));
    }
    if args.resamples == 0 {
        return Err(Error::Usage("--resamples must be at least 1".into()));
    }
    let options = CompareOptions {
        pairs,
        max_drop: args.max_drop,
        alpha: args.alpha,
        resamples: args.resamples,
        seed: args.seed,
        randomization: args.test == SignificanceTest::Ar,
        strict: args.strict,
    };
    if args.format == OutputFormat::Html {
        let (comparison, html) = html_comparison(&args.base, &args.cand, &options)?;
        println!("{html}");
        return Ok(gate_exit(&comparison));
    }
    let comparison = compare_paths(&args.base, &args.cand, &options)?;
    let output = match args.format {
        OutputFormat::Json => serde_json::to_string_pretty(&comparison).unwrap_or_default(),
        OutputFormat::Text => render(&comparison, false, args.articles),
        OutputFormat::Md => render(&comparison, true, args.articles),
        OutputFormat::Html => unreachable!("handled above"),
    };
    println!("{output}");
    Ok(gate_exit(&comparison))
}

fn gate_exit(comparison: &Comparison) -> i32 {
    if comparison.gate_fails() {
        exit_code::GATE_FAILED
    } else {
        exit_code::SUCCESS
    }
}

/// The comparison and its HTML page. The page marks quotes in the article texts, read
/// from the datasets as `show --run` finds them (where the run read them, unchanged:
/// same fingerprint); without them it lists the changed quotes alone.
fn html_comparison(
    base: &Path,
    cand: &Path,
    options: &CompareOptions,
) -> Result<(Comparison, String)> {
    let base_run = read_run(base)?;
    let cand_run = read_run(cand)?;
    let mut comparison = compare_runs(&base_run, &cand_run, options)?;
    comparison.base = base.display().to_string();
    comparison.cand = cand.display().to_string();
    // Where the runs read them (or beside the run folder), with the runs' fingerprints.
    let datasets: Vec<Dataset> = comparison
        .pairs
        .iter()
        .map(|p| p.dataset.as_str())
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        })
        .into_iter()
        .filter_map(|name| open_dataset(&cand_run, name, None).ok())
        .collect();
    let texts = |dataset: &str, id: &str| {
        let dataset = datasets.iter().find(|d| d.name() == dataset)?;
        dataset.article(id).ok().flatten().map(|a| a.text)
    };
    let html = compare_html(&comparison, &base_run, &cand_run, &texts)?;
    Ok((comparison, html))
}

/// Changed quotes listed under each article by `--articles`: enough to see what kind
/// of change it is; the rest are in `articles.jsonl` of both runs.
const QUOTES_PER_ARTICLE: usize = 10;

/// Quotes longer than this many characters are cut, so that one line stays one line.
const QUOTE_CHARS: usize = 80;

/// `MIS → COR  "quote" (gold: Yuri Ushakov; pred: Ushakov)`: the outcome before and
/// after (`–` where the run has no such row), the quote, and who each side named.
fn quote_line(change: &QuoteChange, markdown: bool) -> String {
    let kind = |k: Option<OutcomeKind>| k.map_or("–", outcome_label);
    let row = change
        .gold
        .as_ref()
        .or(change.pred_after.as_ref())
        .or(change.pred_before.as_ref());
    let quote = row.map_or(String::new(), |r| one_line(&r.quote, QUOTE_CHARS));
    let speaker = |r: &Attribution| {
        let name = r.speaker.trim();
        if name.is_empty() {
            "(no speaker)".to_string()
        } else {
            one_line(name, QUOTE_CHARS)
        }
    };
    let mut who = Vec::new();
    if let Some(gold) = &change.gold {
        who.push(format!("gold: {}", speaker(gold)));
    }
    match (&change.pred_before, &change.pred_after) {
        (Some(a), Some(b)) if speaker(a) != speaker(b) => {
            who.push(format!("pred: {} → {}", speaker(a), speaker(b)))
        }
        (_, Some(b)) => who.push(format!("pred: {}", speaker(b))),
        (Some(a), None) => who.push(format!("pred was: {}", speaker(a))),
        (None, None) => {}
    }
    let line = format!(
        "{} → {}  \"{quote}\" ({})",
        kind(change.before),
        kind(change.after),
        who.join("; ")
    );
    if markdown {
        markdown_escape(&line)
    } else {
        line
    }
}

fn outcome_label(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Cor => "COR",
        OutcomeKind::Inc => "INC",
        OutcomeKind::Mis => "MIS",
        OutcomeKind::Spu => "SPU",
    }
}

/// A model's or a user's text on one line: line breaks as spaces, control characters
/// escaped, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = escape_controls(&flat).into_owned();
    if flat.chars().count() > max {
        flat.chars().take(max - 1).collect::<String>() + "…"
    } else {
        flat
    }
}

/// Quoted text in a markdown list item must not turn into emphasis, links, HTML or
/// table cells.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn signed(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:+.3}"))
}

fn p(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.4}"))
}

fn interval(m: &MetricComparison) -> String {
    m.diff_ci95
        .map_or_else(|| "–".into(), |[lo, hi]| format!("[{lo:+.3}, {hi:+.3}]"))
}

/// Text for a terminal or markdown for a pull request: the same content either way.
pub fn render(c: &Comparison, markdown: bool, with_articles: bool) -> String {
    let mut out = String::new();
    let verdict = c.verdict_line();
    if markdown {
        let _ = writeln!(out, "### attr-eval compare: {verdict}\n");
        let _ = writeln!(out, "Baseline `{}` → candidate `{}`.\n", c.base, c.cand);
    } else {
        let _ = writeln!(
            out,
            "{verdict}\nbaseline  {}\ncandidate {}\n",
            c.base, c.cand
        );
    }
    let with_ar = c
        .pairs
        .iter()
        .flat_map(|p| &p.metrics)
        .any(|m| m.p_randomization.is_some());
    let mut table = Table::new();
    table.load_preset(if markdown {
        presets::ASCII_MARKDOWN
    } else {
        presets::UTF8_FULL_CONDENSED
    });
    let mut header = vec![
        "model",
        "dataset",
        "metric",
        "base",
        "cand",
        "diff",
        "diff 95% CI",
        "p (bootstrap)",
    ];
    if with_ar {
        header.push("p (AR)");
    }
    header.push("verdict");
    table.set_header(header);
    for pair in &c.pairs {
        let model = if pair.base_model == pair.cand_model {
            pair.base_model.clone()
        } else {
            format!("{} → {}", pair.base_model, pair.cand_model)
        };
        for m in &pair.metrics {
            let verdict = match m.verdict {
                Verdict::Worse => "worse ✗".to_string(),
                Verdict::Better => "better ✓".to_string(),
                Verdict::NotTested => "not significance-tested".to_string(),
                Verdict::NoSignificantChange => "no significant change".to_string(),
            };
            let mut row = vec![
                model.clone(),
                pair.dataset.clone(),
                m.metric.label().to_string(),
                ratio(m.base),
                ratio(m.cand),
                signed(m.diff),
                interval(m),
                p(m.p_bootstrap),
            ];
            if with_ar {
                row.push(p(m.p_randomization));
            }
            row.push(verdict);
            table.add_row(row);
        }
    }
    let _ = writeln!(out, "{table}\n");
    let _ = writeln!(
        out,
        "Scheme `{}`; paired bootstrap over articles, {} resamples, seed {}. The gate fails when \
         {} drops by more than {} with p < {}.",
        c.scheme,
        c.resamples,
        c.seed,
        c.pairs
            .first()
            .and_then(|p| p.metrics.first())
            .map_or("pair F1", |m| m.metric.label()),
        c.max_drop,
        c.alpha
    );
    if c.pairs
        .iter()
        .flat_map(|p| &p.metrics)
        .any(|m| !m.significance_tested)
    {
        let _ = writeln!(
            out,
            "\nRows marked \"not significance-tested\": the bootstrap shows no uncertainty \
             there (fewer than 2 articles with gold rows, or every resampled difference \
             equal), so their p is undefined and the verdict follows the drop alone."
        );
    }
    if !c.missing.is_empty() {
        let _ = writeln!(
            out,
            "\nMissing from the candidate{}: {}.",
            if c.strict {
                " (fails the gate: --strict)"
            } else {
                ""
            },
            c.missing.join("; ")
        );
    }
    if !c.unpaired.is_empty() {
        let _ = writeln!(out, "\nOnly in the candidate: {}.", c.unpaired.join("; "));
    }
    if with_articles {
        for pair in &c.pairs {
            let _ = writeln!(
                out,
                "\n{}Articles whose outcomes changed: {} on {} ({} of {})\n",
                if markdown { "#### " } else { "" },
                pair.cand_model,
                pair.dataset,
                pair.changed_articles.len(),
                pair.articles
            );
            for article in &pair.changed_articles {
                let what = article.change_labels();
                let _ = writeln!(
                    out,
                    "{}{}: {}",
                    if markdown { "- `" } else { "  " },
                    article.article_id.clone() + if markdown { "`" } else { "" },
                    what.join(", ")
                );
                let indent = if markdown { "  - " } else { "      " };
                for quote in article.quotes.iter().take(QUOTES_PER_ARTICLE) {
                    let _ = writeln!(out, "{indent}{}", quote_line(quote, markdown));
                }
                if article.quotes.len() > QUOTES_PER_ARTICLE {
                    let _ = writeln!(
                        out,
                        "{indent}… and {} more",
                        article.quotes.len() - QUOTES_PER_ARTICLE
                    );
                }
            }
        }
    }
    out
}
