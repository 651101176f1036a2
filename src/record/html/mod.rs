//! The HTML reports: `report.html` of a run and `compare --format html`. Each is one
//! self-contained file (styles, script and SVG charts inline, nothing fetched), so it
//! opens from a CI artifact or an e-mail. Templates are minijinja's, under
//! `templates/`; charts come from [`svg`].

mod articles;
mod browser;
mod compare;
mod run;
pub mod svg;

pub use articles::{BROWSER_ARTICLES, TEXT_BUDGET};
pub use compare::compare_html;
pub use run::run_report;

use crate::error::{Error, Result};
use serde::Serialize;
use svg::BarChart;

/// Finds an article's text: `(dataset name, article id)` → text.
pub type TextLookup<'a> = dyn Fn(&str, &str) -> Option<String> + 'a;

const TEMPLATES: [(&str, &str); 3] = [
    ("base.html", include_str!("templates/base.html")),
    ("report.html", include_str!("templates/report.html")),
    ("compare.html", include_str!("templates/compare.html")),
];

fn render(template: &str, context: impl Serialize) -> Result<String> {
    let failed = |e: minijinja::Error| Error::Report {
        template: template.to_string(),
        message: e.to_string(),
    };
    let mut env = minijinja::Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source).map_err(failed)?;
    }
    env.get_template(template)
        .and_then(|t| t.render(context))
        .map_err(failed)
}

#[derive(Serialize)]
struct Chart {
    title: String,
    svg: String,
}

fn chart(chart: BarChart) -> Chart {
    Chart {
        title: chart.title.clone(),
        svg: svg::bar_chart(&chart),
    }
}
