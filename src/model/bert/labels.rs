//! The label set a `bert:` model must have: BIO tags over the three PolNeAR layers.

use serde_json::Value;
use std::fmt;

/// An attribution layer of PolNeAR: who speaks, the cue word, what is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Source,
    Cue,
    Content,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Source, Layer::Cue, Layer::Content];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Source => "SOURCE",
            Layer::Cue => "CUE",
            Layer::Content => "CONTENT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    Outside,
    Begin(Layer),
    Inside(Layer),
}

impl Tag {
    /// The layer a `B-` or `I-` tag marks; `None` for `O`.
    pub fn layer(self) -> Option<Layer> {
        match self {
            Tag::Outside => None,
            Tag::Begin(layer) | Tag::Inside(layer) => Some(layer),
        }
    }

    /// Reads `O`, `B-LAYER` or `I-LAYER` (case-insensitive); `None` for anything else.
    pub fn parse(label: &str) -> Option<Tag> {
        let label = label.trim();
        if label.eq_ignore_ascii_case("O") {
            return Some(Tag::Outside);
        }
        let (prefix, layer) = label.split_once('-')?;
        let layer = Layer::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(layer))?;
        if prefix.eq_ignore_ascii_case("B") {
            Some(Tag::Begin(layer))
        } else if prefix.eq_ignore_ascii_case("I") {
            Some(Tag::Inside(layer))
        } else {
            None
        }
    }

    /// Every tag a model must predict, in a fixed order.
    pub fn all() -> Vec<Tag> {
        std::iter::once(Tag::Outside)
            .chain(
                Layer::ALL
                    .into_iter()
                    .flat_map(|l| [Tag::Begin(l), Tag::Inside(l)]),
            )
            .collect()
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tag::Outside => f.write_str("O"),
            Tag::Begin(l) => write!(f, "B-{}", l.as_str()),
            Tag::Inside(l) => write!(f, "I-{}", l.as_str()),
        }
    }
}

/// The model's classes in output order: `tags[i]` is what logit `i` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSet {
    tags: Vec<Tag>,
}

impl LabelSet {
    /// The probability that a token is part of a SOURCE (`B-` or `I-`), from its
    /// probabilities in class order.
    pub fn source_probability(&self, probabilities: &[f32]) -> f32 {
        self.tags
            .iter()
            .zip(probabilities)
            .filter(|(tag, _)| tag.layer() == Some(Layer::Source))
            .map(|(_, p)| p)
            .sum()
    }

    /// Reads `id2label` of a Hugging Face `config.json`.
    ///
    /// The ids must be exactly `0..n` (they index the classifier's outputs) and the labels
    /// exactly the seven BIO tags over SOURCE, CUE and CONTENT: a model trained on other
    /// labels would silently produce nonsense rows, so it is refused.
    pub fn from_config(config: &Value) -> Result<LabelSet, String> {
        let expected = Tag::all()
            .iter()
            .map(Tag::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let Some(id2label) = config.get("id2label") else {
            return Err(format!(
                "config.json has no `id2label`: a bert: model must be a token-classification \
                 model whose labels are {expected}"
            ));
        };
        let Some(map) = id2label.as_object() else {
            return Err("config.json `id2label` must be an object of id → label".into());
        };
        let mut slots: Vec<Option<Tag>> = vec![None; map.len()];
        let mut unknown = Vec::new();
        for (key, value) in map {
            let id: usize = key.trim().parse().map_err(|_| {
                format!("config.json `id2label` has the key `{key}`, which is not a class id")
            })?;
            let Some(slot) = slots.get_mut(id) else {
                return Err(format!(
                    "config.json `id2label` ids must be 0..{} without gaps; found id {id}",
                    map.len()
                ));
            };
            let label = value.as_str().unwrap_or_default();
            match Tag::parse(label) {
                Some(tag) => *slot = Some(tag),
                None => unknown.push(format!("{id}: {value}")),
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "config.json `id2label` has labels that are not BIO tags over SOURCE, CUE and \
                 CONTENT ({}); expected exactly {expected}",
                unknown.join(", ")
            ));
        }
        let tags: Vec<Tag> = slots.into_iter().flatten().collect();
        let missing: Vec<String> = Tag::all()
            .into_iter()
            .filter(|t| !tags.contains(t))
            .map(|t| t.to_string())
            .collect();
        if !missing.is_empty() || tags.len() != Tag::all().len() {
            let got = tags.iter().map(Tag::to_string).collect::<Vec<_>>();
            return Err(format!(
                "config.json `id2label` must hold each of {expected} once; got [{}]{}",
                got.join(", "),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(", missing {}", missing.join(", "))
                }
            ));
        }
        Ok(LabelSet { tags })
    }

    pub fn len(&self) -> usize {
        self.tags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The tag of class `id`; callers index with the classifier's argmax.
    pub fn tag(&self, id: usize) -> Option<Tag> {
        self.tags.get(id).copied()
    }

    /// The class id of a tag, for building test models and label maps.
    pub fn id(&self, tag: Tag) -> Option<usize> {
        self.tags.iter().position(|t| *t == tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn standard() -> Value {
        json!({"id2label": {"0": "O", "1": "B-SOURCE", "2": "I-SOURCE", "3": "B-CUE",
            "4": "I-CUE", "5": "B-CONTENT", "6": "I-CONTENT"}})
    }

    #[test]
    fn source_probability_adds_begin_and_inside_whatever_the_class_order() {
        let labels = LabelSet::from_config(&serde_json::json!({"id2label": {
            "0": "I-SOURCE", "1": "O", "2": "B-CUE", "3": "I-CUE", "4": "B-SOURCE",
            "5": "B-CONTENT", "6": "I-CONTENT"}}))
        .unwrap();
        let probabilities = [0.25, 0.1, 0.05, 0.05, 0.5, 0.05, 0.0];
        assert_eq!(labels.source_probability(&probabilities), 0.75);
    }

    #[test]
    fn reads_the_standard_label_set_in_id_order() {
        let labels = LabelSet::from_config(&standard()).unwrap();
        assert_eq!(labels.len(), 7);
        assert_eq!(labels.tag(0), Some(Tag::Outside));
        assert_eq!(labels.tag(5), Some(Tag::Begin(Layer::Content)));
        assert_eq!(labels.tag(7), None);
        assert_eq!(labels.id(Tag::Inside(Layer::Cue)), Some(4));
    }

    #[test]
    fn any_id_order_and_case_is_accepted() {
        let config = json!({"id2label": {"6": "o", "0": "i-content", "1": "B-Content",
            "2": "b-cue", "3": "I-CUE", "4": "B-SOURCE", "5": "I-SOURCE"}});
        let labels = LabelSet::from_config(&config).unwrap();
        assert_eq!(labels.tag(6), Some(Tag::Outside));
        assert_eq!(labels.tag(0), Some(Tag::Inside(Layer::Content)));
    }

    #[test]
    fn ner_labels_are_refused_with_the_expected_set_named() {
        let config = json!({"id2label": {"0": "O", "1": "B-PER", "2": "I-PER"}});
        let err = LabelSet::from_config(&config).unwrap_err();
        assert!(err.contains("B-PER"), "{err}");
        assert!(err.contains("B-SOURCE, I-SOURCE"), "{err}");
    }

    #[test]
    fn missing_tags_duplicates_and_gaps_are_refused() {
        let missing = json!({"id2label": {"0": "O", "1": "B-SOURCE", "2": "I-SOURCE",
            "3": "B-CUE", "4": "I-CUE", "5": "B-CONTENT"}});
        let err = LabelSet::from_config(&missing).unwrap_err();
        assert!(err.contains("missing I-CONTENT"), "{err}");

        let duplicate = json!({"id2label": {"0": "O", "1": "B-SOURCE", "2": "I-SOURCE",
            "3": "B-CUE", "4": "I-CUE", "5": "B-CONTENT", "6": "I-CONTENT", "7": "O"}});
        assert!(LabelSet::from_config(&duplicate).is_err());

        let gap = json!({"id2label": {"0": "O", "1": "B-SOURCE", "2": "I-SOURCE",
            "3": "B-CUE", "4": "I-CUE", "5": "B-CONTENT", "9": "I-CONTENT"}});
        let err = LabelSet::from_config(&gap).unwrap_err();
        assert!(err.contains("without gaps"), "{err}");
    }

    #[test]
    fn a_config_without_labels_is_not_token_classification() {
        let err = LabelSet::from_config(&json!({"model_type": "bert"})).unwrap_err();
        assert!(err.contains("no `id2label`"), "{err}");
    }

    #[test]
    fn tags_round_trip_through_text() {
        for tag in Tag::all() {
            assert_eq!(Tag::parse(&tag.to_string()), Some(tag));
        }
        assert_eq!(Tag::parse("X-SOURCE"), None);
        assert_eq!(Tag::parse("B-"), None);
    }
}
