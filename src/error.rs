//! Errors the library reports to its callers.
//!
//! Every error a user can cause with bad input carries a [`Location`] so the message
//! names the file, the line and the column; the command line maps each variant to the
//! exit codes of docs/exit-codes.md through [`Error::exit_code`].

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line; `None` when the problem is about the file as a whole.
    pub line: Option<u64>,
    pub column: Option<Column>,
}

/// A CSV column is best named by its header; a JSON or brat column by its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Name(String),
    /// 1-based character column.
    Number(u64),
}

impl Location {
    pub fn file(file: impl AsRef<Path>) -> Self {
        Location {
            file: file.as_ref().to_path_buf(),
            line: None,
            column: None,
        }
    }

    pub fn line(file: impl AsRef<Path>, line: u64) -> Self {
        Location {
            line: Some(line),
            ..Location::file(file)
        }
    }

    pub fn named_column(file: impl AsRef<Path>, line: u64, column: &str) -> Self {
        Location {
            column: Some(Column::Name(column.to_string())),
            ..Location::line(file, line)
        }
    }

    pub fn numbered_column(file: impl AsRef<Path>, line: u64, column: u64) -> Self {
        Location {
            column: Some(Column::Number(column)),
            ..Location::line(file, line)
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.column {
            Some(Column::Number(col)) => write!(f, ":{col}"),
            Some(Column::Name(name)) => write!(f, ": column `{name}`"),
            None => Ok(()),
        }
    }
}

/// Bad user input: a file that breaks the formats of docs/datasets.md.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct InputError {
    pub location: Location,
    pub message: String,
}

impl InputError {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        InputError {
            location,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),

    /// Several input errors found in one pass: validation reports them all at once so a
    /// user can fix a file in one go.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    InputErrors(Vec<InputError>),

    /// The command line or a config file asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A model failed as a whole (could not start, could not load).
    #[error("model `{model}`: {message}")]
    Model { model: String, message: String },

    /// Two runs that cannot be compared (other datasets, other tasks, nothing shared).
    #[error("{0}")]
    Incomparable(String),

    /// An HTML report could not be rendered: a bug in attr-eval's templates, never the
    /// user's input (a run's `run.json` and `report.md` are written before it).
    #[error(
        "cannot render the HTML report {template}: {message} (a bug in attr-eval: please report it)"
    )]
    Report { template: String, message: String },
}

/// The exit codes of the command line (docs/exit-codes.md), named in one place.
pub mod exit_code {
    /// Everything asked was done.
    pub const SUCCESS: i32 = 0;
    /// A quality gate failed: `compare` found a regression.
    pub const GATE_FAILED: i32 = 1;
    /// Bad usage or bad input: nothing was run (the message names the file, line and
    /// column).
    pub const BAD_INPUT: i32 = 2;
    /// The run finished partial or was interrupted; its record is written and says so.
    pub const PARTIAL: i32 = 3;
}

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Every error stops a command before it could finish: bad usage or input (a gate
    /// that fails or a partial run is a result, not an error).
    pub fn exit_code(&self) -> i32 {
        exit_code::BAD_INPUT
    }
}

/// Text from a user's file or a model's output, made safe to print: control characters
/// (a stray escape sequence, a carriage return) are shown escaped (`\u{1b}`, `\r`)
/// rather than acting on the terminal. Tabs and newlines of multi-line messages stay.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
