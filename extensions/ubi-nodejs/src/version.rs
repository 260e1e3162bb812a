//! Which Node.js major to install: the version request from the Buildpack Plan, resolved against
//! the stack's Node.js streams with node's own range semantics.
//!
//! UBI ships one build per Node.js major (an RPM module stream), so a request selects a major.
//! Resolution has two tiers:
//!
//! 1. **Upstream-compatible.** Each stream stands for the newest release of its major (the Go
//!    extension fakes `<major>.1000`): the highest major `M` whose `M.1000.0` satisfies the range.
//! 2. **Only when tier 1 finds nothing:** the highest major `M` for which *some* version `M.x.y`
//!    satisfies the range, so that exact versions (`20.11.1`) and narrow ranges (`~20.2`,
//!    `16.5.x`) select the stream the stack ships instead of failing; the patch level then comes
//!    from the distribution's stream, not from the request.

use crate::errors::UbiNodejsError;
use cnb_extension::libcnb_data::buildpack_plan::BuildpackPlan;
use node_semver::{Range, Version};
use ubi_common::catalogue::Catalogue;
use ubi_common::stack::Stack;

/// The plan entry name this extension provides and resolves.
const NODE: &str = "node";

/// How a candidate without a `version-source` is shown.
pub(crate) const UNKNOWN_SOURCE: &str = "<unknown>";

/// Version sources from highest to lowest priority; any other source comes after them.
const PRIORITIES: [&str; 4] = ["BP_NODE_VERSION", "package.json", ".nvmrc", ".node-version"];

/// A `node` entry of the Buildpack Plan: its `metadata.version` and `metadata.version-source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// `metadata.version-source`, `None` when absent or empty.
    pub(crate) source: Option<String>,
    /// `metadata.version`, empty when absent.
    pub(crate) constraint: String,
}

impl Candidate {
    /// The source for logs and errors: the `version-source`, or `<unknown>`.
    pub(crate) fn source_label(&self) -> String {
        self.source.as_deref().map_or_else(
            || UNKNOWN_SOURCE.to_string(),
            |source| source.escape_debug().to_string(),
        )
    }

    fn priority(&self) -> usize {
        self.source
            .as_deref()
            .and_then(|source| PRIORITIES.iter().position(|known| *known == source))
            .unwrap_or(PRIORITIES.len())
    }
}

/// The `node` entries of the plan, highest priority first (a stable sort: entries of equal
/// priority keep their plan order). Only the first one's constraint is used.
///
/// Errors when there is no `node` entry, or when a version or source is not a string.
pub(crate) fn candidates(plan: &BuildpackPlan) -> Result<Vec<Candidate>, UbiNodejsError> {
    let mut candidates = Vec::new();
    for entry in plan.entries.iter().filter(|entry| entry.name == NODE) {
        let string = |key: &'static str| match entry.metadata.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|value| Some(value.to_string()))
                .ok_or_else(|| UbiNodejsError::PlanValueNotAString {
                    key,
                    value: value.to_string(),
                }),
        };
        candidates.push(Candidate {
            constraint: string("version")?.unwrap_or_default(),
            source: string("version-source")?.filter(|source| !source.is_empty()),
        });
    }
    if candidates.is_empty() {
        return Err(UbiNodejsError::NodeNotRequested);
    }
    candidates.sort_by_key(Candidate::priority);
    Ok(candidates)
}

/// How the major was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// No request (empty or `default`): the catalogue's default.
    Default,
    /// Tier 1: the newest release of the major satisfies the request.
    Newest,
    /// Tier 2: only some release of the major satisfies the request (e.g. an exact version); the
    /// stream's release is installed whatever its patch level.
    Stream,
}

/// The chosen major and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) major: u32,
    pub(crate) resolution: Resolution,
}

/// Resolves the winning candidate against the catalogue's streams (whose default
/// [`Catalogue::require_default`] has checked).
pub(crate) fn resolve(
    candidate: &Candidate,
    catalogue: &Catalogue,
    stack: Stack,
) -> Result<Resolved, UbiNodejsError> {
    let raw = candidate.constraint.as_str();
    let range = NodeRange::parse(raw).map_err(|reason| UbiNodejsError::InvalidVersionRequest {
        request: raw.to_string(),
        source: candidate.source_label(),
        reason,
    })?;
    let default_major = catalogue.require_default()?;
    let Some(range) = range else {
        return Ok(Resolved {
            major: default_major,
            resolution: Resolution::Default,
        });
    };
    let majors = catalogue.majors();
    let highest =
        |matches: &dyn Fn(u32) -> bool| majors.iter().rev().copied().find(|m| matches(*m));
    if let Some(major) = highest(&|major| range.satisfied_by_newest_of(major)) {
        return Ok(Resolved {
            major,
            resolution: Resolution::Newest,
        });
    }
    if let Some(major) = highest(&|major| range.satisfied_by_some_of(major)) {
        return Ok(Resolved {
            major,
            resolution: Resolution::Stream,
        });
    }
    Err(UbiNodejsError::UnsatisfiableVersion {
        request: raw.to_string(),
        source: candidate.source_label(),
        stack,
        majors,
        default_major,
    })
}

/// A node version range, as `package.json` `engines.node` reads it: alternatives separated by
/// `||`, each the intersection of its comparators (`None` when that intersection is empty).
///
/// Comparators are parsed one at a time with `node-semver` and intersected here, because
/// `Range::parse` of a whole alternative silently drops words it cannot parse (`20 foo` is `20`)
/// and turns comparators with no common version into alternatives (`20 21` would be
/// `20 || 21`; node reads it as nothing).
#[derive(Debug, Clone)]
pub(crate) struct NodeRange {
    alternatives: Vec<Option<Range>>,
}

/// The characters a node range can contain: digits, letters (`x`, `v`, pre-release and build
/// identifiers), `.`, `-`, `+`, `*`, the operators and spaces.
fn is_range_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " .-+*^~<>=|".contains(c)
}

const OPERATORS: [&str; 7] = ["<", ">", "<=", ">=", "=", "~", "^"];

impl NodeRange {
    /// Parses a request; `Ok(None)` for no request (empty, spaces only, or `default`).
    /// The error is the reason, for [`UbiNodejsError::InvalidVersionRequest`].
    pub(crate) fn parse(request: &str) -> Result<Option<Self>, String> {
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

    /// Tier 1: `major.1000.0`, standing for the newest release of the stream, satisfies it.
    fn satisfied_by_newest_of(&self, major: u32) -> bool {
        self.satisfies(&Version::from((u64::from(major), 1000, 0)))
    }

    /// Tier 2: some release `major.x.y` satisfies it.
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
                return Err(format!("{:?} is not a comparator", alternative.trim()));
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
    Range::parse(comparator).map_err(|_| format!("{comparator:?} is not a version or comparator"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;
    use std::path::PathBuf;

    fn catalogue(majors: &[u32], default_major: u32) -> Catalogue {
        Catalogue {
            path: PathBuf::from("/etc/buildpacks/images.json"),
            runtime: ubi_common::catalogue::Runtime::NODEJS,
            streams: majors
                .iter()
                .map(|&major| ubi_common::catalogue::Stream {
                    major,
                    name: format!("nodejs-{major}"),
                    run_image: None,
                })
                .collect(),
            marked_default: Some(default_major),
        }
    }

    fn candidate(source: Option<&str>, constraint: &str) -> Candidate {
        Candidate {
            source: source.map(str::to_string),
            constraint: constraint.to_string(),
        }
    }

    /// Upstream's test setup: majors 16 and 18, default 18, on ubi8.
    fn resolve_upstream(constraint: &str) -> Result<Resolved, UbiNodejsError> {
        resolve(
            &candidate(Some("BP_NODE_VERSION"), constraint),
            &catalogue(&[16, 18], 18),
            Stack::Ubi8,
        )
    }

    fn plan(text: &str) -> BuildpackPlan {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_upstream_table_resolves_as_upstream() {
        for (constraint, major) in [
            ("16 - 18", 18),
            ("16.0.0 - 18.0.0", 16),
            ("<18.5.1", 16),
            (">18.5.1", 18),
            ("16 <18.5.1", 16),
            ("<1.0.0 || >=2.5.2 <3.0.0 || >=2.3.1 <18.4.5", 16),
            ("v18", 18),
            ("16", 16),
            ("~16", 16),
            ("^18.0.x", 18),
            (">16", 18),
            (">13", 18),
            ("x", 18),
            // The priority tests' winning constraint.
            ("=16", 16),
        ] {
            assert_eq!(
                resolve_upstream(constraint),
                Ok(Resolved {
                    major,
                    resolution: Resolution::Newest
                }),
                "{constraint:?}"
            );
        }
    }

    #[test]
    fn no_request_is_the_default() {
        for constraint in ["", "default", "  "] {
            assert_eq!(
                resolve_upstream(constraint),
                Ok(Resolved {
                    major: 18,
                    resolution: Resolution::Default
                })
            );
        }
        // With the default set to 16, from any source (upstream tests BP_NODE_VERSION).
        for source in [Some("BP_NODE_VERSION"), Some("package.json"), None] {
            assert_eq!(
                resolve(
                    &candidate(source, ""),
                    &catalogue(&[16, 18], 16),
                    Stack::Ubi8
                ),
                Ok(Resolved {
                    major: 16,
                    resolution: Resolution::Default
                })
            );
        }
    }

    #[test]
    fn requests_upstream_rejects_now_select_the_stream_of_their_major() {
        for (constraint, major) in [
            ("17 - 18.0.0", 18),
            ("18.0.0", 18),
            ("v18.999.0", 18),
            ("~16.2", 16),
            ("16.5.x", 16),
            ("16.20.2", 16),
            ("=v16.1", 16),
            ("^16.4.0 <16.5", 16),
        ] {
            assert_eq!(
                resolve_upstream(constraint),
                Ok(Resolved {
                    major,
                    resolution: Resolution::Stream
                }),
                "{constraint:?}"
            );
        }
    }

    #[test]
    fn requests_no_stream_satisfies_still_fail() {
        for constraint in [
            "15", ">18", "~14", "<0", "20.11.1", ">=16 <15", "16 18", "^19",
        ] {
            let error = resolve_upstream(constraint).unwrap_err();
            assert_eq!(
                error,
                UbiNodejsError::UnsatisfiableVersion {
                    request: constraint.to_string(),
                    source: "BP_NODE_VERSION".to_string(),
                    stack: Stack::Ubi8,
                    majors: vec![16, 18],
                    default_major: 18,
                },
                "{constraint:?}"
            );
        }
        assert_eq!(
            resolve_upstream("~14").unwrap_err().to_string(),
            "failed to satisfy \"node\" dependency version constraint \"~14\": no compatible \
             versions on \"io.buildpacks.stacks.ubi8\" stack. Supported versions are: [16, 18]. \
             The constraint comes from BP_NODE_VERSION: request one of these major versions \
             (e.g. \"~18\"), or remove the request to get the default, Node.js 18."
        );
    }

    #[test]
    fn node_range_syntax() {
        let majors = [16, 18, 20, 22, 24];
        for (constraint, major) in [
            ("~>16", 16),
            ("~> 16", 16),
            (">= 20 < 22", 20),
            ("^ 22", 22),
            ("20.x.x", 20),
            ("22.*.*", 22),
            ("*", 24),
            ("X", 24),
            ("20 || 22", 22),
            (">=16 <17 || 18.x", 18),
            ("16 ||", 24),
            ("^22.0.0-rc.1", 22),
            ("v20", 20),
            (" 20 ", 20),
            ("lts", 0),
        ] {
            let resolved = resolve(
                &candidate(Some("package.json"), constraint),
                &catalogue(&majors, 24),
                Stack::Ubi9,
            );
            if major == 0 {
                assert!(resolved.is_err(), "{constraint:?}");
            } else {
                assert_eq!(resolved.map(|r| r.major), Ok(major), "{constraint:?}");
            }
        }
    }

    #[test]
    fn requests_that_are_not_ranges_are_errors_that_quote_them() {
        for (constraint, reason) in [
            ("20\nRUN id", "it contains the character '\\n'"),
            ("20\n", "it contains the character '\\n'"),
            ("\t20", "it contains the character '\\t'"),
            ("20; rm -rf /", "it contains the character ';'"),
            ("$(id)", "it contains the character '$'"),
            ("`id`", "it contains the character '`'"),
            ("\"20\"", "it contains the character '\"'"),
            ("'20'", "it contains the character '\\''"),
            ("lts/*", "it contains the character '/'"),
            ("20 foo", "\"foo\" is not a version or comparator"),
            ("node", "\"node\" is not a version or comparator"),
            ("latest", "\"latest\" is not a version or comparator"),
            ("1.2.3.4", "\"1.2.3.4\" is not a version or comparator"),
            ("16 - 18 - 20", "\"-\" is not a version or comparator"),
            (">=", "the operator \">=\" has no version"),
            ("> < 16", "\"> < 16\" is not a comparator"),
            ("|", "\"|\" is not a version or comparator"),
        ] {
            let error = resolve(
                &candidate(Some("package.json"), constraint),
                &catalogue(&[20], 20),
                Stack::Ubi9,
            )
            .unwrap_err();
            assert_eq!(
                error,
                UbiNodejsError::InvalidVersionRequest {
                    request: constraint.to_string(),
                    source: "package.json".to_string(),
                    reason: reason.to_string(),
                },
                "{constraint:?}"
            );
        }
        let message = resolve(
            &candidate(Some("BP_NODE_VERSION"), "20; rm -rf /"),
            &catalogue(&[20], 20),
            Stack::Ubi9,
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.starts_with(
                "the Node.js version \"20; rm -rf /\" requested by BP_NODE_VERSION is not a \
                 version range (it contains the character ';')."
            ),
            "{message}"
        );
    }

    #[test]
    fn candidates_are_the_node_entries_in_priority_order() {
        let plan = plan(
            r#"
            [[entries]]
            name = "node"
            [entries.metadata]
            version = "<0"
            version-source = "custom"

            [[entries]]
            name = "npm"

            [[entries]]
            name = "node"
            [entries.metadata]
            version = "<1"
            version-source = ".node-version"

            [[entries]]
            name = "node"
            [entries.metadata]
            version = "<2"
            version-source = ".nvmrc"

            [[entries]]
            name = "node"
            [entries.metadata]
            version = "<3"

            [[entries]]
            name = "node"
            [entries.metadata]
            version = "<4"
            version-source = "package.json"

            [[entries]]
            name = "node"
            [entries.metadata]
            version = "=16"
            version-source = "BP_NODE_VERSION"

            [[entries]]
            name = "node"
            [entries.metadata]
            build = true
            version-source = ""
            "#,
        );
        let candidates = candidates(&plan).unwrap();
        assert_eq!(
            candidates,
            [
                candidate(Some("BP_NODE_VERSION"), "=16"),
                candidate(Some("package.json"), "<4"),
                candidate(Some(".nvmrc"), "<2"),
                candidate(Some(".node-version"), "<1"),
                candidate(Some("custom"), "<0"),
                candidate(None, "<3"),
                candidate(None, ""),
            ]
        );
        assert_eq!(candidates[5].source_label(), "<unknown>");
    }

    #[test]
    fn only_the_highest_priority_constraint_counts() {
        // Upstream's priority tests: the top source asks for =16, every other for <0.
        let sources = ["BP_NODE_VERSION", "package.json", ".nvmrc", ".node-version"];
        for (top, winner) in sources.iter().enumerate() {
            let mut text = String::new();
            for (index, source) in sources.iter().enumerate().skip(top).rev() {
                let version = if index == top { "=16" } else { "<0" };
                write!(
                    text,
                    "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = \"{version}\"\n\
                     version-source = \"{source}\"\n"
                )
                .unwrap();
            }
            text.push_str("[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = \"<0\"\n");
            let candidates = candidates(&plan(&text)).unwrap();
            assert_eq!(candidates[0], candidate(Some(winner), "=16"));
            assert_eq!(
                resolve(&candidates[0], &catalogue(&[16, 18], 18), Stack::Ubi8),
                Ok(Resolved {
                    major: 16,
                    resolution: Resolution::Newest
                })
            );
        }
    }

    #[test]
    fn no_node_entry_is_an_error() {
        for text in ["", "[[entries]]\nname = \"npm\"\n"] {
            let error = candidates(&plan(text)).unwrap_err();
            assert_eq!(error, UbiNodejsError::NodeNotRequested);
            assert!(
                error
                    .to_string()
                    .starts_with("Node.js no longer requested by build plan")
            );
        }
    }

    #[test]
    fn plan_values_must_be_strings() {
        let error = candidates(&plan(
            "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = 20\n",
        ))
        .unwrap_err();
        assert_eq!(
            error,
            UbiNodejsError::PlanValueNotAString {
                key: "version",
                value: "20".to_string()
            }
        );
        assert!(
            candidates(&plan(
                "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion-source = [1]\n",
            ))
            .is_err()
        );
    }

    #[test]
    fn sources_are_escaped_for_the_log() {
        assert_eq!(candidate(Some("a\nb\"c"), "").source_label(), "a\\nb\\\"c");
    }
}
