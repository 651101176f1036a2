//! A training dataset split by article into the part trained on and a dev part held out
//! of it (`--hold-out K/N`), so that every choice made while building a model (epochs,
//! features, thresholds) is made on articles of the training set, and the dataset the
//! model is reported on is touched only to report. The held-out articles are those whose
//! id hashes to shard `K` of `N`, exactly the articles `run --shard K/N` scores, so the
//! dev figure can be reproduced with an ordinary run.

use crate::dataset::{Article, Dataset};
use crate::error::Result;
use crate::shard::{self, Shard, ShardSource};

/// Which articles of a dataset a stage reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    All,
    /// The articles of this shard: the dev part.
    HeldOut(Shard),
    /// Every article outside this shard: the part trained on.
    Rest(Shard),
}

impl Part {
    pub fn keeps(&self, article_id: &str) -> bool {
        match self {
            Part::All => true,
            Part::HeldOut(shard) => shard.holds(article_id),
            Part::Rest(shard) => !shard.holds(article_id),
        }
    }

    /// How the part is named in `train.json` and `linker.json`.
    pub fn describe(&self) -> String {
        match self {
            Part::All => "all articles".to_string(),
            Part::HeldOut(s) => format!(
                "articles in shard {}/{} ({})",
                s.index,
                s.count,
                shard::HASH
            ),
            Part::Rest(s) => format!(
                "articles outside shard {}/{} ({})",
                s.index,
                s.count,
                shard::HASH
            ),
        }
    }

    /// How many of the dataset's articles the part keeps.
    pub fn count(&self, dataset: &Dataset) -> usize {
        dataset
            .article_ids()
            .iter()
            .filter(|id| self.keeps(id))
            .count()
    }
}

/// The parts `train` and `dev` read: with `--hold-out K/N`, the training dataset's
/// articles outside shard `K` and those in it; without, all of both.
pub fn parts(hold_out: Option<&str>) -> Result<(Part, Part)> {
    match hold_out {
        None => Ok((Part::All, Part::All)),
        Some(text) => {
            let shard = shard::parse(text, ShardSource::Flag, format!("--hold-out {text}"))?;
            Ok((Part::Rest(shard.clone()), Part::HeldOut(shard)))
        }
    }
}

/// The articles of `part` in the dataset's order, read lazily.
pub fn articles<'a>(
    dataset: &'a Dataset,
    part: &'a Part,
) -> impl Iterator<Item = Result<Article>> + 'a {
    dataset
        .articles()
        .filter(move |article| article.as_ref().map_or(true, |a| part.keeps(&a.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_and_rest_split_the_articles_between_them_as_run_shard_does() {
        let (rest, held) = parts(Some("0/10")).unwrap();
        let ids: Vec<String> = (0..500).map(|i| format!("article-{i}")).collect();
        let run_shard = shard::parse("0/10", ShardSource::Flag, "--shard 0/10".into()).unwrap();
        let held_ids: Vec<&String> = ids.iter().filter(|id| held.keeps(id)).collect();
        for id in &ids {
            assert_ne!(
                rest.keeps(id),
                held.keeps(id),
                "{id} is in exactly one part"
            );
            assert_eq!(held.keeps(id), run_shard.holds(id));
        }
        // About a tenth, and neither part empty.
        assert!((30..=70).contains(&held_ids.len()), "{}", held_ids.len());
    }

    #[test]
    fn without_hold_out_both_parts_are_everything_and_a_bad_shard_is_a_usage_error() {
        let (train, dev) = parts(None).unwrap();
        assert!(train.keeps("x") && dev.keeps("x"));
        let error = parts(Some("10/10")).unwrap_err().to_string();
        assert!(error.contains("--hold-out 10/10"), "{error}");
    }
}
