//! Speakers in `name` mode (SPEC 3.3): scale, the cast, and the oracle's agreement.

use super::*;
use crate::attribution::Span;

/// Issue 15: a names² table of speaker pairs made 200,000 distinct predicted speakers in
/// one article abort the process. Matching must stay near-linear in memory.
#[test]
fn two_hundred_thousand_distinct_speakers_in_one_article() {
    const N: usize = 200_000;
    let word = "word ";
    let text = word.repeat(N);
    let article = Article::new("big", text);
    let at = |i: usize, speaker: String| Attribution {
        article_id: "big".into(),
        quote: "word".into(),
        speaker,
        quote_span: Some(Span::new(i * word.len(), i * word.len() + 4)),
        ..Attribution::default()
    };
    // Gold rows every 1000 words; every word predicted, each by another speaker, some
    // sharing the gold row's last name.
    let gold: Vec<Attribution> = (0..N)
        .step_by(1000)
        .map(|i| at(i, format!("Anna Person{i}")))
        .collect();
    let pred: Vec<Attribution> = (0..N)
        .map(|i| at(i, format!("Speaker{} Person{}", i, i / 1000 * 1000)))
        .collect();
    let s = score_article(
        &article,
        &gold,
        &pred,
        &Aliases::default(),
        &ScoringOptions::default(),
    )
    .expect("scores");
    let c = s.schemes.overlap.counts;
    assert_eq!(c.gold, gold.len() as u64);
    assert_eq!(c.inc, gold.len() as u64);
    assert_eq!(c.spu, (N - gold.len()) as u64);
}
