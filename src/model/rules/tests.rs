use super::*;
use crate::attribution::Span;
use proptest::prelude::*;

fn rows(text: &str) -> Vec<Attribution> {
    Rules::new()
        .predict(&Article::new("t", text))
        .expect("the rules model answers every text")
}

/// The row whose quote is exactly `quote`.
fn row<'a>(rows: &'a [Attribution], quote: &str) -> &'a Attribution {
    rows.iter()
        .find(|r| r.quote == quote)
        .unwrap_or_else(|| panic!("no row for {quote:?} in {rows:#?}"))
}

/// `quote` of `text` is credited to `speaker` through the mention `mention`.
fn assert_said(text: &str, quote: &str, speaker: &str, mention: &str) {
    let rows = rows(text);
    let found = row(&rows, quote);
    assert_eq!(found.speaker, speaker, "{found:?}");
    assert_eq!(found.speaker_mention.as_deref(), Some(mention), "{found:?}");
}

#[test]
fn quote_then_speaker_then_cue() {
    let r = rows("“We will win,” Smith said.");
    let a = row(&r, "We will win,");
    assert_eq!(a.speaker, "Smith");
    assert_eq!(a.cue.as_deref(), Some("said"));
    assert_eq!(a.quote_type, Some(QuoteType::Direct));
    assert_eq!(a.quote_span, Some(Span::new(1, 13)));
    assert_eq!(a.speaker_mention.as_deref(), Some("Smith"));
    assert_eq!(a.mention_span, Some(Span::new(15, 20)));
}

#[test]
fn quote_then_cue_then_speaker() {
    let r = rows("Jane Doe spoke first. \"It is over,\" said Doe.");
    let a = row(&r, "It is over,");
    assert_eq!(a.speaker, "Jane Doe");
    assert_eq!(a.speaker_mention.as_deref(), Some("Doe"));
}

#[test]
fn speaker_cue_colon_quote() {
    let r = rows("Senator Mary Jones said: “The bill is dead.”");
    assert_eq!(row(&r, "The bill is dead.").speaker, "Mary Jones");
}

#[test]
fn mixed_closing_marks_and_apostrophes() {
    let text = "Yuri Ushakov spoke. \"It’s unlikely,” he said, adding that “Moscow’s view holds.\"";
    let r = rows(text);
    assert_eq!(row(&r, "It’s unlikely,").speaker, "Yuri Ushakov");
    let b = row(&r, "Moscow’s view holds.");
    assert_eq!(b.speaker, "Yuri Ushakov");
    assert_eq!(b.cue.as_deref(), Some("adding"));
    assert_eq!(b.speaker_mention.as_deref(), Some("he"));
}

#[test]
fn said_that_gives_an_indirect_row() {
    let r = rows("Trump said that the plan had been fine-tuned, despite pressure.");
    let a = row(&r, "the plan had been fine-tuned");
    assert_eq!(a.quote_type, Some(QuoteType::Indirect));
    assert_eq!(a.speaker, "Trump");
}

#[test]
fn quoted_fragment_inside_indirect_speech_is_direct() {
    let r = rows(
        "Ushakov said the leak was meant to disrupt talks and stressed it was “premature” to hope.",
    );
    assert_eq!(row(&r, "premature").quote_type, Some(QuoteType::Direct));
    assert_eq!(row(&r, "premature").speaker, "Ushakov");
    assert_eq!(
        row(&r, "the leak was meant to disrupt talks").quote_type,
        Some(QuoteType::Indirect)
    );
}

#[test]
fn according_to_names_the_speaker() {
    let r = rows("The talks will resume next week, according to Dmitry Peskov.");
    let a = row(&r, "The talks will resume next week");
    assert_eq!(a.speaker, "Dmitry Peskov");
    assert_eq!(a.quote_type, Some(QuoteType::Indirect));
}

#[test]
fn participle_describing_takes_the_main_subject() {
    let r =
        rows("Describing the approach as “a standard form of negotiation,” Trump played it down.");
    assert_eq!(row(&r, "a standard form of negotiation,").speaker, "Trump");
    let r = rows("Ushakov added, calling the publication “unacceptable.”");
    assert_eq!(row(&r, "unacceptable.").speaker, "Ushakov");
}

#[test]
fn apposition_describing_it_as() {
    let r = rows("Steven Cheung, describing it as “bullshit,” left the room.");
    assert_eq!(row(&r, "bullshit,").speaker, "Steven Cheung");
}

#[test]
fn embedded_post_signed_with_handle() {
    let text = "He posted this.\nThe closer we get to peace the more desperate they become. https://t.co/x\n— Kirill Dmitriev (@kadmitriev) November 25, 2025\n";
    assert_said(
        text,
        "The closer we get to peace the more desperate they become.",
        "Kirill Dmitriev",
        "Kirill Dmitriev",
    );
}

#[test]
fn title_description_resolves_through_apposition() {
    let text = "President Donald Trump spoke on Monday. Later, the president described the plan as “a concept.”";
    assert_said(text, "a concept.", "Donald Trump", "the president");
}

#[test]
fn surname_resolves_to_the_fullest_name() {
    let text = "Russian adviser Yuri Ushakov met envoys. “It is fake,” Ushakov said.";
    assert_eq!(row(&rows(text), "It is fake,").speaker, "Yuri Ushakov");
}

#[test]
fn pronoun_resolves_to_the_recent_subject() {
    let text = "Kremlin spokesperson Dmitry Peskov met reporters on Monday. “It’s premature to say so,” he stressed.";
    assert_said(text, "It’s premature to say so,", "Dmitry Peskov", "he");
}

#[test]
fn she_skips_a_male_antecedent() {
    let text = "Hillary Clinton answered Donald Trump. “That is false,” she said.";
    assert_eq!(
        row(&rows(text), "That is false,").speaker,
        "Hillary Clinton"
    );
}

#[test]
fn multi_paragraph_quote_shares_its_speaker() {
    let text = "Caddell continued:\n\n“The first part runs on.\n\n“The second part ends here.”\n";
    let r = rows(text);
    assert_eq!(row(&r, "The first part runs on.").speaker, "Caddell");
    assert_eq!(row(&r, "The second part ends here.").speaker, "Caddell");
}

#[test]
fn unbalanced_mark_costs_one_quote_only() {
    let text =
        "Smith said \"this never closes.\nThen “Here it is,” Jones said. “And more,” Smith said.";
    let r = rows(text);
    assert_eq!(row(&r, "Here it is,").speaker, "Jones");
    assert_eq!(row(&r, "And more,").speaker, "Smith");
}

#[test]
fn every_offset_matches_its_text() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/seed/articles/kremlin-leaked-call-2025-11-26.txt"),
    )
    .expect("the seed article ships with the crate");
    let article = Article::new("seed", text);
    let r = Rules::new().predict(&article).unwrap();
    assert!(r.len() >= 30, "{} rows", r.len());
    for row in &r {
        assert!(
            row.quote_span.is_some() && row.mention_span.is_some(),
            "{row:?}"
        );
        assert_eq!(crate::dataset::span_problems(row, &article), []);
    }
}

#[test]
fn info_names_the_model() {
    let rules = Rules::new();
    let info = rules.info();
    assert_eq!(
        (
            info.spec.as_str(),
            info.name.as_str(),
            info.version.as_str()
        ),
        ("rules", "rules", VERSION)
    );
    assert!(!info.config_hash.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_offsets_stay_valid(
        text in proptest::collection::vec(
            prop_oneof![
                Just("\"".to_string()), Just("“".to_string()), Just("”".to_string()),
                Just("‘".to_string()), Just("’".to_string()), Just("'".to_string()),
                Just("''".to_string()), Just("«".to_string()), Just("»".to_string()),
                Just("„".to_string()), Just(" said ".to_string()), Just(" he ".to_string()),
                Just("\n".to_string()), Just(". ".to_string()), Just(", ".to_string()),
                Just(": ".to_string()), Just("— Ann Lee (@ann) ".to_string()),
                Just("Mr. ".to_string()), Just("according to ".to_string()),
                Just(" that ".to_string()), Just("President Jo Smith".to_string()),
                "\\PC{0,12}",
            ],
            0..40,
        ).prop_map(|parts| parts.concat())
    ) {
        let article = Article::new("p", text);
        let rules = Rules::new();
        // `find` directly: `predict` would turn a panic into an error and hide it.
        let _ = rules.find(&article.text);
        let r = rules.predict(&article).expect("no error on any text");
        for row in &r {
            prop_assert_eq!(article.slice(row.quote_span.unwrap()), Some(row.quote.as_str()));
            prop_assert_eq!(article.slice(row.mention_span.unwrap()), row.speaker_mention.as_deref());
        }
    }
}
