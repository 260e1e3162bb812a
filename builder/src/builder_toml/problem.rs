//! What a check reports: problems, each with the key path in pack's terms
//! (`order[1].group[0].id`) and the line it is on, collected in [`Problems`].

use std::fmt;
use std::path::PathBuf;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use untrusted_input::{QUOTE_LIMIT, quoted};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A key path such as `order[1].group[0].id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    pub(super) fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_string()));
        path
    }

    pub(super) fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    pub(super) fn parse(text: &str) -> Self {
        let mut segments = Vec::new();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
            segments.push(Segment::Key(key.to_string()));
            while let Some((index, after)) = rest.split_once(']') {
                if let Ok(index) = index.parse() {
                    segments.push(Segment::Index(index));
                }
                rest = after.strip_prefix('[').unwrap_or(after);
            }
        }
        Self(segments)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            let key = match segment {
                Segment::Index(index) => {
                    write!(f, "[{index}]")?;
                    continue;
                }
                Segment::Key(key) => key,
            };
            if position > 0 {
                f.write_str(".")?;
            }
            // Keys come from the file: a bare TOML key as it is, anything else quoted, cut
            // when long.
            let bare = key.len() <= QUOTE_LIMIT
                && !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if bare {
                f.write_str(key)?;
            } else {
                f.write_str(&quoted(key))?;
            }
        }
        Ok(())
    }
}

/// One problem of a builder.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key the problem is about (empty for the whole file).
    pub key: KeyPath,
    /// The 1-based line of the key, or of its nearest enclosing table, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// The problems of one builder.toml; displayed one per line as `<file>:<line>: <key>: <message>`.
#[derive(Debug, Clone)]
pub struct CheckError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, problem) in self.problems.iter().enumerate() {
            if position > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.file.display())?;
            if let Some(line) = problem.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
            if !problem.key.0.is_empty() {
                write!(f, "{}: ", problem.key)?;
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

/// The offsets where the lines of a text start: the line of an offset in logarithmic time,
/// after one pass over the text.
pub(super) struct Lines(Vec<usize>);

impl Lines {
    pub(super) fn new(text: &str) -> Self {
        count_work(text.len());
        Self(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
        )
    }

    /// The 1-based line holding `offset`.
    pub(super) fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| {
            count_work(1);
            start <= offset
        })
    }
}

/// The problems a check finds, each placed on the line of its key in the document: every check
/// is a function that adds to this list.
pub(super) struct Problems<'a> {
    pub(super) lines: Lines,
    pub(super) document: &'a Spanned<DeTable<'a>>,
    pub(super) list: Vec<Problem>,
    /// What pack would accept, and the packager cannot verify or warns about.
    pub(super) warnings: Vec<Problem>,
}

impl Problems<'_> {
    /// Adds a problem about `key`, on its line (or its nearest existing ancestor's).
    pub(super) fn add(&mut self, key: KeyPath, message: impl Into<String>) {
        let problem = self.placed(key, message.into());
        self.list.push(problem);
    }

    /// Adds a warning about `key`, on its line.
    pub(super) fn warn(&mut self, key: KeyPath, message: impl Into<String>) {
        let warning = self.placed(key, message.into());
        self.warnings.push(warning);
    }

    /// A problem about `key`, on its line.
    fn placed(&self, key: KeyPath, message: String) -> Problem {
        let line = self.line(&key);
        Problem { key, line, message }
    }

    /// The line of `key`, or of its nearest existing ancestor.
    fn line(&self, key: &KeyPath) -> Option<usize> {
        let mut span = None;
        let mut table: Option<&DeTable<'_>> = Some(self.document.get_ref());
        let mut value: Option<&Spanned<DeValue<'_>>> = None;
        for segment in &key.0 {
            let next = match (segment, table, value) {
                (Segment::Key(key), Some(table), _) => table
                    .iter()
                    .find(|(name, _)| name.get_ref().as_ref() == key.as_str())
                    .map(|(_, value)| value),
                (Segment::Index(index), _, Some(current)) => match current.get_ref() {
                    DeValue::Array(items) => items.get(*index),
                    _ => None,
                },
                _ => None,
            };
            let Some(next) = next else { break };
            span = Some(next.span());
            value = Some(next);
            table = match next.get_ref() {
                DeValue::Table(inner) => Some(inner),
                _ => None,
            };
        }
        span.map(|span| self.lines.of(span.start))
    }
}

#[cfg(test)]
thread_local! {
    /// The work of finding lines (bytes indexed, line starts compared), counted for the
    /// linearity test: work counted, never timed.
    pub(super) static LINE_WORK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[inline]
fn count_work(steps: usize) {
    #[cfg(test)]
    LINE_WORK.with(|work| work.set(work.get() + steps));
    #[cfg(not(test))]
    let _ = steps;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths() {
        let path = KeyPath::parse("order[1].group[0].id");
        assert_eq!(path.to_string(), "order[1].group[0].id");
        assert_eq!(path.0.len(), 5);
        assert_eq!(KeyPath::parse("build.image").to_string(), "build.image");
    }
}
