//! Hand-made cases for each rule of docs/scoring.md, and properties of the scorer.

use super::*;
use crate::attribution::{QuoteType, Span};
use crate::dataset::AliasEntry;
use proptest::prelude::*;
use std::path::Path;

const TEXT: &str = "“We will win,” said Donald Trump. The Kremlin said the leak was \
                    designed to disrupt talks. Ushakov called it “premature”, he said.";

fn article() -> Article {
    Article::new("a1", TEXT)
}

/// A row of article `a1` for the first occurrence of `quote` in `text`, with offsets.
pub(super) fn located_row(text: &str, quote: &str, speaker: &str) -> Attribution {
    let byte = text.find(quote).expect("quote is in the text");
    let start = text[..byte].chars().count();
    crate::test_support::row_at("a1", quote, speaker, start)
}

fn row(quote: &str, speaker: &str) -> Attribution {
    located_row(TEXT, quote, speaker)
}

fn with_type(mut r: Attribution, t: QuoteType) -> Attribution {
    r.quote_type = Some(t);
    r
}

fn without_offsets(mut r: Attribution) -> Attribution {
    r.quote_span = None;
    r
}

fn with_mention(mut r: Attribution, mention: &str) -> Attribution {
    let byte = TEXT.find(mention).expect("mention is in the text");
    let start = TEXT[..byte].chars().count();
    r.mention_span = Some(Span::new(start, start + mention.chars().count()));
    r.speaker_mention = Some(mention.into());
    r
}

fn options(speaker_match: SpeakerMatch) -> ScoringOptions {
    ScoringOptions {
        speaker_match,
        ..ScoringOptions::default()
    }
}

fn score(gold: &[Attribution], pred: &[Attribution], options: &ScoringOptions) -> ArticleScore {
    score_article(&article(), gold, pred, &Aliases::default(), options).expect("scores")
}

fn counts(s: &ArticleScore, scheme: Scheme) -> Counts {
    s.schemes.get(scheme).counts
}

fn c(gold: u64, pred: u64, cor: u64, inc: u64, mis: u64, spu: u64) -> Counts {
    Counts {
        gold,
        pred,
        cor,
        inc,
        mis,
        spu,
    }
}

fn gold_rows() -> Vec<Attribution> {
    vec![
        with_mention(row("We will win,", "Donald Trump"), "Donald Trump"),
        with_type(
            with_mention(
                row("the leak was designed to disrupt talks", "Kremlin"),
                "The Kremlin",
            ),
            QuoteType::Indirect,
        ),
        with_mention(row("premature", "Yuri Ushakov"), "Ushakov"),
    ]
}

#[test]
fn self_scoring_is_perfect_in_every_mode() {
    let gold = gold_rows();
    for mode in [
        SpeakerMatch::Name,
        SpeakerMatch::Mention,
        SpeakerMatch::None,
    ] {
        let opts = options(mode);
        let s = score(&gold, &gold, &opts);
        for scheme in Scheme::ALL {
            assert_eq!(
                counts(&s, scheme),
                c(3, 3, 3, 0, 0, 0),
                "{mode:?} {scheme:?}"
            );
        }
        let agg = aggregate(&[s], &opts);
        for scheme in Scheme::ALL {
            let sc = agg.scores.get(scheme);
            assert_eq!(sc.pair.f1, Some(1.0));
            assert_eq!(sc.quote.f1, Some(1.0));
            assert_eq!(sc.attribution_accuracy, Some(1.0));
            assert_eq!(sc.macro_pair_f1, Some(1.0));
            assert_eq!(sc.pair.f1_ci95, Some([1.0, 1.0]));
        }
    }
}

#[test]
fn shifted_span_separates_the_schemes() {
    let gold = vec![row("the leak was designed to disrupt talks", "Kremlin")];
    // "leak was designed" = 15 alnum of 32: sim = 30/47 ≥ 0.5 but not 1.
    let half = vec![row("leak was designed", "Kremlin")];
    let s = score(&gold, &half, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Exact), c(1, 1, 0, 0, 1, 1));
    assert_eq!(counts(&s, Scheme::Overlap), c(1, 1, 1, 0, 0, 0));
    assert_eq!(counts(&s, Scheme::Lenient), c(1, 1, 1, 0, 0, 0));
    let outcome = &s.schemes.overlap.outcomes[0];
    assert_eq!(outcome.kind, OutcomeKind::Cor);
    assert_eq!(outcome.sim, Some(30.0 / 47.0));
    // "talks" = 5 of 32: sim = 10/37 < 0.5, still > 0.
    let small = vec![row("talks", "Kremlin")];
    let s = score(&gold, &small, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Overlap), c(1, 1, 0, 0, 1, 1));
    assert_eq!(counts(&s, Scheme::Lenient), c(1, 1, 1, 0, 0, 0));
    // Punctuation and quotation marks do not count: exact still holds.
    let marks = vec![row("“We will win,”", "Donald Trump")];
    let s = score(
        &[row("We will win", "Donald Trump")],
        &marks,
        &ScoringOptions::default(),
    );
    assert_eq!(counts(&s, Scheme::Exact), c(1, 1, 1, 0, 0, 0));
}

#[test]
fn overlap_threshold_is_inclusive_and_configurable() {
    let gold = vec![row("the leak was designed to disrupt talks", "Kremlin")];
    let pred = vec![row("leak was designed", "Kremlin")]; // sim = 30/47 = 0.6383
    let at = |tau: f64| {
        let opts = ScoringOptions {
            overlap: tau,
            ..ScoringOptions::default()
        };
        counts(&score(&gold, &pred, &opts), Scheme::Overlap).cor
    };
    assert_eq!(at(0.638), 1);
    assert_eq!(at(0.6383), 0); // 30/47 = 0.638297…
}

#[test]
fn rows_without_offsets_compare_token_multisets() {
    let gold = vec![row("the leak was designed to disrupt talks", "Kremlin")];
    // Text mode: {the, leak, was, designed, to, disrupt, talks} vs a case-changed copy.
    let pred = vec![without_offsets(row(
        "the leak was designed to disrupt talks",
        "Kremlin",
    ))];
    let mut pred_upper = pred.clone();
    pred_upper[0].quote = "THE LEAK WAS DESIGNED TO DISRUPT TALKS!".into();
    let s = score(&gold, &pred_upper, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Exact), c(1, 1, 1, 0, 0, 0));
    // A gold row without offsets against a prediction with them: tokens too.
    let s = score(
        &[without_offsets(gold[0].clone())],
        &[row("leak was", "Kremlin")],
        &ScoringOptions::default(),
    );
    // 2 common tokens of 7 + 2: sim = 4/9 < 0.5.
    assert_eq!(counts(&s, Scheme::Overlap).cor, 0);
    assert_eq!(counts(&s, Scheme::Lenient).cor, 1);
    assert_eq!(s.schemes.lenient.outcomes[0].sim, Some(4.0 / 9.0));
}

#[test]
fn quote_without_alphanumerics_matches_only_its_own_span() {
    let mut gold = row("“", "Donald Trump");
    gold.quote_span = Some(Span::new(0, 1));
    // the exception of docs/scoring.md#similarity: the same span has sim 1, under every scheme.
    let s = score(&[gold.clone()], &[gold.clone()], &ScoringOptions::default());
    for scheme in Scheme::ALL {
        assert_eq!(counts(&s, scheme), c(1, 1, 1, 0, 0, 0), "{scheme:?}");
    }
    assert_eq!(s.schemes.exact.outcomes[0].sim, Some(1.0));
    // Another span around it, even one that holds it and alphanumerics: sim 0.
    let mut wider = gold.clone();
    wider.quote_span = Some(Span::new(0, 3));
    wider.quote = "“We".into();
    let s = score(&[gold.clone()], &[wider], &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Lenient), c(1, 1, 0, 0, 1, 1));
    // Without offsets on one side, the tokens decide: none, so sim 0.
    let s = score(
        &[gold.clone()],
        &[without_offsets(gold.clone())],
        &ScoringOptions::default(),
    );
    assert_eq!(counts(&s, Scheme::Lenient), c(1, 1, 0, 0, 1, 1));
    // Both without offsets: likewise.
    let bare = without_offsets(gold);
    let s = score(
        std::slice::from_ref(&bare),
        std::slice::from_ref(&bare),
        &ScoringOptions::default(),
    );
    assert_eq!(counts(&s, Scheme::Lenient), c(1, 1, 0, 0, 1, 1));
}

#[test]
fn name_rules_titles_subsets_possessives_and_wrong_speakers() {
    let g = |speaker: &str| vec![row("premature", speaker)];
    let cases = [
        ("Yuri Ushakov", "Ushakov", true),
        ("Yuri Ushakov", "Mr. Ushakov's", true),
        ("Yuri Ushakov", "YURI USHAKOV", true),
        ("Yuri Ushakov", "Yuri", false),
        ("Yuri Ushakov", "he", false),
        ("Yuri Ushakov", "Dmitry Peskov", false),
        ("Yuri Ushakov", "", false),
        ("", "", true),
        ("", "Ushakov", false),
        ("José Müller", "Jose Muller", true),
    ];
    for (gold, pred, cor) in cases {
        let s = score(&g(gold), &g(pred), &ScoringOptions::default());
        let expected = if cor {
            c(1, 1, 1, 0, 0, 0)
        } else {
            c(1, 1, 0, 1, 0, 0)
        };
        assert_eq!(
            counts(&s, Scheme::Overlap),
            expected,
            "{gold:?} vs {pred:?}"
        );
    }
}

#[test]
fn aliases_apply_per_article_before_global() {
    let aliases = Aliases {
        entries: vec![
            AliasEntry {
                article_id: None,
                name: "Vladimir Putin".into(),
                alias: "the Kremlin".into(),
            },
            AliasEntry {
                article_id: Some("a1".into()),
                name: "Dmitry Peskov".into(),
                alias: "Kremlin".into(),
            },
        ],
    };
    let gold = vec![row(
        "the leak was designed to disrupt talks",
        "Dmitry Peskov",
    )];
    let pred = vec![row("the leak was designed to disrupt talks", "Kremlin")];
    let opts = ScoringOptions::default();
    let s = score_article(&article(), &gold, &pred, &aliases, &opts).unwrap();
    assert_eq!(counts(&s, Scheme::Exact).cor, 1);
    // The alias applies on the gold side too.
    let s = score_article(&article(), &pred, &gold, &aliases, &opts).unwrap();
    assert_eq!(counts(&s, Scheme::Exact).cor, 1);
    // Without aliases the speakers differ.
    assert_eq!(counts(&score(&gold, &pred, &opts), Scheme::Exact).inc, 1);
    // Resolution is by full lists first (docs/scoring.md#speaker-matching-name step 1): "The
    // Kremlin" is the `*` row's alias exactly, so it is Putin even here, not Peskov as it was when
    // aliases were looked up by short lists ("kremlin").
    let pred = vec![row("the leak was designed to disrupt talks", "The Kremlin")];
    let s = score_article(&article(), &gold, &pred, &aliases, &opts).unwrap();
    assert_eq!(counts(&s, Scheme::Exact).inc, 1);
}

#[test]
fn mention_mode_compares_mention_spans() {
    let opts = options(SpeakerMatch::Mention);
    let gold = vec![with_mention(row("premature", "Yuri Ushakov"), "Ushakov")];
    // Overlapping mention span, even with a different name: COR.
    let pred = vec![with_mention(row("premature", "somebody"), "Ushakov called")];
    assert_eq!(counts(&score(&gold, &pred, &opts), Scheme::Exact).cor, 1);
    // Disjoint span: INC.
    let pred = vec![with_mention(row("premature", "Yuri Ushakov"), "he said")];
    assert_eq!(counts(&score(&gold, &pred, &opts), Scheme::Exact).inc, 1);
    // A prediction without offsets matches no gold row that has them.
    let pred = vec![row("premature", "Yuri Ushakov")];
    assert_eq!(counts(&score(&gold, &pred, &opts), Scheme::Exact).inc, 1);
    // Gold with an empty speaker and no offsets matches only an empty predicted speaker.
    let empty_gold = vec![row("premature", "")];
    assert_eq!(
        counts(
            &score(&empty_gold, &[row("premature", "")], &opts),
            Scheme::Exact
        )
        .cor,
        1
    );
    let pred = vec![with_mention(row("premature", "Ushakov"), "Ushakov")];
    assert_eq!(
        counts(&score(&empty_gold, &pred, &opts), Scheme::Exact).inc,
        1
    );
}

#[test]
fn mention_mode_rejects_gold_speaker_without_offsets() {
    let gold = vec![row("premature", "Yuri Ushakov")];
    let err = score_article(
        &article(),
        &gold,
        &[],
        &Aliases::default(),
        &options(SpeakerMatch::Mention),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, crate::error::Error::Usage(_)));
    assert!(
        message.contains("a1") && message.contains("premature"),
        "{message}"
    );
    // A row dropped by the type filter is not scored, so it is not an error.
    let opts = ScoringOptions {
        types: vec![QuoteType::Indirect],
        ..options(SpeakerMatch::Mention)
    };
    assert!(score_article(&article(), &gold, &[], &Aliases::default(), &opts).is_ok());
}

#[test]
fn none_mode_ignores_speakers() {
    let gold = vec![row("premature", "Yuri Ushakov")];
    let pred = vec![row("premature", "Somebody Else")];
    assert_eq!(
        counts(
            &score(&gold, &pred, &options(SpeakerMatch::None)),
            Scheme::Exact
        )
        .cor,
        1
    );
}

#[test]
fn duplicated_prediction_is_credited_once() {
    let gold = vec![row("premature", "Yuri Ushakov")];
    let pred = vec![gold[0].clone(), gold[0].clone()];
    let s = score(&gold, &pred, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Exact), c(1, 2, 1, 0, 0, 1));
}

#[test]
fn alignment_is_optimal_not_greedy() {
    // Gold A = "the leak was designed", gold B = "leak was designed to disrupt talks".
    // Prediction p1 equals A exactly but names B's speaker; p2 overlaps A, names A's.
    // Greedy on sim takes (A, p1) as INC first; the optimum gives two CORs:
    // (A, p2) and (B, p1).
    let gold = vec![
        row("the leak was designed", "Kremlin"),
        row("leak was designed to disrupt talks", "Somebody"),
    ];
    let pred = vec![
        row("the leak was designed", "Somebody"),
        row("the leak was", "Kremlin"),
    ];
    let s = score(&gold, &pred, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Lenient), c(2, 2, 2, 0, 0, 0));
}

#[test]
fn missing_predictions_are_misses_and_extra_are_spurious() {
    let gold = gold_rows();
    let s = score(&gold, &[], &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Overlap), c(3, 0, 0, 0, 3, 0));
    let s = score(&[], &gold, &ScoringOptions::default());
    assert_eq!(counts(&s, Scheme::Overlap), c(0, 3, 0, 0, 0, 3));
    let agg = aggregate(
        &[score(&gold, &[], &ScoringOptions::default())],
        &ScoringOptions::default(),
    );
    assert_eq!(agg.scores.overlap.pair.p, None);
    assert_eq!(agg.scores.overlap.pair.r, Some(0.0));
    assert_eq!(agg.scores.overlap.pair.f1, None);
    assert_eq!(agg.scores.overlap.pair.f1_ci95, None);
    // Macro counts the undefined article as 0.
    assert_eq!(agg.scores.overlap.macro_pair_f1, Some(0.0));
}

#[test]
fn type_filter_drops_rows_and_ignores_overlapping_predictions() {
    let gold = gold_rows(); // direct, indirect, direct
    let opts = ScoringOptions {
        types: vec![QuoteType::Direct],
        ..ScoringOptions::default()
    };
    let pred = vec![
        gold[0].clone(),
        // Untyped prediction of the dropped indirect row: kept, SPU, overlaps → ignored.
        without_offsets(row("the leak was designed to disrupt talks", "Kremlin")),
        // Typed indirect prediction: dropped by the filter.
        gold[1].clone(),
        // Untyped spurious prediction overlapping nothing: counted SPU.
        row("said Donald Trump", "Donald Trump"),
    ];
    let s = score(&gold, &pred, &opts);
    assert_eq!(counts(&s, Scheme::Overlap), c(2, 2, 1, 0, 1, 1));
    assert_eq!(s.schemes.overlap.ignored, vec![1]);
    let pred_indices: Vec<Option<usize>> =
        s.schemes.overlap.outcomes.iter().map(|o| o.pred).collect();
    assert_eq!(pred_indices, vec![Some(0), None, Some(3)]);
    let gold_indices: Vec<Option<usize>> =
        s.schemes.overlap.outcomes.iter().map(|o| o.gold).collect();
    assert_eq!(gold_indices, vec![Some(0), Some(2), None]);
    // Per type: two direct gold rows, one COR; no kept prediction carries a type except
    // gold[0]'s copy, which has none (gold rows without type count as direct only as gold).
    let direct = s.schemes.overlap.by_type[QuoteType::Direct.index()];
    assert_eq!(direct.gold, 2);
    assert_eq!(direct.gold_cor, 1);
    assert_eq!(direct.pred, 0);
    let agg = aggregate(&[s], &opts);
    assert_eq!(
        agg.by_type.keys().copied().collect::<Vec<_>>(),
        vec![QuoteType::Direct]
    );
    assert_eq!(agg.by_type[&QuoteType::Direct].overlap.recall, Some(0.5));
    assert_eq!(agg.by_type[&QuoteType::Direct].overlap.precision, None);
}

#[test]
fn per_type_precision_uses_typed_predictions() {
    let gold = gold_rows();
    let pred = vec![
        with_type(gold[0].clone(), QuoteType::Direct),
        with_type(row("said Donald Trump", "x"), QuoteType::Direct),
        gold[1].clone(),
    ];
    let opts = ScoringOptions::default();
    let agg = aggregate(&[score(&gold, &pred, &opts)], &opts);
    let direct = agg.by_type[&QuoteType::Direct].overlap;
    assert_eq!(direct.precision, Some(0.5));
    assert_eq!(direct.recall, Some(0.5));
    let indirect = agg.by_type[&QuoteType::Indirect].overlap;
    assert_eq!(
        (indirect.recall, indirect.precision),
        (Some(1.0), Some(1.0))
    );
    assert!(!agg.by_type.contains_key(&QuoteType::Mixed));
}

#[test]
fn aggregate_sums_micro_and_averages_macro() {
    let gold = gold_rows();
    let opts = ScoringOptions::default();
    let perfect = score(&gold, &gold, &opts);
    let half = score(&gold[..2], &gold[..1], &opts); // p 1, r 0.5, f1 2/3
    let empty = score(&[], &[], &opts);
    let agg = aggregate(&[perfect, half, empty], &opts);
    let o = &agg.scores.overlap;
    assert_eq!(o.counts, c(5, 4, 4, 0, 1, 0));
    assert_eq!(o.pair.p, Some(1.0));
    assert_eq!(o.pair.r, Some(0.8));
    // The empty article is left out of the macro mean.
    assert!((o.macro_pair_f1.unwrap() - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    let [lo, hi] = o.pair.f1_ci95.unwrap();
    assert!(lo <= o.pair.f1.unwrap() && o.pair.f1.unwrap() <= hi + 1e-12);
}

/// Reads a schema-2 CSV for the seed test (the dataset loader lives elsewhere).
fn read_rows(path: &Path) -> Vec<Attribution> {
    let mut reader = csv::Reader::from_path(path).expect("gold.csv opens");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            let get = |name: &str| col(name).and_then(|i| r.get(i)).unwrap_or("").to_string();
            let num = |name: &str| get(name).parse::<usize>().ok();
            let span = |s: &str, e: &str| Some(Span::new(num(s)?, num(e)?));
            Attribution {
                article_id: get("article_id"),
                quote: get("quote"),
                speaker: get("speaker"),
                quote_span: span("start", "end"),
                quote_type: get("type").parse().ok(),
                mention_span: span("speaker_start", "speaker_end"),
                ..Attribution::default()
            }
        })
        .collect()
}

#[test]
fn seed_gold_scores_perfectly_against_itself() {
    let Some(dir) = crate::test_support::shared_data("seed") else {
        return;
    };
    let gold = read_rows(&dir.join("gold.csv"));
    let mut ids: Vec<&str> = gold.iter().map(|r| r.article_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    for mode in [
        SpeakerMatch::Name,
        SpeakerMatch::Mention,
        SpeakerMatch::None,
    ] {
        let opts = options(mode);
        let scorer = Scorer::new(&Aliases::default(), &opts);
        let mut scores = Vec::new();
        for id in &ids {
            let text = std::fs::read_to_string(dir.join("articles").join(format!("{id}.txt")))
                .expect("article");
            let article = Article::new(*id, text);
            let rows: Vec<Attribution> = gold
                .iter()
                .filter(|r| r.article_id == *id)
                .cloned()
                .collect();
            for r in &rows {
                if let Some(span) = r.quote_span {
                    assert_eq!(article.slice(span), Some(r.quote.as_str()));
                }
            }
            scores.push(
                scorer
                    .score_article(&article, &rows, &rows)
                    .expect("scores"),
            );
        }
        let agg = aggregate(&scores, &opts);
        for scheme in Scheme::ALL {
            let s = agg.scores.get(scheme);
            assert_eq!(s.counts.cor, gold.len() as u64, "{mode:?} {scheme:?}");
            assert_eq!(s.pair.f1, Some(1.0));
            assert_eq!(s.quote.f1, Some(1.0));
            assert_eq!(s.attribution_accuracy, Some(1.0));
            assert_eq!(s.macro_pair_f1, Some(1.0));
        }
        for per_scheme in agg.by_type.values() {
            assert_eq!(per_scheme.overlap.recall, Some(1.0));
        }
    }
}

// ---- properties ----

const WORDS: [&str; 6] = ["aa", "bb", "cc", "dd", "Éé", "ff"];
const SPEAKERS: [&str; 6] = [
    "Donald Trump",
    "Trump",
    "he",
    "",
    "Mr. Putin",
    "Vladimir Putin",
];

pub(super) fn prop_text() -> String {
    // A fixed text of words and punctuation, with non-ASCII characters.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(WORDS[(i * 7 + i / 3) % WORDS.len()]);
        text.push_str(if i % 5 == 4 { "”, “" } else { " " });
    }
    text
}

pub(super) fn arb_row() -> impl Strategy<Value = Attribution> {
    let len = prop_text().chars().count();
    (
        0..len,
        0usize..30,
        0..SPEAKERS.len(),
        prop::option::of(0usize..3),
        any::<bool>(),
        (0..len, 0usize..6),
    )
        .prop_map(
            move |(start, width, speaker, quote_type, offsets, (ms, mw))| {
                let text = prop_text();
                let chars: Vec<char> = text.chars().collect();
                let end = (start + width + 1).min(len);
                let quote: String = chars[start..end].iter().collect();
                Attribution {
                    article_id: "p".into(),
                    quote,
                    speaker: SPEAKERS[speaker].into(),
                    quote_span: offsets.then_some(Span::new(start, end)),
                    quote_type: quote_type.map(|t| QuoteType::ALL[t]),
                    mention_span: Some(Span::new(ms, (ms + mw).min(len))),
                    ..Attribution::default()
                }
            },
        )
}

pub(super) fn arb_options() -> impl Strategy<Value = ScoringOptions> {
    (
        0usize..3,
        prop::sample::subsequence(QuoteType::ALL.to_vec(), 1..=3),
        1u32..=10,
    )
        .prop_map(|(mode, types, tau)| ScoringOptions {
            speaker_match: [
                SpeakerMatch::Name,
                SpeakerMatch::Mention,
                SpeakerMatch::None,
            ][mode],
            types,
            overlap: tau as f64 / 10.0,
            ..ScoringOptions::default()
        })
}

fn prop_score(
    gold: &[Attribution],
    pred: &[Attribution],
    options: &ScoringOptions,
) -> ArticleScore {
    score_article(
        &Article::new("p", prop_text()),
        gold,
        pred,
        &Aliases::default(),
        options,
    )
    .expect("every gold row has mention offsets")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn shuffling_rows_never_changes_counts(
        gold in prop::collection::vec(arb_row(), 0..8),
        pred in prop::collection::vec(arb_row(), 0..8),
        options in arb_options(),
        seed in any::<u64>(),
    ) {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut gold2 = gold.clone();
        let mut pred2 = pred.clone();
        gold2.shuffle(&mut rng);
        pred2.shuffle(&mut rng);
        let a = prop_score(&gold, &pred, &options);
        let b = prop_score(&gold2, &pred2, &options);
        for scheme in Scheme::ALL {
            prop_assert_eq!(a.schemes.get(scheme).counts, b.schemes.get(scheme).counts);
            prop_assert_eq!(a.schemes.get(scheme).by_type, b.schemes.get(scheme).by_type);
        }
    }

    #[test]
    fn no_prediction_is_credited_twice(
        gold in prop::collection::vec(arb_row(), 0..10),
        pred in prop::collection::vec(arb_row(), 0..10),
        options in arb_options(),
    ) {
        let s = prop_score(&gold, &pred, &options);
        for scheme in Scheme::ALL {
            let sc = s.schemes.get(scheme);
            let c = sc.counts;
            prop_assert!(c.cor + c.inc <= c.gold.min(c.pred));
            prop_assert_eq!(c.cor + c.inc + c.mis, c.gold);
            prop_assert_eq!(c.cor + c.inc + c.spu, c.pred);
            let mut preds: Vec<usize> = sc.outcomes.iter().filter_map(|o| o.pred).collect();
            preds.extend(&sc.ignored);
            let n = preds.len();
            preds.sort();
            preds.dedup();
            prop_assert_eq!(preds.len(), n);
            let mut golds: Vec<usize> = sc.outcomes.iter().filter_map(|o| o.gold).collect();
            let n = golds.len();
            golds.sort();
            golds.dedup();
            prop_assert_eq!(golds.len(), n);
            prop_assert_eq!(n as u64, c.gold);
        }
        // The schemes' edges nest (exact ⊆ overlap ⊆ lenient) and COR is maximized
        // first, so COR nests too. (COR+INC need not: a looser scheme may trade a
        // wrong-speaker pair for a right-speaker one.)
        prop_assert!(s.schemes.exact.counts.cor <= s.schemes.overlap.counts.cor);
        prop_assert!(s.schemes.overlap.counts.cor <= s.schemes.lenient.counts.cor);
    }

    #[test]
    fn adding_a_correct_prediction_never_lowers_cor(
        gold in prop::collection::vec(arb_row(), 1..8),
        pred in prop::collection::vec(arb_row(), 0..8),
        options in arb_options(),
    ) {
        let before = prop_score(&gold, &pred, &options);
        for scheme in Scheme::ALL {
            let sc = before.schemes.get(scheme);
            let Some(missed) = sc.outcomes.iter().find(|o| o.kind == OutcomeKind::Mis) else {
                continue;
            };
            let g = missed.gold.expect("a miss names its gold row");
            let mut pred2 = pred.clone();
            pred2.push(gold[g].clone());
            let after = prop_score(&gold, &pred2, &options);
            let (old, new) = (sc.counts.cor, after.schemes.get(scheme).counts.cor);
            prop_assert!(new >= old);
            // The copy pairs with its gold row at sim 1 when it has alphanumerics, and
            // its speaker matches itself in name and none modes.
            let has_alnum = gold[g].quote.chars().any(char::is_alphanumeric);
            if has_alnum && options.speaker_match != SpeakerMatch::Mention {
                prop_assert!(new > old);
            }
        }
    }

    #[test]
    fn similarity_is_symmetric_and_in_range(a in arb_row(), b in arb_row()) {
        use super::reference::{Tokens, alnum_prefix, span_sim, token_sim};
        let mut prefix = Vec::new();
        alnum_prefix(&prop_text(), &mut prefix);
        let (sa, sb) = (a.quote_span.unwrap_or(Span::new(0, 3)), b.quote_span.unwrap_or(Span::new(2, 9)));
        let ab = span_sim(&prefix, (sa.start, sa.end), (sb.start, sb.end));
        let ba = span_sim(&prefix, (sb.start, sb.end), (sa.start, sa.end));
        prop_assert_eq!(ab, ba);
        prop_assert!(ab.num <= ab.den);
        let (ta, tb) = (Tokens::new(&a.quote), Tokens::new(&b.quote));
        let ab = token_sim(&ta, &tb);
        prop_assert_eq!(ab, token_sim(&tb, &ta));
        prop_assert!((0.0..=1.0).contains(&ab.as_f64()));
        prop_assert!(ab.num <= ab.den);
        prop_assert!(token_sim(&ta, &ta).is_exact() || ta.is_empty());
    }
}

/// Quote text for the fast-path checks: ASCII and non-ASCII words, tokens longer than
/// 16 bytes, ligatures and fullwidth letters that NFKC changes, punctuation.
fn arb_quote() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "we",
        "WE",
        "We",
        "will",
        "win",
        "ＷＥ",
        "ﬁne",
        "fine",
        "straße",
        "STRASSE",
        "José",
        "jose",
        "Müller",
        "²",
        "2",
        "1999",
        "“",
        "”",
        ", ",
        ". ",
        " ",
        "—",
        "internationalization",
        "INTERNATIONALIZATION",
        "abcdefghijklmnop",
        "abcdefghijklmnopq",
        "ABCDEFGHIJKLMNOPQ",
        "日本語",
        "\u{0301}",
        "e\u{0301}",
        "é",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.join(" "))
}

fn reference_score(
    article: &Article,
    gold: &[Attribution],
    pred: &[Attribution],
    options: &ScoringOptions,
) -> ArticleScore {
    super::reference::Reference::new(&Aliases::default(), options)
        .score(article, gold, pred)
        .expect("every gold row has mention offsets")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The fast scorer (sweep over sorted spans, counts over spans, interned tokens,
    /// reused buffers) gives exactly the scores of the straightforward one, outcomes and
    /// similarities included.
    #[test]
    fn fast_scorer_equals_reference(
        gold in prop::collection::vec(arb_row(), 0..10),
        pred in prop::collection::vec(arb_row(), 0..10),
        options in arb_options(),
        tau in prop::sample::select(vec![None, Some(0.0), Some(0.05), Some(1.0), Some(1.5)]),
    ) {
        let mut options = options;
        if let Some(tau) = tau {
            options.overlap = tau;
        }
        let article = Article::new("p", prop_text());
        let fast = score_article(&article, &gold, &pred, &Aliases::default(), &options)
            .expect("every gold row has mention offsets");
        prop_assert_eq!(fast, reference_score(&article, &gold, &pred, &options));
    }

    /// Span counts over a slice equal the reference's prefix counts, for any text:
    /// texts up to a few hundred bytes, so that spans cover whole 64-byte blocks and end
    /// both far from the end of the text and near it.
    #[test]
    fn span_counts_equal_prefix_counts(
        text in prop::collection::vec(arb_quote(), 1..5).prop_map(|q| q.join(" ")),
        a in 0usize..400,
        b in 0usize..400,
    ) {
        use super::counting::count_positions;
        use super::reference::alnum_prefix;
        let mut prefix = Vec::new();
        alnum_prefix(&text, &mut prefix);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let n = chars.len();
        let (start, end) = (a.min(b).min(n), a.max(b).min(n));
        let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
        prop_assert_eq!(
            count_positions(&text, byte(start)..byte(end)),
            (prefix[end] - prefix[start]) as u64
        );
    }

    /// Interned token ids give the reference's token similarity.
    #[test]
    fn interned_tokens_equal_reference_tokens(
        quotes in prop::collection::vec(arb_quote(), 1..6),
    ) {
        check_interned_tokens(&quotes)?;
    }

    /// The same for ASCII quotes long enough for tokens to straddle the 64-byte words
    /// of the tokenizer's bitmap and to end near the end of the quote (where the 16-byte
    /// load of a token falls back to copying). Digits and capitals test the `| 0x20`
    /// lowercasing; "é" forces the general path on the same words.
    #[test]
    fn ascii_tokens_equal_reference_tokens(
        quotes in prop::collection::vec("[a-zA-Z0-9]{0,20}([ ,.!'-]{1,3}[a-zA-Z0-9]{0,20}){0,12}", 1..6),
        accented in any::<bool>(),
    ) {
        let mut quotes = quotes;
        if accented {
            let extra = format!("{} é", quotes[0]);
            quotes.push(extra);
        }
        check_interned_tokens(&quotes)?;
    }
}

proptest! {
    /// Sorting by span first and in full only among equal spans gives the order of a
    /// full sort by the canonical order, then index, offsets from far out (a model's bad
    /// spans) included.
    #[test]
    fn canonical_sort_equals_the_full_sort(
        rows in prop::collection::vec(arb_row(), 0..40),
        repeats in prop::collection::vec(0usize..40, 0..10),
        far in prop::sample::select(vec![0usize, 1 << 20, 1 << 40, usize::MAX / 2]),
    ) {
        use super::rows::canonical_order;
        use super::scorer::sort_canonically;
        let mut rows = rows;
        for row in &mut rows {
            if let Some(span) = &mut row.quote_span {
                span.start += far;
                span.end += far;
            }
        }
        // Copies of rows, and copies with another speaker, make spans tie.
        for (k, &r) in repeats.iter().enumerate() {
            if let Some(row) = rows.get(r).cloned() {
                let mut copy = row.clone();
                if k % 2 == 1 {
                    copy.speaker = "Someone Else".into();
                }
                rows.push(copy);
            }
        }
        let mut expected: Vec<usize> = (0..rows.len()).rev().collect();
        expected.sort_unstable_by(|&a, &b| canonical_order(&rows[a], &rows[b]).then(a.cmp(&b)));
        let mut fast: Vec<usize> = (0..rows.len()).rev().collect();
        sort_canonically(&mut fast, &rows, &mut Default::default());
        prop_assert_eq!(fast, expected);
    }
}

fn check_interned_tokens(quotes: &[String]) -> Result<(), TestCaseError> {
    use super::counting::TokenInterner;
    use super::reference::{Tokens, multiset_common, token_sim};
    let mut interner = TokenInterner::default();
    let mut ids = Vec::new();
    let mut ranges = Vec::new();
    for q in quotes {
        let start = ids.len();
        interner.tokenize(q, &mut ids);
        ranges.push(start..ids.len());
    }
    for (i, a) in quotes.iter().enumerate() {
        for (j, b) in quotes.iter().enumerate() {
            let (ta, tb) = (Tokens::new(a), Tokens::new(b));
            let (ia, ib) = (&ids[ranges[i].clone()], &ids[ranges[j].clone()]);
            prop_assert_eq!(ia.len(), ta.len());
            let common = interner.common(ia, ib);
            let fast = Sim::from_counts(common, ia.len() as u64, ib.len() as u64);
            prop_assert_eq!(fast, token_sim(&ta, &tb));
        }
    }
    // A held multiset gives the same counts, and leaves `common` its zeroed counters.
    for (j, b) in quotes.iter().enumerate() {
        let ib = &ids[ranges[j].clone()];
        interner.hold(ib);
        for (i, a) in quotes.iter().enumerate() {
            let held = interner.common_with_held(&ids[ranges[i].clone()]);
            prop_assert_eq!(held, multiset_common(&Tokens::new(a), &Tokens::new(b)));
        }
        interner.release(ib);
        let ia = &ids[ranges[0].clone()];
        let (ta, tb) = (Tokens::new(&quotes[0]), Tokens::new(b));
        prop_assert_eq!(interner.common(ia, ib), multiset_common(&ta, &tb));
    }
    Ok(())
}

#[test]
fn fast_scorer_equals_reference_on_the_bench_corpus() {
    let options = ScoringOptions::default();
    for case in bench_corpus::corpus(300) {
        let fast = score_article(
            &case.article,
            &case.gold,
            &case.pred,
            &Aliases::default(),
            &options,
        )
        .expect("scores");
        assert_eq!(
            fast,
            reference_score(&case.article, &case.gold, &case.pred, &options)
        );
    }
}

#[path = "../../benches/support/scoring_corpus.rs"]
#[allow(dead_code)]
mod bench_corpus;
