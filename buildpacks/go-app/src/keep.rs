//! Removing the app's source code from the image after the build, except the files the user
//! keeps with `BP_KEEP_FILES` (colon-separated globs relative to the app, as Go's
//! `filepath.Match` reads them: `*` and `?` do not cross `/`, `[a-z]`, `[^a]`, `\` escapes),
//! as Paketo's go-build does. A kept directory is kept whole.

use std::path::Path;

pub(crate) const BP_KEEP_FILES: &str = "BP_KEEP_FILES";

/// A `BP_KEEP_FILES` pattern that is not a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError(pub(crate) String);

/// Parses `BP_KEEP_FILES`.
///
/// # Errors
/// A malformed pattern (an unclosed `[`, a trailing `\`).
pub(crate) fn parse_patterns(value: Option<&str>) -> Result<Vec<String>, PatternError> {
    let patterns: Vec<String> = value
        .unwrap_or_default()
        .split(':')
        .map(|pattern| pattern.trim().trim_start_matches("./").to_string())
        .filter(|pattern| !pattern.is_empty())
        .collect();
    for pattern in &patterns {
        glob_match(pattern, "").ok_or_else(|| PatternError(pattern.clone()))?;
    }
    Ok(patterns)
}

/// Whether `name` matches `pattern`; `None` for a malformed pattern.
pub(crate) fn glob_match(pattern: &str, name: &str) -> Option<bool> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Validate the whole pattern first, as Go does, so a bad pattern never half-matches.
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '\\' => i += 2,
            '[' => i = class_end(&pattern, i)?,
            _ => i += 1,
        }
    }
    if pattern.last() == Some(&'\\') && !ends_escaped_twice(&pattern) {
        return None;
    }
    Some(match_here(&pattern, &name))
}

fn ends_escaped_twice(pattern: &[char]) -> bool {
    pattern.iter().rev().take_while(|&&c| c == '\\').count() % 2 == 0
}

/// The index after the class starting at `start` (`[`), `None` when it is not closed.
fn class_end(pattern: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(pattern.get(i), Some('^' | '!')) {
        i += 1;
    }
    let mut first = true;
    loop {
        match pattern.get(i)? {
            ']' if !first => return Some(i + 1),
            '\\' => i += 2,
            _ => i += 1,
        }
        first = false;
    }
}

fn match_here(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => (0..=name.len())
            .take_while(|&n| n == 0 || name[n - 1] != '/')
            .any(|n| match_here(rest, &name[n..])),
        '?' => name.first().is_some_and(|&c| c != '/') && match_here(rest, &name[1..]),
        '[' => {
            let Some(end) = class_end(pattern, 0) else {
                return false;
            };
            name.first()
                .is_some_and(|&c| c != '/' && class_matches(&pattern[1..end - 1], c))
                && match_here(&pattern[end..], &name[1..])
        }
        '\\' => {
            pattern.get(1).is_some_and(|&c| name.first() == Some(&c))
                && match_here(&pattern[2..], &name[1..])
        }
        c => name.first() == Some(&c) && match_here(rest, &name[1..]),
    }
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, mut class) = match class.split_first() {
        Some(('^' | '!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut matched = false;
    while let Some((&low, rest)) = class.split_first() {
        let (low, rest) = if low == '\\' {
            match rest.split_first() {
                Some((&escaped, rest)) => (escaped, rest),
                None => break,
            }
        } else {
            (low, rest)
        };
        if let (Some('-'), Some(&high)) = (rest.first(), rest.get(1)) {
            matched |= (low..=high).contains(&c);
            class = &rest[2..];
        } else {
            matched |= low == c;
            class = rest;
        }
    }
    matched != negated
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
pub(crate) fn remove_sources(app_dir: &Path, patterns: &[String]) -> std::io::Result<Removal> {
    let mut removal = Removal::default();
    prune(app_dir, "", patterns, &mut removal, true)?;
    removal.kept.sort();
    Ok(removal)
}

/// Prunes `dir`; returns whether anything in it was kept.
fn prune(
    dir: &Path,
    relative: &str,
    patterns: &[String],
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
        if patterns
            .iter()
            .any(|pattern| glob_match(pattern, &path_relative) == Some(true))
        {
            removal.kept.push(path_relative);
            kept_any = true;
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if prune(&path, &path_relative, patterns, removal, false)? {
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

    #[test]
    fn globs_like_filepath_match() {
        for (pattern, name, expected) in [
            ("*.html", "index.html", true),
            ("*.html", "static/index.html", false),
            ("static/*", "static/a.css", true),
            ("static/*", "static/css/a.css", false),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("[a-c]*", "banana", true),
            ("[^a-c]*", "banana", false),
            ("[!a-c]*", "date", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[]a]", "]", true),
            ("a/b", "a/b", true),
        ] {
            assert_eq!(
                glob_match(pattern, name),
                Some(expected),
                "{pattern} {name}"
            );
        }
        assert_eq!(glob_match("[a-", "a"), None);
        assert_eq!(glob_match("a\\", "a"), None);
    }

    #[test]
    fn patterns() {
        assert_eq!(
            parse_patterns(Some("./assets/*: :*.md")).unwrap(),
            ["assets/*", "*.md"]
        );
        assert_eq!(parse_patterns(None).unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_patterns(Some("ok:[x")).unwrap_err(),
            PatternError("[x".to_string())
        );
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
        let removal = remove_sources(
            app.path(),
            &[
                "assets".to_string(),
                "templates/*.html".to_string(),
                "*.md".to_string(),
            ],
        )
        .unwrap();
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
        let removal = remove_sources(app.path(), &[]).unwrap();
        assert_eq!(removal.removed, 2);
        assert_eq!(std::fs::read_dir(app.path()).unwrap().count(), 0);
    }
}
