//! One run as many tasks: `run --shard K/N` (and the variables of Slurm, Kubernetes and a
//! CI matrix) and `attr-eval merge` (docs/distributed.md).

mod common;

use assert_cmd::Command;
use common::{attr_eval, read_json, synthetic_dataset};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SHARD_VARS: [&str; 8] = [
    "ATTR_EVAL_SHARD",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
    "ATTR_EVAL_UNUSED",
];

/// `attr-eval` with none of the shard variables of the environment the tests run in.
fn clean() -> Command {
    let mut cmd = attr_eval();
    for var in SHARD_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// `run` of `model` on `dataset` in `task` with `extra` arguments; returns the folder.
fn run(
    dataset: &Path,
    task: &str,
    out: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> PathBuf {
    let mut cmd = clean();
    cmd.args([
        "run",
        "--model",
        "rules",
        "--resamples",
        "300",
        "--task",
        task,
    ])
    .arg("--dataset")
    .arg(dataset)
    .args(["--name", name, "--out"])
    .arg(out)
    .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.assert().success();
    out.join(name)
}

/// The article ids of a run's `articles.jsonl`, in order.
fn article_ids(folder: &Path) -> Vec<String> {
    lines(folder)
        .iter()
        .map(|l| l["article_id"].as_str().unwrap().to_string())
        .collect()
}

/// The lines of `articles.jsonl` with what varies between two runs (latency) left out.
fn lines(folder: &Path) -> Vec<Value> {
    std::fs::read_to_string(folder.join("articles.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("latency_ms");
            v
        })
        .collect()
}

/// A run record's results without their throughput (timings), and its datasets.
fn figures(folder: &Path) -> (Value, Value) {
    let record = read_json(&folder.join("run.json"));
    let mut results = record["results"].clone();
    for result in results.as_array_mut().unwrap() {
        result.as_object_mut().unwrap().remove("throughput");
    }
    (results, record["datasets"].clone())
}

fn litbank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/litbank-quotes")
}

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/seed")
}

#[test]
fn shards_partition_the_articles_the_same_way_every_time() {
    let root = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(root.path(), 40, 2);
    let out = root.path().join("runs");
    let all: BTreeSet<String> = article_ids(&run(&dataset, "extract", &out, "all", &[], &[]))
        .into_iter()
        .collect();
    assert_eq!(all.len(), 40);
    for n in [1usize, 3, 4] {
        let mut seen = BTreeSet::new();
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let ids = article_ids(&run(
                &dataset,
                "extract",
                &out,
                &format!("s{k}of{n}"),
                &["--shard", &shard],
                &[],
            ));
            // Stable: the split is a function of the id alone.
            for id in &ids {
                let expected = attr_eval::shard::fnv1a64(id.as_bytes()) % n as u64;
                assert_eq!(expected, k as u64, "{id} in shard {shard}");
                assert!(seen.insert(id.clone()), "{id} in two shards of {n}");
            }
            let record = read_json(&out.join(format!("s{k}of{n}/run.json")));
            assert_eq!(record["shard"]["index"], k);
            assert_eq!(record["shard"]["count"], n);
            assert_eq!(record["shard"]["source"], "flag");
            assert_eq!(record["datasets"][0]["articles"], 40);
            assert_eq!(record["datasets"][0]["shard_articles"], ids.len());
        }
        assert_eq!(seen, all, "the shards of {n} together are the dataset");
    }
    // The documented hash, pinned: FNV-1a 64 of the id's bytes.
    assert_eq!(attr_eval::shard::fnv1a64(b"a000"), 0x4ba4_6b82_f945_6374);
}

/// Runs `dataset` whole and in `n` shards, merges the shards (given in reverse order) and
/// checks the merge is the whole run.
fn assert_merge_is_unsharded(dataset: &Path, task: &str, n: usize) {
    let root = tempfile::tempdir().unwrap();
    let out = root.path();
    let whole = run(dataset, task, out, "whole", &[], &[]);
    let mut shards: Vec<PathBuf> = (0..n)
        .map(|k| {
            let shard = format!("{k}/{n}");
            run(
                dataset,
                task,
                out,
                &format!("s{k}"),
                &["--shard", &shard],
                &[],
            )
        })
        .collect();
    shards.reverse();
    clean()
        .arg("merge")
        .args(&shards)
        .args(["--name", "merged", "--out"])
        .arg(out)
        .assert()
        .success();
    let merged = out.join("merged");
    assert_eq!(
        figures(&merged),
        figures(&whole),
        "{task}: run.json figures"
    );
    assert_eq!(lines(&merged), lines(&whole), "{task}: articles.jsonl");
    let record = read_json(&merged.join("run.json"));
    assert!(record.get("shard").is_none());
    let throughput = |f: &Path| read_json(&f.join("run.json"))["results"][0]["throughput"].clone();
    assert_eq!(
        throughput(&merged)["articles"],
        throughput(&whole)["articles"]
    );
    assert_eq!(throughput(&merged)["chars"], throughput(&whole)["chars"]);
    for file in [
        "predictions/rules.csv",
        &format!("predictions/{}/rules.csv", name(dataset)),
    ] {
        assert_eq!(
            std::fs::read_to_string(merged.join(file)).unwrap(),
            std::fs::read_to_string(whole.join(file)).unwrap(),
            "{task}: {file}"
        );
    }
    // `compare` takes the merge like any run: nothing changed.
    clean()
        .arg("compare")
        .arg(&whole)
        .arg(&merged)
        .assert()
        .success();
}

fn name(dataset: &Path) -> String {
    dataset.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn four_shards_of_seed_merge_into_the_unsharded_run() {
    // One article: three of the four shards hold none.
    assert_merge_is_unsharded(&seed(), "extract", 4);
}

#[test]
fn shards_of_litbank_merge_into_the_unsharded_run_in_both_tasks() {
    assert_merge_is_unsharded(&litbank(), "extract", 4);
    // rules gives fiction rows confidences: the curve is among the figures compared.
    let root = tempfile::tempdir().unwrap();
    let whole = run(&litbank(), "extract", root.path(), "whole", &[], &[]);
    let (results, _) = figures(&whole);
    let points = results[0]["confidence_curve"]["points"].as_array().cloned();
    assert!(points.is_some_and(|p| p.len() > 1), "{}", results[0]);
    assert_merge_is_unsharded(&litbank(), "speakers", 3);
}

#[test]
fn shards_of_a_synthetic_dataset_merge_into_the_unsharded_run() {
    let root = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(root.path(), 25, 3);
    assert_merge_is_unsharded(&dataset, "extract", 4);
}

fn merge_error(runs: &[PathBuf], out: &Path) -> String {
    let output = clean()
        .arg("merge")
        .args(runs)
        .args(["--name", "m", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "merge should fail as bad usage"
    );
    assert!(!out.join("m").exists(), "a failed merge writes nothing");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn merge_names_missing_and_doubled_shards_and_refuses_other_runs() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path();
    let data = litbank();
    let shard = |k: usize, name: &str, extra: &[&str]| {
        let spec = format!("{k}/3");
        let mut args = vec!["--shard", spec.as_str()];
        args.extend_from_slice(extra);
        run(&data, "extract", out, name, &args, &[])
    };
    let s0 = shard(0, "s0", &[]);
    let s1 = shard(1, "s1", &[]);
    let s2 = shard(2, "s2", &[]);

    let missing = merge_error(&[s0.clone(), s2.clone()], out);
    assert!(missing.contains("shard 1/3 of 3 missing"), "{missing}");

    let doubled = merge_error(&[s0.clone(), s1.clone(), s1.clone(), s2.clone()], out);
    assert!(doubled.contains("shard 1/3 is given 2 times"), "{doubled}");

    let other_model = shard(1, "s1-other-model", &["--model", "other=rules"]);
    let models = merge_error(&[s0.clone(), other_model, s2.clone()], out);
    assert!(models.contains("their models differ"), "{models}");

    let other_flags = shard(1, "s1-other-flags", &["--overlap", "0.8"]);
    let flags = merge_error(&[s0.clone(), other_flags, s2.clone()], out);
    assert!(flags.contains("their scoring flags differ"), "{flags}");

    let other_data = run(&seed(), "extract", out, "seed-s1", &["--shard", "1/3"], &[]);
    let fingerprint = merge_error(&[s0.clone(), other_data, s2.clone()], out);
    assert!(fingerprint.contains("fingerprint"), "{fingerprint}");

    let whole = run(&data, "extract", out, "whole", &[], &[]);
    let unsharded = merge_error(&[whole], out);
    assert!(unsharded.contains("is not a shard"), "{unsharded}");
}

/// A run under some engine's variables, and the `shard.source` it should record.
struct Case {
    name: &'static str,
    flags: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    source: &'static str,
}

#[test]
fn slurm_kubernetes_and_ci_variables_select_the_same_articles_as_the_flag() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path();
    let data = litbank();
    let flag = article_ids(&run(
        &data,
        "extract",
        out,
        "flag",
        &["--shard", "1/3"],
        &[],
    ));
    let cases = [
        // An array numbered from 1: task 2 is the second shard, K = 1.
        Case {
            name: "slurm",
            flags: &[],
            env: &[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            source: "slurm",
        },
        Case {
            name: "slurm0",
            flags: &[],
            env: &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "2"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            source: "slurm",
        },
        Case {
            name: "k8s",
            flags: &["--shards", "3"],
            env: &[("JOB_COMPLETION_INDEX", "1")],
            source: "kubernetes",
        },
        Case {
            name: "ci",
            flags: &[],
            env: &[("ATTR_EVAL_SHARD", "1/3")],
            source: "env",
        },
    ];
    for Case {
        name,
        flags,
        env,
        source,
    } in cases
    {
        let folder = run(&data, "extract", out, name, flags, env);
        assert_eq!(article_ids(&folder), flag, "{name}");
        let record = read_json(&folder.join("run.json"));
        assert_eq!(record["shard"]["source"], source, "{name}");
        assert_eq!(record["shard"]["index"], 1, "{name}");
    }
    // The flag wins over the environment.
    let both = run(
        &data,
        "extract",
        out,
        "both",
        &["--shard", "1/3"],
        &[("ATTR_EVAL_SHARD", "0/3")],
    );
    assert_eq!(article_ids(&both), flag);
}

#[test]
fn impossible_shards_are_clear_errors() {
    let out = tempfile::tempdir().unwrap();
    let fails = |extra: &[&str], env: &[(&str, &str)], expected: &str| {
        let mut cmd = clean();
        cmd.args(["run", "--dataset", "seed", "--model", "rules", "--out"])
            .arg(out.path())
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?} {env:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    };
    fails(&["--shard", "4/4"], &[], "K runs from 0 to 3");
    fails(&["--shard", "0/0"], &[], "0 shards");
    fails(&["--shard", "2"], &[], "expected K/N");
    fails(&[], &[("ATTR_EVAL_SHARD", "x/2")], "not a whole number");
    fails(&[], &[("JOB_COMPLETION_INDEX", "1")], "--shards N is not");
    fails(&["--shards", "3"], &[], "needs JOB_COMPLETION_INDEX");
    fails(
        &[],
        &[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "8"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_STEP", "4"),
        ],
        "not consecutive",
    );
}
