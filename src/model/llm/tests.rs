//! Placement of reply rows; the HTTP side is tested against a local server in
//! tests/llm_model.rs.

use super::*;
use crate::model::task::GivenQuote;

fn row(quote: Option<&str>, id: Option<&str>, speaker: &str) -> ReplyRow {
    ReplyRow {
        quote: quote.map(str::to_string),
        quote_id: id.map(str::to_string),
        speaker: speaker.into(),
        ..ReplyRow::default()
    }
}

#[test]
fn extracted_rows_are_placed_by_their_quote_within_their_chunk() {
    let article = Article::new("a", "“Yes,” said Ann. Then: “Yes,” said Bob. «No»");
    let whole = Chunk {
        start: 0,
        end: article.char_len(),
    };
    let rows = [
        row(Some("Yes,"), None, "Ann"),
        row(Some("“Yes,”"), None, "Bob"),
        row(Some(" «No» "), None, "Cy"),
        row(Some("Maybe"), None, "Dee"),
        row(None, Some("q0"), "Eve"),
    ];
    let (placed, unplaced, dropped) = place_extracted(&article, whole, &rows);
    assert_eq!((unplaced, dropped), (1, 1));
    let spans: Vec<Option<Span>> = placed.iter().map(|r| r.quote_span).collect();
    assert_eq!(
        spans,
        [
            Some(Span::new(1, 5)),
            Some(Span::new(24, 28)),
            Some(Span::new(41, 43)),
            None
        ]
    );
    assert_eq!(placed[2].quote, "No");
    // A paraphrase keeps its words, to be scored by them.
    assert_eq!(
        (placed[3].quote.as_str(), placed[3].speaker.as_str()),
        ("Maybe", "Dee")
    );

    // In a later chunk, offsets count from the article's start.
    let tail = Chunk {
        start: 17,
        end: article.char_len(),
    };
    let (placed, _, _) = place_extracted(&article, tail, &rows[..1]);
    assert_eq!(placed[0].quote_span, Some(Span::new(24, 28)));
    assert_eq!(article.slice(Span::new(24, 28)), Some("Yes,"));
}

#[test]
fn answers_take_the_span_of_the_quote_they_name() {
    let article = Article::new("a", "“Hi,” he said. “Hi,” she said. “Go.”");
    let given = |i: usize, start: usize, end: usize| GivenQuote {
        quote_id: format!("q{i}"),
        start,
        end,
        quote: article.slice(Span::new(start, end)).unwrap().to_string(),
    };
    let request = SpeakersRequest {
        quotes: vec![given(0, 1, 4), given(1, 16, 19), given(2, 32, 35)],
        cast: Vec::new(),
    };
    let rows = [
        row(None, Some("q2"), "Ann"),
        row(Some("Hi,"), None, "Bob"),
        row(Some("\"Hi,\""), None, "Cy"),
        row(Some("Hi,"), None, "Dee"),
        row(None, Some("q9"), "Eve"),
    ];
    let (placed, dropped) = place_answers(&article, &request, &[0, 1, 2], &rows);
    let got: Vec<(Span, &str)> = placed
        .iter()
        .map(|r| (r.quote_span.unwrap(), r.speaker.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Span::new(32, 35), "Ann"),
            (Span::new(1, 4), "Bob"),
            (Span::new(16, 19), "Cy")
        ]
    );
    assert_eq!(dropped, 2, "a third `Hi,` and an unknown id answer nothing");
    // An id of a quote this request did not ask about is not taken.
    let (placed, dropped) = place_answers(&article, &request, &[0], &rows[..1]);
    assert!(placed.is_empty() && dropped == 1);
}

#[test]
fn chars_are_sliced_by_code_points() {
    assert_eq!(slice_chars("éaé b", Chunk { start: 1, end: 4 }), "aé ");
    assert_eq!(slice_chars("abc", Chunk { start: 3, end: 3 }), "");
}

#[test]
fn specs_name_the_model_after_its_id_and_refuse_bad_options_early() {
    use crate::model::{ModelKind, ModelSpec};
    let spec = ModelSpec::parse("llm:Qwen/Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1").unwrap();
    assert_eq!(spec.name, "Qwen-Qwen2.5-7B-Instruct");
    assert!(matches!(spec.kind, ModelKind::Llm(_)));
    let named = ModelSpec::parse("q=llm:m@http://h/v1?chunk=5").unwrap();
    assert_eq!(
        (named.name.as_str(), named.spec.as_str()),
        ("q", "llm:m@http://h/v1?chunk=5")
    );
    let err = ModelSpec::parse("llm:m@http://h/v1?tempreature=1").unwrap_err();
    assert!(err.to_string().contains("unknown option"), "{err}");
}

#[test]
fn the_config_hash_covers_templates_and_options_but_not_retries() {
    let dir = tempfile::tempdir().unwrap();
    let options = LlmOptions {
        cache: CacheMode::Off,
        cache_dir: dir.path().to_path_buf(),
        ..LlmOptions::default()
    };
    let hash = |rest: &str| {
        LlmModel::open("m", &format!("llm:{rest}"), rest, &options)
            .unwrap()
            .info()
            .config_hash
            .clone()
    };
    let template = dir.path().join("t.toml");
    std::fs::write(&template, "[extract]\nsystem = \"s\"\nuser = \"{text}\"\n").unwrap();
    let base = hash("m@http://h/v1");
    assert_eq!(base, hash("m@http://h/v1?retries=9&backoff=0.1"));
    for other in [
        "m@http://h/v1?temperature=0.5",
        "m@http://h/v1?chunk=100",
        "m@http://h/v2",
        "n@http://h/v1",
        &format!("m@http://h/v1?template={}", template.display()),
    ] {
        assert_ne!(base, hash(other), "{other}");
    }
    assert!(
        !dir.path().join("llm").exists(),
        "--no-cache writes nothing"
    );
    let missing = LlmModel::open(
        "m",
        "llm:x",
        "m@http://h/v1?template=/no/such.toml",
        &options,
    );
    assert!(matches!(missing, Err(Error::Usage(_))));
}
