use super::args::ShowArgs;
use crate::attribution::Attribution;
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::{self, ModelSpec};
use crate::scoring::{self, OutcomeKind, ScoringOptions};

fn describe(row: &Attribution) -> String {
    let span = row
        .quote_span
        .map(|s| format!("[{}..{}]", s.start, s.end))
        .unwrap_or_else(|| "[no offsets]".into());
    let speaker = if row.speaker.is_empty() {
        "(no speaker)".to_string()
    } else {
        row.speaker.clone()
    };
    let mention = match (&row.speaker_mention, row.mention_span) {
        (Some(m), Some(s)) => format!(" via \"{m}\" [{}..{}]", s.start, s.end),
        (Some(m), None) => format!(" via \"{m}\""),
        _ => String::new(),
    };
    let kind = row.quote_type.map(|t| t.as_str()).unwrap_or("-");
    format!("{span} {kind:<8} {speaker}{mention}: \"{}\"", row.quote)
}

pub fn execute(args: ShowArgs) -> Result<i32> {
    let dataset = Dataset::open(&args.dataset)?;
    let article = dataset.article(&args.article_id)?.ok_or_else(|| {
        Error::Usage(format!(
            "dataset `{}` has no article `{}`",
            dataset.name(),
            args.article_id
        ))
    })?;
    let gold = dataset.gold_for(&article.id)?;
    println!(
        "{} / {} ({} characters)\n\n{}\n",
        dataset.name(),
        article.id,
        article.char_len(),
        article.text
    );
    println!("gold ({} rows):", gold.len());
    for row in &gold {
        println!("  {}", describe(row));
    }
    let Some(spec) = &args.model else {
        return Ok(0);
    };
    let spec = ModelSpec::parse(spec)?;
    let model = model::load(&spec, &dataset, &model::LoadOptions::default())?;
    let predictions = model.predict(&article).map_err(|e| Error::Model {
        model: spec.name.clone(),
        message: format!("article `{}`: {e}", article.id),
    })?;
    let options = ScoringOptions::default();
    let score = scoring::score_article(&article, &gold, &predictions, dataset.aliases(), &options)?;
    println!(
        "\n{} ({} rows), aligned under the overlap scheme:",
        spec.name,
        predictions.len()
    );
    for outcome in &score.schemes.overlap.outcomes {
        let label = match outcome.kind {
            OutcomeKind::Cor => "COR",
            OutcomeKind::Inc => "INC",
            OutcomeKind::Mis => "MIS",
            OutcomeKind::Spu => "SPU",
        };
        let sim = outcome
            .sim
            .map(|s| format!(" sim {s:.2}"))
            .unwrap_or_default();
        println!("  {label}{sim}");
        if let Some(row) = outcome.gold.and_then(|i| gold.get(i)) {
            println!("    gold {}", describe(row));
        }
        if let Some(row) = outcome.pred.and_then(|i| predictions.get(i)) {
            println!("    pred {}", describe(row));
        }
    }
    let c = score.schemes.overlap.counts;
    println!(
        "\nCOR {} INC {} MIS {} SPU {} (gold {}, predicted {})",
        c.cor, c.inc, c.mis, c.spu, c.gold, c.pred
    );
    Ok(0)
}
