//! The synthetic scoring corpus of issue 2, shared by `benches/scoring.rs` and
//! `examples/scoring_throughput.rs`: articles with 30 gold and 30 predicted rows each.
//!
//! The predictions are what models get wrong in practice: exact copies, spans shifted by
//! a few words, wrong speakers, surnames and titles instead of full names, rows without
//! offsets, missed quotes replaced by spurious ones.

use attr_eval::dataset::Article;
use attr_eval::{Attribution, QuoteType, Span};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const ARTICLES: usize = 10_000;
const ROWS: usize = 30;

const WORDS: [&str; 24] = [
    "the",
    "talks",
    "peace",
    "will",
    "continue",
    "we",
    "cannot",
    "accept",
    "leak",
    "designed",
    "to",
    "disrupt",
    "ongoing",
    "discussions",
    "premature",
    "relations",
    "improve",
    "Ukraine",
    "Russia",
    "agreement",
    "never",
    "said",
    "government",
    "plan",
];
const SPEAKERS: [&str; 8] = [
    "Yuri Ushakov",
    "Donald Trump",
    "Dmitry Peskov",
    "Volodymyr Zelensky",
    "Steve Witkoff",
    "Marco Rubio",
    "Kaja Kallas",
    "Sergei Lavrov",
];

pub struct Case {
    pub article: Article,
    pub gold: Vec<Attribution>,
    pub pred: Vec<Attribution>,
}

/// Appends `s` and returns its span in code points.
fn push(text: &mut String, len: &mut usize, s: &str) -> Span {
    let start = *len;
    text.push_str(s);
    *len += s.chars().count();
    Span::new(start, *len)
}

fn words(rng: &mut ChaCha8Rng, range: std::ops::Range<usize>) -> String {
    let n = rng.gen_range(range);
    (0..n)
        .map(|_| *WORDS.choose(rng).expect("non-empty"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn case(rng: &mut ChaCha8Rng, id: usize) -> Case {
    let article_id = format!("a{id:05}");
    let mut text = String::new();
    let mut len = 0;
    let mut gold = Vec::with_capacity(ROWS);
    for _ in 0..ROWS {
        let speaker = *SPEAKERS.choose(rng).expect("non-empty");
        let filler = words(rng, 5..20);
        push(&mut text, &mut len, &format!("{filler}. "));
        let mention = push(&mut text, &mut len, speaker);
        let quote_type = match rng.gen_range(0..10) {
            0..=5 => QuoteType::Direct,
            6..=8 => QuoteType::Indirect,
            _ => QuoteType::Mixed,
        };
        let quote = words(rng, 4..25);
        let span = if quote_type == QuoteType::Direct {
            push(&mut text, &mut len, " said, “");
            let span = push(&mut text, &mut len, &quote);
            push(&mut text, &mut len, ".” ");
            span
        } else {
            push(&mut text, &mut len, " said that ");
            let span = push(&mut text, &mut len, &quote);
            push(&mut text, &mut len, ". ");
            span
        };
        gold.push(Attribution {
            article_id: article_id.clone(),
            quote,
            speaker: speaker.to_string(),
            quote_span: Some(span),
            quote_type: Some(quote_type),
            speaker_mention: Some(speaker.to_string()),
            mention_span: Some(mention),
            ..Attribution::default()
        });
    }
    let article = Article::new(article_id.clone(), text);
    let chars: Vec<char> = article.text.chars().collect();
    let slice = |span: Span| chars[span.start..span.end].iter().collect::<String>();

    let mut pred = Vec::with_capacity(ROWS);
    for g in &gold {
        let mut p = g.clone();
        p.quote_type = None;
        match rng.gen_range(0..100) {
            0..=54 => {}
            55..=69 => {
                // Shifted span: a few characters off at either end.
                let span = g.quote_span.expect("gold has offsets");
                let start = (span.start as i64 + rng.gen_range(-6..=6)).max(0) as usize;
                let end = (span.end as i64 + rng.gen_range(-6..=6)).max(start as i64 + 1) as usize;
                let end = end.min(chars.len());
                p.quote_span = Some(Span::new(start, end));
                p.quote = slice(Span::new(start, end));
            }
            70..=79 => p.speaker = SPEAKERS.choose(rng).expect("non-empty").to_string(),
            80..=84 => {
                let surname = g.speaker.split(' ').next_back().expect("a name");
                p.speaker = format!("Mr. {surname}'s");
            }
            85..=89 => p.quote_span = None,
            _ => {
                // Missed; a spurious row elsewhere instead.
                let start = rng.gen_range(0..chars.len() - 40);
                let span = Span::new(start, start + rng.gen_range(10..40));
                p.quote_span = Some(span);
                p.quote = slice(span);
            }
        }
        pred.push(p);
    }
    pred.shuffle(rng);
    Case {
        article,
        gold,
        pred,
    }
}

/// `articles` cases from the fixed seed of the benchmark.
pub fn corpus(articles: usize) -> Vec<Case> {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    (0..articles).map(|i| case(&mut rng, i)).collect()
}
