//! Hand-made cases for the answer matching and outcomes of docs/tasks.md#speakers.

use super::*;
use crate::dataset::{AliasEntry, Aliases};

const TEXT: &str = "“Yes,” said Emma. “No,” said Harriet. “Yes,” said Emma again. “?” he asked.";

fn span_of(quote: &str, nth: usize) -> Span {
    let byte = TEXT.match_indices(quote).nth(nth).expect("in the text").0;
    let start = TEXT[..byte].chars().count();
    Span::new(start, start + quote.chars().count())
}

fn row(quote: &str, nth: usize, speaker: &str) -> Attribution {
    Attribution {
        article_id: "a".into(),
        quote: quote.into(),
        speaker: speaker.into(),
        quote_span: Some(span_of(quote, nth)),
        ..Attribution::default()
    }
}

fn bare(quote: &str, speaker: &str) -> Attribution {
    Attribution {
        article_id: "a".into(),
        quote: quote.into(),
        speaker: speaker.into(),
        ..Attribution::default()
    }
}

fn gold() -> Vec<Attribution> {
    vec![
        row("Yes,", 0, "Emma Woodhouse"),
        row("No,", 0, "Harriet Smith"),
        row("Yes,", 1, "Emma Woodhouse"),
        row("?", 0, "Mr. Knightley"),
    ]
}

fn score(answers: &[Attribution]) -> ArticleSpeakerScore {
    score_speakers_article(
        "a",
        &gold(),
        answers,
        &Cast::default(),
        &ScoringOptions::default(),
    )
    .expect("scores")
}

fn counts(gold: u64, cor: u64, inc: u64, mis: u64, unmatched: u64) -> SpeakerCounts {
    SpeakerCounts {
        gold,
        cor,
        inc,
        mis,
        unmatched_answers: unmatched,
    }
}

#[test]
fn answers_by_offsets_first_row_wins() {
    let s = score(&[
        row("No,", 0, "Smith"),
        row("No,", 0, "Emma"),
        row("Yes,", 0, "Woodhouse"),
        // A span that is no given quote.
        Attribution {
            quote_span: Some(Span::new(0, 3)),
            ..bare("“Ye", "Emma")
        },
    ]);
    assert_eq!(s.counts, counts(4, 2, 0, 2, 2));
    assert_eq!(s.unmatched, [1, 3]);
    assert_eq!(s.outcomes[1].answer, Some(0));
}

#[test]
fn answers_without_offsets_take_the_first_free_quote_with_their_text() {
    // Two "Yes," quotes: the first bare row answers the first, the second the second,
    // a third has nothing left. Text must be equal exactly.
    let s = score(&[
        bare("Yes,", "Woodhouse"),
        bare("Yes,", "Harriet"),
        bare("Yes,", "Emma"),
        bare("yes,", "Emma"),
    ]);
    assert_eq!(s.counts, counts(4, 1, 1, 2, 2));
    assert_eq!(s.outcomes[0].kind, OutcomeKind::Cor);
    assert_eq!(s.outcomes[2].kind, OutcomeKind::Inc);
    // A row with offsets takes its quote even when it comes after a bare row.
    let s = score(&[bare("Yes,", "Harriet"), row("Yes,", 0, "Miss Woodhouse")]);
    assert_eq!(s.outcomes[0].answer, Some(1));
    assert_eq!(s.outcomes[2].answer, Some(0));
    assert_eq!(s.counts, counts(4, 1, 1, 2, 0));
}

#[test]
fn an_empty_speaker_is_an_answer_and_punctuation_quotes_are_given() {
    let s = score(&[row("?", 0, ""), row("No,", 0, "Harriet Smith")]);
    assert_eq!(s.outcomes[3].kind, OutcomeKind::Inc);
    assert_eq!(s.outcomes[1].kind, OutcomeKind::Cor);
    assert_eq!(s.counts, counts(4, 1, 1, 2, 0));
}

#[test]
fn the_type_filter_and_speaker_modes_apply() {
    let mut g = gold();
    g[1].quote_type = Some(QuoteType::Indirect);
    let options = ScoringOptions {
        types: vec![QuoteType::Direct],
        ..ScoringOptions::default()
    };
    let answers = [row("No,", 0, "Harriet"), row("Yes,", 0, "Harriet")];
    let s = score_speakers_article("a", &g, &answers, &Cast::default(), &options).unwrap();
    // The indirect quote is not given, so its answer answers nothing.
    assert_eq!(s.counts, counts(3, 0, 1, 2, 1));
    let none = ScoringOptions {
        speaker_match: SpeakerMatch::None,
        ..ScoringOptions::default()
    };
    let s = score_speakers_article("a", &g, &answers, &Cast::default(), &none).unwrap();
    assert_eq!(s.counts, counts(4, 2, 0, 2, 0));
}

#[test]
fn a_gold_row_without_offsets_is_an_error() {
    let mut g = gold();
    g[2].quote_span = None;
    let e = score_speakers_article("a", &g, &[], &Cast::default(), &ScoringOptions::default());
    assert!(matches!(e, Err(Error::Usage(m)) if m.contains("start/end")));
    // Unless the type filter drops it.
    g[2].quote_type = Some(QuoteType::Mixed);
    let options = ScoringOptions {
        types: vec![QuoteType::Direct],
        ..ScoringOptions::default()
    };
    assert!(score_speakers_article("a", &g, &[], &Cast::default(), &options).is_ok());
}

#[test]
fn the_cast_resolves_answers_and_the_confusion_names_them() {
    let cast = Cast::new(&Aliases {
        entries: vec![AliasEntry {
            article_id: None,
            name: "Emma Woodhouse".into(),
            alias: "Miss Woodhouse".into(),
        }],
    });
    let mut g = gold();
    g[0].mention_type = Some(MentionType::Explicit);
    g[1].mention_type = Some(MentionType::Implicit);
    let answers = vec![
        row("Yes,", 0, "Miss Woodhouse"),
        row("No,", 0, "Miss Woodhouse"),
        row("Yes,", 1, "Harriet"),
    ];
    let s = score_speakers_article("a", &g, &answers, &cast, &ScoringOptions::default()).unwrap();
    assert_eq!(s.counts, counts(4, 1, 2, 1, 0));
    let confusion = speakers_confusion(std::slice::from_ref(&s), &cast, |_| (&g, &answers));
    let (top, all) = confusion_record(&confusion);
    assert_eq!(all, None);
    assert_eq!(
        top,
        [
            ConfusionPair {
                gold: "Emma Woodhouse".into(),
                pred: "Harriet".into(),
                count: 1
            },
            ConfusionPair {
                gold: "Harriet Smith".into(),
                pred: "Emma Woodhouse".into(),
                count: 1
            },
        ]
    );
    let agg = aggregate_speakers(&[s], &ScoringOptions::default());
    assert_eq!(agg.scores.speaker_accuracy, Some(0.25));
    assert_eq!(agg.scores.coverage, Some(0.75));
    assert_eq!(agg.scores.answered_accuracy, Some(1.0 / 3.0));
    // One article: every resample is the article itself.
    assert_eq!(agg.scores.speaker_accuracy_ci95, Some([0.25, 0.25]));
    assert_eq!(
        agg.by_mention_type[&MentionType::Explicit].speaker_accuracy,
        Some(1.0)
    );
    assert_eq!(
        agg.by_mention_type[&MentionType::Implicit].speaker_accuracy,
        Some(0.0)
    );
    assert_eq!(agg.by_type[&QuoteType::Direct].gold, 4);
    assert!(!agg.by_type.contains_key(&QuoteType::Mixed));
}

#[test]
fn no_gold_means_undefined_figures() {
    let agg = aggregate_speakers(&[], &ScoringOptions::default());
    assert_eq!(agg.scores.speaker_accuracy, None);
    assert_eq!(agg.scores.speaker_accuracy_ci95, None);
    assert_eq!(agg.scores.coverage, None);
    assert_eq!(agg.scores.answered_accuracy, None);
}
