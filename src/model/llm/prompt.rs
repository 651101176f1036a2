//! Prompt templates of `llm:` models: a system and a user message per task, with
//! placeholders filled from the article and, in the speakers task, the given quotes and
//! the cast.
//!
//! The shipped templates are `models/llm/prompts.toml`, compiled in so that a binary run
//! from any folder has them; a user's file (`?template=FILE`) has the same shape and
//! replaces the tables it has.

use crate::model::task::{CastMember, GivenQuote};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The shipped templates, also the fallback for a table a user's file lacks.
pub const BUILTIN: &str = include_str!("../../../models/llm/prompts.toml");

/// Placeholders a template may use; any other brace is literal text.
pub const PLACEHOLDERS: [&str; 4] = ["text", "article_id", "quotes", "cast"];

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("cannot read the prompt template {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the prompt template {} is not valid TOML: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    #[error(
        "the prompt template {}: the `{task}` user message must contain {placeholder}, or \
         the model would not see it",
        path.display()
    )]
    Missing {
        path: PathBuf,
        task: &'static str,
        placeholder: &'static str,
    },
}

/// The two messages of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub system: String,
    pub user: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    extract: Option<Template>,
    speakers: Option<Template>,
}

/// The templates of both tasks, as a model uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    pub extract: Template,
    pub speakers: Template,
}

impl Templates {
    pub fn builtin() -> Templates {
        // The shipped file is checked by a unit test; a broken one cannot be built into
        // a release that passed its tests, so falling back to empty templates is moot.
        let file: TemplateFile = toml::from_str(BUILTIN).unwrap_or(TemplateFile {
            extract: None,
            speakers: None,
        });
        let empty = Template {
            system: String::new(),
            user: "{text}{quotes}".into(),
        };
        Templates {
            extract: file.extract.unwrap_or_else(|| empty.clone()),
            speakers: file.speakers.unwrap_or(empty),
        }
    }

    /// A user's file; the tables it lacks are the shipped ones.
    pub fn load(path: &Path) -> Result<Templates, PromptError> {
        let text = std::fs::read_to_string(path).map_err(|source| PromptError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: TemplateFile = toml::from_str(&text).map_err(|e| PromptError::Toml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let builtin = Templates::builtin();
        let templates = Templates {
            extract: file.extract.unwrap_or(builtin.extract),
            speakers: file.speakers.unwrap_or(builtin.speakers),
        };
        for (task, template, needed) in [
            ("extract", &templates.extract, &["{text}"][..]),
            ("speakers", &templates.speakers, &["{text}", "{quotes}"][..]),
        ] {
            for placeholder in needed {
                if !template.user.contains(placeholder) {
                    return Err(PromptError::Missing {
                        path: path.to_path_buf(),
                        task,
                        placeholder,
                    });
                }
            }
        }
        Ok(templates)
    }

    /// Part of the model's config hash: an edited prompt is another model.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for template in [&self.extract, &self.speakers] {
            for message in [&template.system, &template.user] {
                hasher.update((message.len() as u64).to_le_bytes());
                hasher.update(message.as_bytes());
            }
        }
        format!("{:x}", hasher.finalize())
    }
}

/// Fills `{name}` placeholders in one pass, so a value containing a placeholder (a text
/// that mentions `{cast}`) is never filled again; unknown braces stay as written.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `{quotes}`: one JSON object a line, so quotes with quotation marks or newlines stay
/// unambiguous.
pub fn quotes_block(quotes: &[&GivenQuote]) -> String {
    quotes
        .iter()
        .map(|q| {
            // Written out so the id comes first, as a reader expects.
            let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
            format!(
                "{{\"quote_id\": {}, \"quote\": {}}}",
                text(&q.quote_id),
                text(&q.quote)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `{cast}`: one character a line, its name first.
pub fn cast_block(cast: &[CastMember]) -> String {
    if cast.is_empty() {
        return "(none given)".into();
    }
    cast.iter()
        .map(|member| {
            if member.aliases.is_empty() {
                format!("- {}", member.name)
            } else {
                format!("- {} (also: {})", member.name, member.aliases.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_parse_and_use_their_placeholders() {
        let file: TemplateFile = toml::from_str(BUILTIN).unwrap();
        let extract = file.extract.unwrap();
        let speakers = file.speakers.unwrap();
        assert!(extract.user.contains("{text}"));
        assert!(speakers.user.contains("{quotes}") && speakers.user.contains("{cast}"));
        assert!(!extract.system.starts_with('\n'));
    }

    #[test]
    fn placeholders_are_filled_once_and_other_braces_kept() {
        let out = render(
            "{\"a\": 1} {text} / {cast} {unknown}",
            &[("text", "says {cast}"), ("cast", "Emma")],
        );
        assert_eq!(out, "{\"a\": 1} says {cast} / Emma {unknown}");
        assert_eq!(render("{", &[]), "{");
        assert_eq!(render("x{text", &[("text", "y")]), "x{text");
    }

    #[test]
    fn a_user_file_replaces_its_tables_and_must_keep_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "[extract]\nsystem = \"s\"\nuser = \"U {text}\"\n").unwrap();
        let templates = Templates::load(&path).unwrap();
        assert_eq!(templates.extract.user, "U {text}");
        assert_eq!(templates.speakers, Templates::builtin().speakers);
        assert_ne!(templates.sha256(), Templates::builtin().sha256());

        std::fs::write(&path, "[speakers]\nsystem = \"s\"\nuser = \"{text}\"\n").unwrap();
        let err = Templates::load(&path).unwrap_err().to_string();
        assert!(err.contains("{quotes}"), "{err}");
        std::fs::write(&path, "[extrat]\nsystem = \"s\"\n").unwrap();
        assert!(matches!(
            Templates::load(&path),
            Err(PromptError::Toml { .. })
        ));
    }

    #[test]
    fn cast_and_quotes_blocks() {
        let cast = [CastMember {
            name: "Emma".into(),
            aliases: vec!["Miss Woodhouse".into()],
        }];
        assert_eq!(cast_block(&cast), "- Emma (also: Miss Woodhouse)");
        assert_eq!(cast_block(&[]), "(none given)");
        let q = GivenQuote {
            quote_id: "q0".into(),
            start: 0,
            end: 3,
            quote: "\"Hi\"".into(),
        };
        assert_eq!(
            quotes_block(&[&q]),
            r#"{"quote_id": "q0", "quote": "\"Hi\""}"#
        );
    }
}
