use super::args::ScoreArgs;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::record::{
    ResultRecord, TableStyle, by_mention_type_table, by_type_table, confusion_caption,
    confusion_table, scores_table,
};
use crate::runner;
use crate::scoring::ScoringOptions;

pub fn execute(args: ScoreArgs) -> Result<i32> {
    let options = args.scoring.apply_to(ScoringOptions::default());
    let dataset = Dataset::open(&args.dataset)?;
    let predictions = dataset.read_predictions(&args.pred)?;
    let scored = runner::score_predictions(&dataset, &predictions, &options)?;
    let (speaker_confusion, speaker_confusion_pairs) = scored.confusion_record();
    let result = ResultRecord {
        model: args.pred.display().to_string(),
        dataset: dataset.name().to_string(),
        scores: scored.aggregate.scores,
        by_type: scored.aggregate.by_type,
        by_mention_type: scored.aggregate.by_mention_type,
        speaker_confusion,
        speaker_confusion_pairs,
        throughput: None,
        errors: Vec::new(),
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
        if let Some(table) = by_mention_type_table(&result, TableStyle::Text) {
            println!("by gold mention type (pair recall R):\n{table}");
        }
        if let Some(table) = confusion_table(&result, TableStyle::Text) {
            println!("{}\n{table}", confusion_caption(&result));
        }
    }
    Ok(0)
}
