//! The one error type of the importers: which file, where in it, which field, what is wrong.

use std::fmt;

/// A place in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// A 1-based line number.
    Line(u64),
    /// A JSON path such as `$.UserDetailList[3].CreateDate`.
    Path(String),
    /// A line of content decoded from inside the file (e.g. a base64 `Content` field).
    Embedded {
        /// JSON path of the field that holds the embedded text.
        path: String,
        /// 1-based line inside the decoded text.
        line: u64,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(n) => write!(f, "line {n}"),
            Location::Path(p) => write!(f, "at {p}"),
            Location::Embedded { path, line } => write!(f, "{path} (decoded) line {line}"),
        }
    }
}

/// Why a file could not be imported.
#[derive(Debug)]
pub struct ImportError {
    /// File name as given by the user.
    pub file: String,
    /// Where.
    pub location: Location,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong and, where possible, what to do.
    pub message: String,
}

impl ImportError {
    /// A new error.
    pub fn new(
        file: &str,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        ImportError {
            file: file.to_owned(),
            location,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.file)?;
        if self.location != Location::File {
            write!(f, " {}", self.location)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}
