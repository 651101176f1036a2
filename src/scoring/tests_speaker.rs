//! Speakers in `name` mode (docs/scoring.md#speaker-matching-name): scale, the cast, and the
//! oracle's agreement.

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

const TEXT: &str = "“Come in,” said Mrs. Beaver. “Thank you,” said Mr. Beaver. “Well,” said Emma.";

fn at(quote: &str, speaker: &str) -> Attribution {
    super::tests::located_row(TEXT, quote, speaker)
}

fn entry(article: Option<&str>, name: &str, alias: &str) -> crate::dataset::AliasEntry {
    crate::dataset::AliasEntry {
        article_id: article.map(str::to_string),
        name: name.into(),
        alias: alias.into(),
    }
}

fn beavers() -> Aliases {
    Aliases {
        entries: vec![
            entry(None, "Mrs. Beaver", "Mrs Beaver"),
            entry(None, "John Beaver", "Mr. Beaver"),
            entry(None, "Emma Woodhouse", "Miss Woodhouse"),
            entry(None, "Emma Woodhouse", "Emma"),
            entry(Some("a2"), "Emma Knightley", "Emma"),
        ],
    }
}

/// COR under `overlap` of one gold row against one prediction of the same quote.
fn cor(aliases: &Aliases, article_id: &str, gold: &str, pred: &str) -> bool {
    let article = Article::new(article_id, TEXT);
    let (g, p) = (at("Come in,", gold), at("Come in,", pred));
    let s =
        score_article(&article, &[g], &[p], aliases, &ScoringOptions::default()).expect("scores");
    let c = s.schemes.overlap.counts;
    assert_eq!(c.cor + c.inc, 1);
    let oracle = super::reference::Reference::new(aliases, &ScoringOptions::default())
        .score(&article, &[at("Come in,", gold)], &[at("Come in,", pred)])
        .expect("scores");
    assert_eq!(s, oracle, "{gold:?} vs {pred:?}");
    c.cor == 1
}

#[test]
fn two_cast_members_sharing_a_surname_are_two_people() {
    let cast = beavers();
    assert!(!cor(&cast, "a1", "Mrs. Beaver", "John Beaver"));
    assert!(!cor(&cast, "a1", "Mrs Beaver", "Mr. Beaver"));
    // Without the cast, the short lists "beaver" and "john beaver" match.
    assert!(cor(&Aliases::default(), "a1", "Mrs. Beaver", "John Beaver"));
}

#[test]
fn titles_added_or_dropped() {
    let cast = beavers();
    // "Mr Beaver" is Mr. Beaver's alias up to punctuation: John Beaver.
    assert!(cor(&cast, "a1", "John Beaver", "Mr Beaver"));
    // A title the cast does not list: "Dr. John Beaver" (short "john beaver") resolves
    // by step 2 to John Beaver.
    assert!(cor(&cast, "a1", "John Beaver", "Dr. John Beaver"));
    // Title dropped on an unlisted speaker, no cast: short lists equal.
    assert!(cor(&Aliases::default(), "a1", "Dr. Jekyll", "Jekyll"));
    assert!(cor(&Aliases::default(), "a1", "Jekyll", "Mr. Jekyll"));
}

#[test]
fn an_ambiguous_surname_does_not_resolve() {
    let cast = beavers();
    // "Beaver" is the short list of both Mrs. Beaver's and Mr. Beaver's rows: it does
    // not resolve, so each side is compared by short lists: "beaver" is a subset of
    // "john beaver" and equals Mrs. Beaver's short list "beaver".
    assert!(cor(&cast, "a1", "Beaver", "John Beaver"));
    assert!(cor(&cast, "a1", "Mrs. Beaver", "Beaver"));
    assert!(cor(&cast, "a1", "Beaver", "Beaver"));
    // Unresolved speakers still differ by last token.
    assert!(!cor(&cast, "a1", "Beaver", "Emma"));
}

#[test]
fn an_article_alias_comes_before_a_star_alias() {
    let cast = beavers();
    // In a1, "Emma" is Emma Woodhouse (`*` rows); in a2 the article's own row makes her
    // Emma Knightley.
    assert!(cor(&cast, "a1", "Emma Woodhouse", "Emma"));
    assert!(!cor(&cast, "a2", "Emma Woodhouse", "Emma"));
    assert!(cor(&cast, "a2", "Emma Knightley", "Emma"));
    // "Miss Woodhouse" is offered only by a `*` row, in every article.
    assert!(cor(&cast, "a2", "Emma Woodhouse", "Miss Woodhouse"));
    // Empty speakers match only each other, cast or not.
    assert!(cor(&cast, "a2", "", ""));
    assert!(!cor(&cast, "a2", "", "Emma"));
}

// ---- properties with a cast ----

use proptest::prelude::*;

const POOL: [&str; 20] = [
    "Mrs. Beaver",
    "John Beaver",
    "Beaver",
    "Mr Beaver",
    "Beaver's",
    "the Kremlin",
    "Kremlin",
    "Dmitry Peskov",
    "Peskov",
    "",
    "he",
    "Emma",
    "Miss Woodhouse",
    "EMMA Woodhouse",
    "Woodhouse",
    "Mr. Woodhouse",
    "Donald Trump",
    "Trump",
    "S",
    "Dr. S's",
];

fn arb_aliases() -> impl Strategy<Value = Aliases> {
    let row = (0usize..3, 0..POOL.len(), 0..POOL.len())
        .prop_map(|(a, n, al)| entry([None, Some("p"), Some("q")][a], POOL[n], POOL[al]));
    prop::collection::vec(row, 0..8).prop_map(|entries| Aliases { entries })
}

fn arb_cast_row() -> impl Strategy<Value = Attribution> {
    use crate::attribution::MentionType;
    (
        super::tests::arb_row(),
        0..POOL.len(),
        prop::option::of(0usize..3),
    )
        .prop_map(|(mut row, s, m)| {
            row.speaker = POOL[s].into();
            row.mention_type = m.map(|m| MentionType::ALL[m]);
            row
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The scorer's indexed cast resolves and compares as the oracle's scan of rows.
    #[test]
    fn cast_equals_the_reference_cast(
        aliases in arb_aliases(),
        article in prop::sample::select(vec!["p", "q", "r"]),
        a in 0..POOL.len(),
        b in 0..POOL.len(),
    ) {
        use super::reference::{RefCast, ref_full_list};
        let (cast, oracle) = (Cast::new(&aliases), RefCast::new(&aliases));
        let resolved = cast.resolve(article, POOL[a]).map(ref_full_list);
        prop_assert_eq!(resolved, oracle.resolve(article, POOL[a]));
        prop_assert_eq!(
            cast.speakers_match(article, POOL[a], POOL[b]),
            oracle.matches(article, POOL[a], POOL[b])
        );
        // Matching is symmetric, and a speaker matches itself.
        prop_assert_eq!(
            cast.speakers_match(article, POOL[a], POOL[b]),
            cast.speakers_match(article, POOL[b], POOL[a])
        );
        prop_assert!(cast.speakers_match(article, POOL[a], POOL[a]));
    }

    /// Whole articles scored with a cast: the fast scorer equals the oracle.
    #[test]
    fn fast_scorer_equals_reference_with_aliases(
        gold in prop::collection::vec(arb_cast_row(), 0..10),
        pred in prop::collection::vec(arb_cast_row(), 0..10),
        aliases in arb_aliases(),
        options in super::tests::arb_options(),
    ) {
        let article = Article::new("p", super::tests::prop_text());
        let fast = score_article(&article, &gold, &pred, &aliases, &options)
            .expect("every gold row has mention offsets");
        let oracle = super::reference::Reference::new(&aliases, &options)
            .score(&article, &gold, &pred)
            .expect("every gold row has mention offsets");
        prop_assert_eq!(fast, oracle);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Copies of gold spans among the predictions (some of them without an alphanumeric character,
    /// the equal-span exception of docs/scoring.md#similarity), under every option: the fast scorer
    /// equals the oracle.
    #[test]
    fn fast_scorer_equals_reference_on_copied_spans(
        gold in prop::collection::vec(super::tests::arb_row(), 1..8),
        pred in prop::collection::vec(super::tests::arb_row(), 0..6),
        copies in prop::collection::vec((0usize..8, 0..POOL.len()), 0..6),
        narrow in prop::collection::vec(0usize..120, 0..4),
        options in super::tests::arb_options(),
    ) {
        let text = super::tests::prop_text();
        let chars: Vec<char> = text.chars().collect();
        let mut gold = gold;
        // One-character gold quotes: often a space or a quotation mark.
        for &start in &narrow {
            let start = start % chars.len();
            let mut row = gold[0].clone();
            row.quote = chars[start].to_string();
            row.quote_span = Some(Span::new(start, start + 1));
            gold.push(row);
        }
        let mut pred = pred;
        for &(g, s) in &copies {
            let mut row = gold[g % gold.len()].clone();
            row.speaker = POOL[s].into();
            pred.push(row);
        }
        let article = Article::new("p", text);
        let fast = score_article(&article, &gold, &pred, &Aliases::default(), &options)
            .expect("every gold row has mention offsets");
        let oracle = super::reference::Reference::new(&Aliases::default(), &options)
            .score(&article, &gold, &pred)
            .expect("every gold row has mention offsets");
        prop_assert_eq!(fast, oracle);
    }
}

#[test]
fn recall_is_broken_down_by_gold_mention_type() {
    use crate::attribution::MentionType;
    let with = |mut r: Attribution, m: Option<MentionType>| {
        r.mention_type = m;
        r
    };
    let gold = vec![
        with(at("Come in,", "Mrs. Beaver"), Some(MentionType::Explicit)),
        with(at("Thank you,", "Mr. Beaver"), Some(MentionType::Explicit)),
        with(at("Well,", "Emma"), Some(MentionType::Implicit)),
    ];
    let pred = vec![
        at("Come in,", "Mrs. Beaver"),
        at("Thank you,", "Emma"),
        at("Well,", "Emma"),
    ];
    let article = Article::new("a1", TEXT);
    let opts = ScoringOptions::default();
    let s = score_article(&article, &gold, &pred, &Aliases::default(), &opts).expect("scores");
    let m = s.schemes.overlap.by_mention_type;
    assert_eq!(
        m[MentionType::Explicit.index()],
        MentionCounts { gold: 2, cor: 1 }
    );
    assert_eq!(m[MentionType::Anaphoric.index()], MentionCounts::default());
    assert_eq!(
        m[MentionType::Implicit.index()],
        MentionCounts { gold: 1, cor: 1 }
    );
    let agg = aggregate(std::slice::from_ref(&s), &opts);
    assert_eq!(agg.by_mention_type.len(), 2);
    assert_eq!(
        agg.by_mention_type[&MentionType::Explicit].overlap.recall,
        Some(0.5)
    );
    assert_eq!(
        agg.by_mention_type[&MentionType::Implicit].exact.recall,
        Some(1.0)
    );
    // Without the column, no breakdown, and the article's score serializes as before.
    let plain: Vec<Attribution> = gold.iter().map(|r| with(r.clone(), None)).collect();
    let s = score_article(&article, &plain, &pred, &Aliases::default(), &opts).expect("scores");
    assert!(
        aggregate(std::slice::from_ref(&s), &opts)
            .by_mention_type
            .is_empty()
    );
    let json = serde_json::to_string(&s).expect("serializes");
    assert!(!json.contains("by_mention_type"), "{json}");

    // The confusion of the INC outcome, names as written when nothing resolves.
    let s = score_article(&article, &gold, &pred, &Aliases::default(), &opts).expect("scores");
    let mut confusion = SpeakerConfusion::default();
    confusion.add_outcomes(
        &Cast::default(),
        "a1",
        &s.schemes.overlap.outcomes,
        &gold,
        &pred,
    );
    assert_eq!(
        confusion.top(CONFUSION_LIMIT),
        [ConfusionPair {
            gold: "Mr. Beaver".into(),
            pred: "Emma".into(),
            count: 1
        }]
    );
}
