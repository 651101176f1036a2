//! The `llm:` spec: `llm:MODEL@BASE_URL[?KEY=VALUE&...]`.
//!
//! `MODEL` is the model id the server knows (`qwen2.5-7b-instruct`), `BASE_URL` the
//! OpenAI-compatible root that `/chat/completions` is appended to
//! (`http://127.0.0.1:8000/v1`). Options after `?`, all optional:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `template` | shipped `models/llm/prompts.toml` | a prompt template file (TOML, `[extract]` and/or `[speakers]`) |
//! | `temperature` | 0 | sampling temperature |
//! | `max_tokens` | server's | longest reply |
//! | `seed` | none | sampling seed, for servers that honour it |
//! | `chunk` | 12000 | longest text sent in one request, in characters (0: never cut) |
//! | `overlap` | 1000 | characters two consecutive chunks share |
//! | `retries` | 4 | retries of a request after 429, 5xx or a connection failure |
//! | `backoff` | 1 | seconds before the first retry; doubled for each next one |
//! | `response_format` | `json_schema` | `json_schema` to ask for JSON that way, `none` not to |
//!
//! Every option but `retries` and `backoff` changes what is asked, so it is part of
//! the config hash.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub model: String,
    pub base_url: String,
    pub template: Option<PathBuf>,
    pub temperature: f64,
    pub max_tokens: Option<u64>,
    pub seed: Option<u64>,
    pub chunk_chars: usize,
    pub overlap_chars: usize,
    pub retries: usize,
    pub backoff: Duration,
    /// Ask for the reply's shape through `response_format` (json_schema).
    pub json_schema: bool,
}

pub const OPTION_KEYS: [&str; 9] = [
    "template",
    "temperature",
    "max_tokens",
    "seed",
    "chunk",
    "overlap",
    "retries",
    "backoff",
    "response_format",
];

impl LlmConfig {
    /// Parses what follows `llm:`. Errors say what is expected.
    pub fn parse(text: &str) -> Result<LlmConfig, String> {
        let usage = "expected `llm:MODEL@BASE_URL` such as \
                     `llm:qwen2.5-7b-instruct@http://127.0.0.1:8000/v1`, optionally followed \
                     by `?key=value&...`";
        // The URL starts at `@http`, so a model id may itself hold an `@`.
        let at = text
            .find("@http://")
            .or_else(|| text.find("@https://"))
            .ok_or_else(|| format!("model spec `llm:{text}`: {usage}"))?;
        let model = text[..at].trim();
        let rest = &text[at + 1..];
        if model.is_empty() {
            return Err(format!(
                "model spec `llm:{text}`: no MODEL before `@`; {usage}"
            ));
        }
        let (base_url, query) = match rest.split_once('?') {
            Some((url, query)) => (url, query),
            None => (rest, ""),
        };
        let base_url = base_url.trim().trim_end_matches('/');
        if base_url.ends_with("/chat/completions") {
            return Err(format!(
                "model spec `llm:{text}`: give the base URL (`…/v1`); `/chat/completions` is \
                 appended to it"
            ));
        }
        let mut config = LlmConfig {
            model: model.to_string(),
            base_url: base_url.to_string(),
            template: None,
            temperature: 0.0,
            max_tokens: None,
            seed: None,
            chunk_chars: 12_000,
            overlap_chars: 1_000,
            retries: 4,
            backoff: Duration::from_secs(1),
            json_schema: true,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                format!("model spec `llm:{text}`: option `{pair}` needs `=VALUE`")
            })?;
            let bad =
                |what: &str| format!("model spec `llm:{text}`: option `{key}={value}`: {what}");
            let number = |what: &str| value.parse::<u64>().map_err(|_| bad(what));
            match key {
                "template" => config.template = Some(PathBuf::from(value)),
                "temperature" => {
                    config.temperature = value
                        .parse::<f64>()
                        .ok()
                        .filter(|t| t.is_finite() && *t >= 0.0)
                        .ok_or_else(|| bad("expected a number ≥ 0"))?;
                }
                "max_tokens" => config.max_tokens = Some(number("expected a whole number")?),
                "seed" => config.seed = Some(number("expected a whole number")?),
                "chunk" => config.chunk_chars = number("expected characters")? as usize,
                "overlap" => config.overlap_chars = number("expected characters")? as usize,
                "retries" => config.retries = number("expected a whole number")? as usize,
                "backoff" => {
                    config.backoff = value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
                        .map(Duration::from_secs_f64)
                        .ok_or_else(|| bad("expected seconds"))?;
                }
                "response_format" => {
                    config.json_schema = match value {
                        "json_schema" => true,
                        "none" => false,
                        _ => return Err(bad("expected `json_schema` or `none`")),
                    }
                }
                _ => {
                    return Err(bad(&format!(
                        "unknown option; known ones: {}",
                        OPTION_KEYS.join(", ")
                    )));
                }
            }
        }
        Ok(config)
    }

    /// The run's name for the model when the spec gives none: its id, with the
    /// characters a file name cannot hold replaced (`org/model` → `org-model`).
    pub fn default_name(&self) -> String {
        self.model
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }

    /// What is asked, besides the templates, in a stable text for the config hash.
    pub fn asked(&self) -> String {
        serde_json::json!({
            "model": self.model,
            "base_url": self.base_url,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "chunk": self.chunk_chars,
            "overlap": self.overlap_chars,
            "response_format": if self.json_schema { "json_schema" } else { "none" },
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_url_and_options() {
        let config = LlmConfig::parse(
            "Qwen/Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1/?temperature=0.2&chunk=500&seed=7&response_format=none&template=p.toml",
        )
        .unwrap();
        assert_eq!(config.model, "Qwen/Qwen2.5-7B-Instruct");
        assert_eq!(config.base_url, "http://127.0.0.1:8000/v1");
        assert_eq!(config.temperature, 0.2);
        assert_eq!(config.chunk_chars, 500);
        assert_eq!(config.seed, Some(7));
        assert!(!config.json_schema);
        assert_eq!(config.template, Some(PathBuf::from("p.toml")));
        assert_eq!(config.default_name(), "Qwen-Qwen2.5-7B-Instruct");
        let plain = LlmConfig::parse("m@https://api.example.org/v1").unwrap();
        assert_eq!(plain.retries, 4);
        assert!(plain.json_schema);
    }

    #[test]
    fn mistakes_are_explained() {
        for (spec, expected) in [
            ("qwen", "expected `llm:MODEL@BASE_URL`"),
            ("@http://x/v1", "no MODEL"),
            ("m@http://x/v1/chat/completions", "give the base URL"),
            ("m@http://x/v1?temp=1", "unknown option"),
            ("m@http://x/v1?chunk=-3", "expected characters"),
            ("m@http://x/v1?seed", "needs `=VALUE`"),
        ] {
            let err = LlmConfig::parse(spec).unwrap_err();
            assert!(err.contains(expected), "{spec}: {err}");
        }
    }
}
