use super::args::ScoreArgs;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::record::{ResultRecord, TableStyle, by_type_table, scores_table};
use crate::scoring::ScoringOptions;

pub fn execute(args: ScoreArgs) -> Result<i32> {
    let mut options = args.scoring.apply_to(ScoringOptions::default());
    if args.scoring.speaker_match.is_none() {
        let (mode, note) =
            crate::dataset::declared_speaker_match(std::slice::from_ref(&args.dataset))?;
        options.speaker_match = mode;
        if let Some(note) = note {
            eprintln!("{note}");
        }
    }
    let dataset = Dataset::open(&args.dataset)?;
    let predictions = dataset.read_predictions(&args.pred)?;
    let scored = crate::scoring::score_dataset(&dataset, &predictions, &options)?;
    let result = ResultRecord {
        model: args.pred.display().to_string(),
        dataset: dataset.name().to_string(),
        scores: scored.scores,
        by_type: scored.by_type,
        throughput: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
    } else {
        println!(
            "{} against {} ({} article{}; overlap τ = {}, speaker match {}, types {})",
            args.pred.display(),
            dataset.name(),
            dataset.article_ids().len(),
            if dataset.article_ids().len() == 1 {
                ""
            } else {
                "s"
            },
            options.overlap,
            options.speaker_match.as_str(),
            options
                .types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        println!("{}", scores_table(&result, TableStyle::Text));
        if let Some(table) = by_type_table(&result, TableStyle::Text) {
            println!("by gold type (pair recall R, precision P):\n{table}");
        }
    }
    Ok(0)
}
