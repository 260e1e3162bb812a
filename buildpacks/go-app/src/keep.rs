//! Removing the app's source code from the image after the build, except the files the user
//! keeps with `BP_KEEP_FILES`, as Paketo's go-build does: colon-separated globs relative to
//! the app, compiled by the `globset` crate into one matcher that runs in linear time (no
//! backtracking, whatever the pattern). `*` and `?` do not cross `/`; `**` spans directories
//! (`assets/**`, `**/*.html`); `[a-z]`, `[!a-z]` (or `[^a-z]`) classes; `{a,b}` alternatives;
//! `\` escapes. A kept directory is kept whole.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;
use untrusted_input::quoted;

pub(crate) const BP_KEEP_FILES: &str = "BP_KEEP_FILES";

/// The most patterns `BP_KEEP_FILES` may hold, and the longest pattern: compiling the matcher
/// takes time in proportion to the patterns' total size, which these bound.
pub(crate) const MAX_PATTERNS: usize = 100;
pub(crate) const MAX_PATTERN_LENGTH: usize = 1024;

/// The `BP_KEEP_FILES` patterns, compiled into one matcher.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeepFiles {
    /// The patterns as given (trimmed, a leading `./` removed), for the log.
    pub(crate) patterns: Vec<String>,
    set: GlobSet,
}

/// Equal patterns compile to equal matchers.
impl PartialEq for KeepFiles {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl Eq for KeepFiles {}

impl KeepFiles {
    /// Whether the app's `path` (relative, `/`-separated) is kept.
    pub(crate) fn keeps(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// A `BP_KEEP_FILES` pattern that is not a glob: the pattern, quoted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError(pub(crate) String);

/// Parses `BP_KEEP_FILES`.
///
/// # Errors
/// A malformed pattern (an unclosed `[` or `{`, a trailing `\`), more than [`MAX_PATTERNS`]
/// patterns, or one longer than [`MAX_PATTERN_LENGTH`].
pub(crate) fn parse_patterns(value: Option<&str>) -> Result<KeepFiles, PatternError> {
    let patterns: Vec<String> = value
        .unwrap_or_default()
        .split(':')
        .map(|pattern| pattern.trim().trim_start_matches("./").to_string())
        .filter(|pattern| !pattern.is_empty())
        .collect();
    if patterns.len() > MAX_PATTERNS {
        return Err(PatternError(format!(
            "{} patterns: at most {MAX_PATTERNS} are accepted",
            patterns.len()
        )));
    }
    let mut set = GlobSetBuilder::new();
    for pattern in &patterns {
        if pattern.len() > MAX_PATTERN_LENGTH {
            return Err(PatternError(format!(
                "{} is longer than {MAX_PATTERN_LENGTH} characters",
                quoted(pattern)
            )));
        }
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|error| PatternError(format!("{} ({})", quoted(pattern), error.kind())))?;
        set.add(glob);
    }
    let set = set
        .build()
        .map_err(|error| PatternError(format!("the patterns cannot be compiled ({error})")))?;
    Ok(KeepFiles { patterns, set })
}

/// What the removal did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Removal {
    /// Entries removed at the top of the app (files, links, directories).
    pub(crate) removed: usize,
    /// The kept paths that matched a pattern, relative to the app.
    pub(crate) kept: Vec<String>,
}

/// Removes everything in `app_dir` but what `patterns` keep (and the directories leading to it).
/// Symbolic links are removed, never followed.
///
/// # Errors
/// When something cannot be listed or removed.
pub(crate) fn remove_sources(app_dir: &Path, keep: &KeepFiles) -> std::io::Result<Removal> {
    let mut removal = Removal::default();
    prune(app_dir, "", keep, &mut removal, true)?;
    removal.kept.sort();
    Ok(removal)
}

/// Prunes `dir`; returns whether anything in it was kept.
fn prune(
    dir: &Path,
    relative: &str,
    keep: &KeepFiles,
    removal: &mut Removal,
    top: bool,
) -> std::io::Result<bool> {
    let mut kept_any = false;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path_relative = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        if keep.keeps(&path_relative) {
            removal.kept.push(path_relative);
            kept_any = true;
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if prune(&path, &path_relative, keep, removal, false)? {
                kept_any = true;
                continue;
            }
            std::fs::remove_dir(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
        if top {
            removal.removed += 1;
        }
    }
    Ok(kept_any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(value: &str) -> KeepFiles {
        parse_patterns(Some(value)).unwrap()
    }

    #[test]
    fn globs_like_filepath_match_and_more() {
        for (pattern, name, expected) in [
            ("*.html", "index.html", true),
            ("*.html", "static/index.html", false),
            ("static/*", "static/a.css", true),
            ("static/*", "static/css/a.css", false),
            ("static/**", "static/css/a.css", true),
            ("**/*.html", "a/b/c.html", true),
            ("**/*.html", "c.html", true),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("?", "/", false),
            ("[a-c]*", "banana", true),
            ("[^a-c]*", "banana", false),
            ("[!a-c]*", "date", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[]a]", "]", true),
            ("a/b", "a/b", true),
            ("{a,b}.txt", "b.txt", true),
        ] {
            assert_eq!(keep(pattern).keeps(name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn patterns() {
        assert_eq!(keep("./assets/*: :*.md").patterns, ["assets/*", "*.md"]);
        assert!(parse_patterns(None).unwrap().patterns.is_empty());
        assert!(!parse_patterns(None).unwrap().keeps("main.go"));
        for bad in ["[x", "a\\", "{a,b"] {
            let error = parse_patterns(Some(&format!("ok:{bad}"))).unwrap_err();
            assert!(error.0.starts_with(&format!("{bad:?} (")), "{error:?}");
        }
        let many = vec!["a"; MAX_PATTERNS + 1].join(":");
        assert_eq!(
            parse_patterns(Some(&many)).unwrap_err().0,
            "101 patterns: at most 100 are accepted"
        );
        assert!(parse_patterns(Some(&vec!["a"; MAX_PATTERNS].join(":"))).is_ok());
        let long = "a".repeat(MAX_PATTERN_LENGTH + 1);
        assert!(
            parse_patterns(Some(&long))
                .unwrap_err()
                .0
                .ends_with("is longer than 1024 characters")
        );
    }

    /// Issue 13 item 6: a dozen `*` against a long name backtracked exponentially (hours).
    #[test]
    fn matching_takes_linear_time() {
        let (matched, removed) = cnb_harness::within_hang_guard("BP_KEEP_FILES matching", || {
            let pattern = format!("{}b", "*a".repeat(12));
            let keep = parse_patterns(Some(&pattern)).unwrap();
            let name = "a".repeat(200);
            let app = tempfile::tempdir().unwrap();
            std::fs::write(app.path().join(&name), "x").unwrap();
            let matched = keep.keeps(&name);
            (matched, remove_sources(app.path(), &keep).unwrap().removed)
        });
        assert!(!matched);
        assert_eq!(removed, 1);
    }

    #[test]
    fn removes_all_but_the_kept_files() {
        let app = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = app.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        };
        for path in [
            "main.go",
            "go.mod",
            "README.md",
            "assets/logo.png",
            "assets/css/site.css",
            "templates/index.html",
            "templates/deep/page.html",
            "cmd/a/main.go",
        ] {
            write(path);
        }
        std::os::unix::fs::symlink("/etc", app.path().join("link")).unwrap();
        let removal = remove_sources(app.path(), &keep("assets:templates/*.html:*.md")).unwrap();
        assert_eq!(
            removal.kept,
            ["README.md", "assets", "templates/index.html"]
        );
        assert_eq!(removal.removed, 4); // main.go, go.mod, cmd, link
        let mut left: Vec<String> = Vec::new();
        let mut pending = vec![app.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path.clone());
                }
                left.push(
                    path.strip_prefix(app.path())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        left.sort();
        assert_eq!(
            left,
            [
                "README.md",
                "assets",
                "assets/css",
                "assets/css/site.css",
                "assets/logo.png",
                "templates",
                "templates/index.html"
            ]
        );
        assert!(std::path::Path::new("/etc").is_dir());
    }

    #[test]
    fn removes_everything_without_patterns() {
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("cmd")).unwrap();
        std::fs::write(app.path().join("cmd/x.go"), "x").unwrap();
        std::fs::write(app.path().join("go.mod"), "x").unwrap();
        let removal = remove_sources(app.path(), &KeepFiles::default()).unwrap();
        assert_eq!(removal.removed, 2);
        assert_eq!(std::fs::read_dir(app.path()).unwrap().count(), 0);
    }
}
