//! The Node.js version an app asks for, in one place for both sides: the ubi-nodejs-extension
//! resolves it against the stack's catalogue, and the ubi-nodejs-buildpack checks the `node` it
//! finds when no extension installed one. Same plan entries, same priority, same parser, same
//! nvm aliases.
//!
//! A request is one of:
//!
//! - nothing (empty, or `default`): the stack's default;
//! - a node version range, as `package.json` `engines.node` reads it (`22`, `~22.11`,
//!   `>=20 <25`, `20 || 22`, `v20.11.1`), parsed with `nodejs-semver`;
//! - an nvm alias, as `.nvmrc` often holds: `node` and `stable` (the newest major),
//!   `lts/*` (the newest LTS major, an even one), `lts/<codename>` (that LTS line's major,
//!   [`LTS_LINES`], or the line after them, [`NEXT_LTS_LINE`]). An unknown codename is an
//!   error.
//!
//! ```
//! use nodejs_version::{Request, Resolution};
//!
//! let majors = [18, 20, 22, 23];
//! let resolve = |request: &str| Request::parse(request).unwrap().resolve(&majors, 22).unwrap();
//! assert_eq!(resolve("lts/*").major, 22);
//! assert_eq!(resolve("node").major, 23);
//! assert_eq!(resolve("lts/iron").major, 20);
//! assert_eq!(resolve("^18").major, 18);
//! assert_eq!(resolve("").resolution, Resolution::Default);
//! assert!(Request::parse("lts/nope").is_err());
//! ```

use libcnb_data::buildpack_plan::BuildpackPlan;
use nodejs_semver::{Range, Version};
use std::fmt;
use ubi_companion_contract::nodejs::{NODE, VERSION_SOURCES};
use ubi_companion_contract::{VERSION, VERSION_SOURCE};
use untrusted_input::{bounded, quoted};

/// How a candidate without a `version-source` is shown.
pub const UNKNOWN_SOURCE: &str = "<unknown>";

/// The longest request read, in bytes (npm's semver refuses versions over 256 characters).
pub const MAX_REQUEST_LENGTH: usize = 256;

/// Refuses a request longer than [`MAX_REQUEST_LENGTH`]: the limit both Node.js modules apply,
/// the companion when it writes a request into the build plan (detect), the extension when it
/// reads one ([`Request::parse`]), with the same error.
///
/// ```
/// assert!(nodejs_version::check_length("~22").is_ok());
/// let error = nodejs_version::check_length(&"2".repeat(1 << 20)).unwrap_err();
/// assert!(error.message("22222", "package.json").contains("(it is longer than 256 bytes)"));
/// ```
///
/// # Errors
/// When `request` is longer than [`MAX_REQUEST_LENGTH`] bytes.
pub fn check_length(request: &str) -> Result<(), RequestError> {
    if request.len() > MAX_REQUEST_LENGTH {
        return Err(RequestError::NotARange(format!(
            "it is longer than {MAX_REQUEST_LENGTH} bytes"
        )));
    }
    Ok(())
}

/// nvm's LTS codenames and the major of each line, oldest first. Node.js names its LTS lines
/// after chemical elements in alphabetical order, one initial per line (see
/// [`NEXT_LTS_LINE`] for the line after the last one here).
pub const LTS_LINES: [(&str, u32); 11] = [
    ("argon", 4),
    ("boron", 6),
    ("carbon", 8),
    ("dubnium", 10),
    ("erbium", 12),
    ("fermium", 14),
    ("gallium", 16),
    ("hydrogen", 18),
    ("iron", 20),
    ("jod", 22),
    ("krypton", 24),
];

/// The LTS line after the last of [`LTS_LINES`]: the initial its codename has, and its major.
///
/// Node.js 26 becomes LTS under a codename that had not been published when [`LTS_LINES`] was
/// last extended (the release schedule still lists it empty). Codenames go alphabetically,
/// one initial per line (argon 4, boron 6, ... krypton 24), so `lts/<codename>` whose codename
/// is a word starting with the next initial names this line: `.nvmrc` files written once nvm
/// knows the name resolve before this list does. When the name is published, add it to
/// [`LTS_LINES`] and move this to the line after it (Node.js 27: from 27 on every major is LTS,
/// so the majors no longer go by two); a test checks that the two agree.
pub const NEXT_LTS_LINE: (char, u32) = ('l', 26);

/// The most letters of a codename taken for [`NEXT_LTS_LINE`] (element names are shorter).
const MAX_CODENAME_LENGTH: usize = 16;

/// A `node` entry of the Buildpack Plan: its `metadata.version` and `metadata.version-source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// `metadata.version-source`, `None` when absent or empty.
    pub source: Option<String>,
    /// `metadata.version`, empty when absent.
    pub constraint: String,
}

impl Candidate {
    /// The source for logs and errors: a known source as it is, any other one quoted (bounded),
    /// `<unknown>` when there is none.
    #[must_use]
    pub fn source_label(&self) -> String {
        match self.source.as_deref() {
            None => UNKNOWN_SOURCE.to_string(),
            Some(source) if VERSION_SOURCES.contains(&source) => source.to_string(),
            Some(source) => quoted(source),
        }
    }

    fn priority(&self) -> usize {
        self.source
            .as_deref()
            .and_then(|source| VERSION_SOURCES.iter().position(|known| *known == source))
            .unwrap_or(VERSION_SOURCES.len())
    }
}

/// A `node` entry's `metadata.version` or `metadata.version-source` that is not a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanValueNotAString {
    pub key: &'static str,
    pub value: String,
}

impl fmt::Display for PlanValueNotAString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the Buildpack Plan's node entry has metadata.{} = {}, which is not a string. The \
             buildpack that requires node must write it as a string, e.g. {} = \"20\".",
            self.key,
            bounded(&self.value),
            self.key
        )
    }
}

impl std::error::Error for PlanValueNotAString {}

/// The `node` entries of the plan, highest priority first (a stable sort: entries of equal
/// priority keep their plan order). Only the first one's constraint counts. Empty when the plan
/// has no `node` entry.
///
/// # Errors
/// When a version or source is not a string.
pub fn candidates(plan: &BuildpackPlan) -> Result<Vec<Candidate>, PlanValueNotAString> {
    let mut candidates = Vec::new();
    for entry in plan.entries.iter().filter(|entry| entry.name == NODE) {
        let string = |key: &'static str| match entry.metadata.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|value| Some(value.to_string()))
                .ok_or_else(|| PlanValueNotAString {
                    key,
                    value: value.to_string(),
                }),
        };
        candidates.push(Candidate {
            constraint: string(VERSION)?.unwrap_or_default(),
            source: string(VERSION_SOURCE)?.filter(|source| !source.is_empty()),
        });
    }
    candidates.sort_by_key(Candidate::priority);
    Ok(candidates)
}

/// An nvm alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// `node` or `stable` (the word as written): the newest major.
    Newest(&'static str),
    /// `lts/*`: the newest LTS major, an even one.
    NewestLts,
    /// `lts/<codename>`: the major of that LTS line.
    Line { codename: &'static str, major: u32 },
    /// `lts/<codename>` with a codename that is not in [`LTS_LINES`] but has the initial of
    /// [`NEXT_LTS_LINE`]: its major.
    NextLine { major: u32 },
}

impl Alias {
    /// `Ok(None)` when `request` is no alias.
    fn parse(request: &str) -> Result<Option<Self>, RequestError> {
        let lower = request.to_ascii_lowercase();
        if let Some(word) = ["node", "stable"].into_iter().find(|word| *word == lower) {
            return Ok(Some(Self::Newest(word)));
        }
        let Some(codename) = lower.strip_prefix("lts/") else {
            return Ok(None);
        };
        if codename == "*" {
            return Ok(Some(Self::NewestLts));
        }
        if let Some(&(codename, major)) = LTS_LINES.iter().find(|(known, _)| *known == codename) {
            return Ok(Some(Self::Line { codename, major }));
        }
        let (initial, major) = NEXT_LTS_LINE;
        if codename.starts_with(initial)
            && (2..=MAX_CODENAME_LENGTH).contains(&codename.len())
            && codename.bytes().all(|byte| byte.is_ascii_lowercase())
        {
            return Ok(Some(Self::NextLine { major }));
        }
        Err(RequestError::UnknownLtsLine(
            request["lts/".len()..].to_string(),
        ))
    }

    /// The major this alias picks among `majors`.
    #[must_use]
    pub fn pick(self, majors: &[u32]) -> Option<u32> {
        let mut offered = majors.iter().copied();
        match self {
            Self::Newest(_) => offered.max(),
            Self::NewestLts => offered.filter(|major| major % 2 == 0).max(),
            Self::Line { major, .. } | Self::NextLine { major } => {
                offered.find(|offered| *offered == major)
            }
        }
    }

    /// What the alias stands for, for the log.
    #[must_use]
    pub fn meaning(self) -> String {
        match self {
            Self::Newest(_) => "the newest major offered".to_string(),
            Self::NewestLts => "the newest LTS (even) major offered".to_string(),
            Self::Line { codename, .. } => format!("the LTS line {codename}"),
            Self::NextLine { .. } => format!(
                "the LTS line after {} (codenames go alphabetically)",
                LTS_LINES.last().map_or("", |(codename, _)| codename)
            ),
        }
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Newest(word) => f.write_str(word),
            Self::NewestLts => f.write_str("lts/*"),
            Self::Line { codename, .. } => write!(f, "lts/{codename}"),
            Self::NextLine { .. } => write!(f, "lts/{}…", NEXT_LTS_LINE.0),
        }
    }
}

/// Why a request is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not a node version range: the reason.
    NotARange(String),
    /// `lts/<codename>` with a codename nvm does not know: the codename as written.
    UnknownLtsLine(String),
}

impl RequestError {
    /// The whole message, for `request` from `source` (a label as [`Candidate::source_label`]
    /// gives it).
    #[must_use]
    pub fn message(&self, request: &str, source: &str) -> String {
        let request = quoted(request);
        match self {
            Self::NotARange(reason) => format!(
                "the Node.js version {request} requested by {source} is not a version range \
                 ({reason}). Request a version or range as package.json engines.node accepts \
                 it, e.g. \"22\", \"~22.11\", \"^20.0.0\" or \">=20 <25\", or an nvm alias: \
                 node, stable, lts/* or lts/<codename>."
            ),
            Self::UnknownLtsLine(codename) => format!(
                "the Node.js version {request} requested by {source} names the LTS line {}, \
                 which nvm does not know. The LTS lines are {}, and the next one, whose codename \
                 starts with {} ({}). Request one of them (e.g. \"lts/jod\"), \"lts/*\" for the \
                 newest LTS the stack offers, or a version range.",
                quoted(codename),
                LTS_LINES
                    .iter()
                    .map(|(codename, major)| format!("{codename} ({major})"))
                    .collect::<Vec<_>>()
                    .join(", "),
                NEXT_LTS_LINE.0,
                NEXT_LTS_LINE.1
            ),
        }
    }
}

/// How the major was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// No request (empty or `default`): the stack's default.
    Default,
    /// The newest release of the major satisfies the range (upstream's rule: every stream
    /// stands for `<major>.1000.0`).
    Newest,
    /// Only some release of the major satisfies the range (e.g. an exact version): the
    /// stream's release is installed whatever its patch level.
    Stream,
    /// An nvm alias.
    Alias(Alias),
}

/// The chosen major and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub major: u32,
    pub resolution: Resolution,
}

/// A parsed request.
#[derive(Debug, Clone)]
pub enum Request {
    /// Empty, blank or `default`.
    Default,
    /// A node version range.
    Range(NodeRange),
    /// An nvm alias.
    Alias(Alias),
}

impl Request {
    /// Parses a request (the `version` of a plan entry).
    ///
    /// # Errors
    /// When it is longer than [`MAX_REQUEST_LENGTH`], names an unknown LTS line, or is not a
    /// node version range.
    pub fn parse(request: &str) -> Result<Self, RequestError> {
        check_length(request)?;
        let trimmed = request.trim_matches(' ');
        if let Some(alias) = Alias::parse(trimmed)? {
            return Ok(Self::Alias(alias));
        }
        Ok(NodeRange::parse(request)
            .map_err(RequestError::NotARange)?
            .map_or(Self::Default, Self::Range))
    }

    /// The major to install among `majors` (the stack's), `None` when none fits.
    ///
    /// A range picks, as upstream, the highest major whose newest release (`<major>.1000.0`)
    /// satisfies it; when none does, the highest major with *some* release in the range, so
    /// that exact versions (`20.11.1`) and narrow ranges (`~20.2`) select the stream the stack
    /// ships.
    #[must_use]
    pub fn resolve(&self, majors: &[u32], default_major: u32) -> Option<Resolved> {
        let highest =
            |fits: &dyn Fn(u32) -> bool| majors.iter().copied().filter(|m| fits(*m)).max();
        let (major, resolution) = match self {
            Self::Default => (default_major, Resolution::Default),
            Self::Alias(alias) => (alias.pick(majors)?, Resolution::Alias(*alias)),
            Self::Range(range) => match highest(&|major| range.satisfied_by_newest_of(major)) {
                Some(major) => (major, Resolution::Newest),
                None => (
                    highest(&|major| range.satisfied_by_some_of(major))?,
                    Resolution::Stream,
                ),
            },
        };
        Some(Resolved { major, resolution })
    }

    /// Whether the installed node `version` serves the request: a range must be satisfied by
    /// it exactly, an alias must pick its major if it were the only one offered.
    #[must_use]
    pub fn accepts(&self, version: &Version) -> bool {
        match self {
            Self::Default => true,
            Self::Range(range) => range.satisfies(version),
            Self::Alias(alias) => {
                u32::try_from(version.major()).is_ok_and(|major| alias.pick(&[major]).is_some())
            }
        }
    }
}

/// A node version range, as `package.json` `engines.node` reads it: alternatives separated by
/// `||`, each the intersection of its comparators (`None` when that intersection is empty).
///
/// Comparators are parsed one at a time and intersected here, so that a word that is no
/// comparator is an error (`20 foo`), and comparators with no common version match nothing
/// (`20 21`), as in node.
#[derive(Debug, Clone)]
pub struct NodeRange {
    alternatives: Vec<Option<Range>>,
}

/// The characters a node range can contain: digits, letters (`x`, `v`, pre-release and build
/// identifiers), `.`, `-`, `+`, `*`, the operators and spaces.
fn is_range_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " .-+*^~<>=|".contains(c)
}

const OPERATORS: [&str; 7] = ["<", ">", "<=", ">=", "=", "~", "^"];

impl NodeRange {
    /// Parses a range; `Ok(None)` for no request (empty, spaces only, or `default`). The error
    /// is the reason.
    fn parse(request: &str) -> Result<Option<Self>, String> {
        if let Some(c) = request.chars().find(|c| !is_range_char(*c)) {
            return Err(format!("it contains the character {c:?}"));
        }
        let request = request.trim_matches(' ');
        if request.is_empty() || request == "default" {
            return Ok(None);
        }
        // As upstream does (and node itself): `~>` means `~`.
        let request = request.replace("~>", "~");
        let alternatives = request
            .split("||")
            .map(parse_alternative)
            .collect::<Result<_, _>>()?;
        Ok(Some(Self { alternatives }))
    }

    fn satisfies(&self, version: &Version) -> bool {
        self.alternatives
            .iter()
            .flatten()
            .any(|range| range.satisfies(version))
    }

    /// `major.1000.0`, standing for the newest release of the stream, satisfies it.
    fn satisfied_by_newest_of(&self, major: u32) -> bool {
        self.satisfies(&Version::from((u64::from(major), 1000, 0)))
    }

    /// Some release `major.x.y` satisfies it.
    fn satisfied_by_some_of(&self, major: u32) -> bool {
        let Ok(stream) = Range::parse(format!("{major}.x")) else {
            return false;
        };
        self.alternatives
            .iter()
            .flatten()
            .any(|range| range.intersect(&stream).is_some())
    }
}

/// One `||` alternative: a hyphen range `A - B`, or comparators separated by spaces (an operator
/// may be followed by spaces, as in `>= 20`). An empty alternative matches anything, as in node.
fn parse_alternative(alternative: &str) -> Result<Option<Range>, String> {
    let words: Vec<&str> = alternative.split_whitespace().collect();
    if words.is_empty() {
        return Ok(Some(Range::any()));
    }
    if let [_, "-", _] = words.as_slice() {
        return parse_comparator(&words.join(" ")).map(Some);
    }
    let mut comparators: Vec<String> = Vec::new();
    let mut pending_operator: Option<&str> = None;
    for word in words {
        if OPERATORS.contains(&word) {
            if pending_operator.is_some() {
                return Err(format!(
                    "{} is not a comparator",
                    quoted(alternative.trim())
                ));
            }
            pending_operator = Some(word);
        } else {
            comparators.push(format!("{}{word}", pending_operator.take().unwrap_or("")));
        }
    }
    if let Some(operator) = pending_operator {
        return Err(format!("the operator {operator:?} has no version"));
    }
    let mut intersection = Range::any();
    for comparator in &comparators {
        let range = parse_comparator(comparator)?;
        match intersection.intersect(&range) {
            Some(narrower) => intersection = narrower,
            None => return Ok(None),
        }
    }
    Ok(Some(intersection))
}

fn parse_comparator(comparator: &str) -> Result<Range, String> {
    Range::parse(comparator)
        .map_err(|_| format!("{} is not a version or comparator", quoted(comparator)))
}

#[cfg(test)]
mod tests;
