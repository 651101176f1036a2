//! `report.html` and `compare --format html` as a person sees them: rendered by headless
//! Chromium (skipped, saying so, without it), and self-contained (nothing fetched).

mod common;

use common::{attr_eval, chromium_dom, protocol_adapter, python_available, read_json, result_of};
use std::path::{Path, PathBuf};

/// The quote the `file:` model credits to the wrong speaker.
const WRONG_QUOTE: &str = "the leak appeared designed to disrupt ongoing discussions";

/// The seed's gold rows as a `file:` model's predictions: `wrong` credited to "Someone
/// Else", `dropped` left out, and every row with a confidence (falling row by row).
fn seed_predictions(path: &Path, wrong: Option<&str>, dropped: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(root.join("datasets/seed/gold.csv")).unwrap();
    let mut header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    header.push("confidence".into());
    let speaker = header.iter().position(|h| h == "speaker").unwrap();
    let quote = header.iter().position(|h| h == "quote").unwrap();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        if i == dropped {
            continue;
        }
        let mut row: Vec<String> = record.unwrap().iter().map(String::from).collect();
        if Some(row[quote].as_str()) == wrong {
            row[speaker] = "Someone Else".into();
        }
        row.push(format!("{:.2}", 1.0 - i as f64 / 40.0));
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
}

/// A run on the seed of `rules`, `conf` (a `file:` model with confidences) and, with
/// Python, `adapter` (a `cmd:` model).
fn seed_run(dir: &Path, name: &str, wrong: Option<&str>, dropped: usize) -> PathBuf {
    let preds = dir.join(format!("{name}.csv"));
    seed_predictions(&preds, wrong, dropped);
    let mut cmd = attr_eval();
    cmd.args(["run", "--dataset", "seed", "--resamples", "200"])
        .args(["--model", "rules"])
        .arg("--model")
        .arg(format!("conf=file:{}", preds.display()));
    if python_available() {
        cmd.arg("--model")
            .arg(format!("adapter=cmd:{}", protocol_adapter("")));
    }
    cmd.args(["--name", name, "--out"])
        .arg(dir)
        .assert()
        .success();
    dir.join(name)
}

/// `src=`/`href=` to another host, stylesheets or scripts by link, CSS imports and URLs.
fn external_resources(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for attribute in ["src=", "href=", "xlink:href="] {
        for (at, _) in lower.match_indices(attribute) {
            let value = lower[at + attribute.len()..].trim_start_matches(['"', '\'']);
            if value.starts_with("http:") || value.starts_with("https:") || value.starts_with("//")
            {
                found.push(lower[at..(at + 60).min(lower.len())].to_string());
            }
        }
    }
    for needle in ["<link", "@import", "url(", "<script src", "<iframe", "<img"] {
        if lower.contains(needle) {
            found.push(needle.to_string());
        }
    }
    found
}

#[test]
fn report_html_is_one_file_with_svg_charts_and_nothing_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let run = seed_run(dir.path(), "r", Some(WRONG_QUOTE), 5);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(external_resources(&html), Vec::<String>::new());
    // F1 with intervals, the schemes, throughput, by type, the confidence curve.
    assert!(html.matches("<svg").count() >= 5, "too few charts");
    assert!(html.contains("Precision–recall of pairs over confidence, conf · seed"));
    assert!(html.contains(r#"data-article="kremlin-leaked-call-2025-11-26""#));
}

#[test]
fn run_json_holds_the_confidence_curve_of_the_model_that_gives_confidences() {
    let dir = tempfile::tempdir().unwrap();
    let run = seed_run(dir.path(), "r", Some(WRONG_QUOTE), 5);
    let record = read_json(&run.join("run.json"));
    assert!(
        result_of(&record, "rules")
            .get("confidence_curve")
            .is_none()
    );
    let conf = result_of(&record, "conf");
    let curve = &conf["confidence_curve"];
    assert_eq!(curve["scheme"], "overlap");
    let points = curve["points"].as_array().unwrap();
    // 36 rows, one dropped: 35 distinct confidences, each a threshold.
    assert_eq!(points.len(), 35);
    // The lowest threshold keeps every row: the run's own overlap counts.
    assert_eq!(points[0]["counts"], conf["scores"]["overlap"]["counts"]);
    // The highest keeps only the most confident row, which is right.
    let top = &points[34]["counts"];
    assert_eq!(
        (top["pred"].as_u64(), top["cor"].as_u64()),
        (Some(1), Some(1))
    );
    let best = &curve["best_f1"];
    let best_f1 = best["f1"].as_f64().unwrap();
    assert!(points.iter().all(|p| p["f1"].as_f64().unwrap() <= best_f1));
    let ap = curve["average_precision"].as_f64().unwrap();
    assert!(ap > 0.0 && ap <= 1.0, "average precision {ap}");
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(md.contains(&format!("average precision {ap:.3}")));
}

#[test]
fn chromium_shows_the_models_their_scores_and_the_seed_quotes_with_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let run = seed_run(dir.path(), "r", Some(WRONG_QUOTE), 5);
    let Some(dom) = chromium_dom(&run.join("report.html")) else {
        return;
    };
    let record = read_json(&run.join("run.json"));
    let mut models = vec!["rules", "conf"];
    if python_available() {
        models.push("adapter");
    }
    for model in models {
        assert!(
            dom.contains(&format!(r#"<td class="l model">{model}</td>"#)),
            "{model} missing from the headline table"
        );
        let f1 = result_of(&record, model)["scores"]["overlap"]["pair"]["f1"]
            .as_f64()
            .unwrap();
        assert!(
            dom.contains(&format!("<td>{f1:.3}</td>")),
            "{model}'s F1 {f1:.3}"
        );
    }
    // The wrong speaker: highlighted as INC in the text, with both speakers on hover,
    // and beside it in the outcome table.
    assert!(
        dom.contains(&format!(
            r#"<span class="g-inc p-inc" title="gold quote: INC · gold speaker Yuri Ushakov · predicted speaker Someone Else
predicted: INC · gold speaker Yuri Ushakov · predicted speaker Someone Else">{WRONG_QUOTE}</span>"#
        )),
        "the INC quote is not highlighted"
    );
    assert!(dom.contains(&format!(
        r#"<td class="k-INC">INC</td><td>{WRONG_QUOTE}</td><td>Yuri Ushakov</td><td>Someone Else</td>"#
    )));
    // The dropped row is a MIS; rules finds the same quote (COR).
    assert!(dom.contains(r#"<td class="k-MIS">MIS</td>"#));
    assert!(dom.contains(r#"class="g-cor p-cor""#));
    // The filter is wired up.
    assert!(dom.contains(r#"data-filter="browser-1""#));
}

/// `attr-eval compare --format html BASE CAND`, which must succeed: the page.
fn compare_html(base: &std::path::Path, cand: &std::path::Path) -> String {
    let output = attr_eval()
        .args(["compare", "--format", "html"])
        .arg(base)
        .arg(cand)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn compare_html_charts_the_differences_and_shows_the_changed_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let base = seed_run(dir.path(), "base", Some(WRONG_QUOTE), 5);
    let cand = seed_run(dir.path(), "cand", None, 5);
    let html = compare_html(&base, &cand);
    assert_eq!(external_resources(&html), Vec::<String>::new());
    assert!(html.contains("<svg"));
    let page = dir.path().join("compare.html");
    std::fs::write(&page, &html).unwrap();
    let Some(dom) = chromium_dom(&page) else {
        return;
    };
    assert!(dom.contains("no significant regression: the gate passes"));
    assert!(dom.contains(r#"<td class="l">pair F1</td>"#));
    assert!(dom.contains("Articles whose outcomes changed: conf on seed (1 of 1)"));
    assert!(dom.contains(&format!(
        r#"<td class="l">{WRONG_QUOTE}</td><td class="l">Yuri Ushakov</td><td class="l">INC (Someone Else)</td><td class="l better">COR (Yuri Ushakov)</td>"#
    )));
    // The text before and after, the quote marked by its outcome in each.
    assert!(dom.contains(r#"<span class="g-inc p-inc""#));
    assert!(dom.contains("before (baseline)") && dom.contains("after (candidate)"));
}

#[test]
fn speakers_report_charts_speaker_accuracy_and_shows_each_given_quote() {
    let dir = tempfile::tempdir().unwrap();
    attr_eval()
        .args(["run", "--task", "speakers", "--dataset", "seed"])
        .args([
            "--model",
            "rules",
            "--resamples",
            "200",
            "--name",
            "s",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let page = dir.path().join("s/report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(external_resources(&html), Vec::<String>::new());
    assert!(html.contains("Speaker accuracy with its 95% interval, per model × dataset"));
    let Some(dom) = chromium_dom(&page) else {
        return;
    };
    let record = read_json(&dir.path().join("s/run.json"));
    let accuracy = result_of(&record, "rules")["scores"]["speaker_accuracy"]
        .as_f64()
        .unwrap();
    assert!(dom.contains(&format!("<td>{accuracy:.3}</td>")));
    // Every given quote of the seed is in the browser's table with its outcome.
    let rows = dom.matches(r#"<tr><td class="k-"#).count();
    assert_eq!(rows, 36);
}

#[test]
fn article_text_is_shown_as_text_never_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = common::synthetic_dataset(dir.path(), 1, 2);
    let article = dataset.join("articles/a000.txt");
    let mut text = std::fs::read_to_string(&article).unwrap();
    text.push_str("<script>alert(1)</script> & <b>bold</b>\n");
    std::fs::write(&article, text).unwrap();
    let run = common::run(&dataset, "rules", &dir.path().join("out"), "x");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    // minijinja also escapes `/`, as `&#x2f;`.
    assert!(
        html.contains(
            "&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &lt;b&gt;bold&lt;&#x2f;b&gt;"
        )
    );
    assert!(!html.contains("<script>alert(1)"));
}

#[test]
fn a_big_run_embeds_the_articles_with_most_errors_first_and_says_it_left_some_out() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = common::synthetic_dataset(dir.path(), 250, 2);
    // Article a137 loses both its quotes, a042 one: they lead the browser, in that order.
    let kept: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.article_id != "a137"
                && !(r.article_id == "a042" && r.quote.starts_with("Statement 0"))
        })
        .cloned()
        .collect();
    let preds = dir.path().join("p.csv");
    common::write_rows(&preds, &kept);
    let run = common::run(
        &dataset,
        &format!("m=file:{}", preds.display()),
        &dir.path().join("out"),
        "big",
    );
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("The 200 articles with most errors of 250"));
    let shown: Vec<&str> = html
        .match_indices(r#"data-article=""#)
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(shown.len(), 200);
    assert_eq!(&shown[..3], ["a137", "a042", "a000"]);
}

#[test]
fn compare_html_without_the_dataset_lists_the_changed_quotes_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = common::synthetic_dataset(dir.path(), 3, 2);
    let preds = dir.path().join("p.csv");
    common::write_rows(&preds, &rows[1..]);
    let out = dir.path().join("out");
    let spec = format!("m=file:{}", preds.display());
    let base = common::run(&dataset, &spec, &out, "base");
    common::write_rows(&preds, &rows);
    let cand = common::run(&dataset, &spec, &out, "cand");
    std::fs::remove_dir_all(&dataset).unwrap();
    let html = compare_html(&base, &cand);
    assert!(
        html.contains("The article&#39;s text was not found")
            || html.contains("The article's text was not found")
    );
    assert!(html.contains(&format!(r#"<td class="l">{}</td>"#, rows[0].quote)));
    assert!(html.contains(r#"<td class="l">MIS</td><td class="l better">COR ("#));
}
