//! Which articles a run holds when it is one task among many (docs/distributed.md).
//!
//! An article belongs to shard `K` of `N` when the FNV-1a 64-bit hash of its id (UTF-8
//! bytes, offset basis 0xcbf29ce484222325, prime 0x100000001b3) is `K` modulo `N`. The
//! hash is fixed and documented, so every machine and every run splits a dataset the
//! same way, and it depends on the id alone, so a shard does not change when other
//! articles are added. `K` counts from 0.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What the record names as the split's hash.
pub const HASH: &str = "fnv1a-64(article_id) mod count";

/// FNV-1a, 64 bits.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Where the shard came from, as the record says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardSource {
    /// `--shard K/N`.
    Flag,
    /// `ATTR_EVAL_SHARD=K/N` (a CI matrix).
    Env,
    /// `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_COUNT`.
    Slurm,
    /// Kubernetes' `JOB_COMPLETION_INDEX` with `--shards N`.
    Kubernetes,
}

/// Shard `index` of `count`, 0-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
    pub source: ShardSource,
    /// The variables or flag it was read from, as given (`SLURM_ARRAY_TASK_ID=3, …`).
    pub from: String,
}

impl Shard {
    pub fn new(index: usize, count: usize, source: ShardSource, from: String) -> Result<Shard> {
        if count == 0 {
            return Err(Error::Usage(format!(
                "{from}: a dataset cannot be split into 0 shards (N must be at least 1)"
            )));
        }
        if index >= count {
            return Err(Error::Usage(format!(
                "{from}: shard {index} of {count} does not exist: shards count from 0, so K \
                 runs from 0 to {} (K/N with K < N)",
                count - 1
            )));
        }
        Ok(Shard {
            index,
            count,
            source,
            from,
        })
    }

    /// Whether the article of this id belongs to this shard.
    pub fn holds(&self, article_id: &str) -> bool {
        fnv1a64(article_id.as_bytes()) % self.count as u64 == self.index as u64
    }
}

fn number(text: &str, what: &str, from: &str) -> Result<usize> {
    text.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "{from}: {what} `{text}` is not a whole number (0, 1, 2, …)"
        ))
    })
}

/// Parses `K/N` (0-based `K`).
pub fn parse(text: &str, source: ShardSource, from: String) -> Result<Shard> {
    let Some((k, n)) = text.split_once('/') else {
        return Err(Error::Usage(format!(
            "{from}: expected K/N (shard K of N, K from 0), e.g. 0/4"
        )));
    };
    let index = number(k, "K", &from)?;
    let count = number(n, "N", &from)?;
    Shard::new(index, count, source, from)
}

/// The shard of this run: `--shard` first, then `ATTR_EVAL_SHARD`, then a Slurm array's
/// variables, then Kubernetes' `JOB_COMPLETION_INDEX` (which needs `--shards N`, since
/// an indexed Job does not tell its tasks how many there are). `None`: the whole
/// dataset. `var` reads the environment (a parameter, so tests need not set it).
pub fn select(
    flag: Option<&str>,
    shards: Option<usize>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Shard>> {
    if let Some(flag) = flag {
        return parse(flag, ShardSource::Flag, format!("--shard {flag}")).map(Some);
    }
    if let Some(value) = var("ATTR_EVAL_SHARD").filter(|v| !v.trim().is_empty()) {
        let from = format!("ATTR_EVAL_SHARD={value}");
        return parse(&value, ShardSource::Env, from).map(Some);
    }
    if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
        return slurm(&id, &var).map(Some);
    }
    match (var("JOB_COMPLETION_INDEX"), shards) {
        (Some(index), Some(count)) => {
            let from = format!("JOB_COMPLETION_INDEX={index} with --shards {count}");
            let index = number(&index, "JOB_COMPLETION_INDEX", &from)?;
            Shard::new(index, count, ShardSource::Kubernetes, from).map(Some)
        }
        (Some(index), None) => Err(Error::Usage(format!(
            "JOB_COMPLETION_INDEX={index} is set (a Kubernetes indexed Job) but --shards N is \
             not: pass --shards with the Job's completions, or --shard K/N"
        ))),
        (None, Some(count)) => Err(Error::Usage(format!(
            "--shards {count} needs JOB_COMPLETION_INDEX (a Kubernetes indexed Job) for this \
             task's index; elsewhere pass --shard K/N or set ATTR_EVAL_SHARD=K/N"
        ))),
        (None, None) => Ok(None),
    }
}

/// A Slurm array task: `K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN`, so an array
/// numbered from 0 and one numbered from 1 split alike; `N = SLURM_ARRAY_TASK_COUNT`.
fn slurm(id: &str, var: &impl Fn(&str) -> Option<String>) -> Result<Shard> {
    let min = var("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "0".into());
    let Some(count) = var("SLURM_ARRAY_TASK_COUNT") else {
        return Err(Error::Usage(format!(
            "SLURM_ARRAY_TASK_ID={id} is set but SLURM_ARRAY_TASK_COUNT is not: run inside \
             an array job (sbatch --array), or pass --shard K/N"
        )));
    };
    let from = format!(
        "SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={count}"
    );
    let id = number(id, "SLURM_ARRAY_TASK_ID", &from)?;
    let min = number(&min, "SLURM_ARRAY_TASK_MIN", &from)?;
    let count = number(&count, "SLURM_ARRAY_TASK_COUNT", &from)?;
    // An array with gaps (`--array=1,4,9` or a step) would leave shards nobody runs.
    let step = var("SLURM_ARRAY_TASK_STEP").unwrap_or_else(|| "1".into());
    let max = var("SLURM_ARRAY_TASK_MAX").map_or(Ok(min + count.saturating_sub(1)), |m| {
        number(&m, "SLURM_ARRAY_TASK_MAX", &from)
    })?;
    if step.trim() != "1" || max + 1 != min + count {
        return Err(Error::Usage(format!(
            "{from}, SLURM_ARRAY_TASK_MAX={max}, SLURM_ARRAY_TASK_STEP={step}: the array's ids \
             are not consecutive, so they cannot number the shards; submit --array=0-{} (or \
             1-{count}), or pass --shard K/N",
            count.saturating_sub(1)
        )));
    }
    let index = id.checked_sub(min).ok_or_else(|| {
        Error::Usage(format!("{from}: the task id is below the array's first id"))
    })?;
    Shard::new(index, count, ShardSource::Slurm, from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn k_must_be_below_n() {
        let err = parse("4/4", ShardSource::Flag, "--shard 4/4".into()).unwrap_err();
        assert!(err.to_string().contains("from 0 to 3"), "{err}");
        assert!(parse("0/0", ShardSource::Flag, "x".into()).is_err());
        assert!(parse("1-4", ShardSource::Flag, "x".into()).is_err());
        assert_eq!(
            parse("3/4", ShardSource::Flag, "x".into()).unwrap().index,
            3
        );
    }
}
