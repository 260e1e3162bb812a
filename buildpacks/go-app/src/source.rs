//! Reading Go source files without the Go toolchain: the package clause, the imports, and
//! whether a file is built for linux/<arch> (file name suffixes and `//go:build` lines).
//!
//! Detection needs this (is there a main package?), and so does the cgo check (does a target's
//! package `import "C"` in a file that is built?).
//!
//! Hand-written because no crate fits (crates.io and docs.rs searched): the Go parsers there are
//! tree-sitter grammars (`tree-sitter-go`, `arborium-go`: about 1 MB of generated C built with a
//! C compiler, plus the tree-sitter runtime, in a static binary that must not grow) or full
//! parsers left unmaintained (`go-parser` of Goscript, `golang-parser` on tree-sitter 0.17, last
//! released 2021), and none of them evaluates `//go:build` expressions or file name constraints,
//! which is most of this file. Only the tokens up to the end of the imports are read.

use std::path::{Path, PathBuf};

/// What a Go source file declares before its first declaration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SourceHeader {
    /// The `//go:build` expression, if any.
    pub(crate) build_constraint: Option<String>,
    /// The package name.
    pub(crate) package: Option<String>,
    /// The import paths.
    pub(crate) imports: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    String(String),
    Punct(char),
}

/// Tokens of Go source up to where the imports end, and the `//go:build` line found before the
/// package clause. Comments are skipped; strings are decoded only as far as import paths need.
fn tokens(text: &str) -> (Vec<Token>, Option<String>) {
    let bytes: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut constraint = None;
    let mut i = 0;
    let mut seen_package = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_whitespace() || c == ';' {
            i += 1;
        } else if c == '/' && bytes.get(i + 1) == Some(&'/') {
            let end = bytes[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(bytes.len(), |at| i + at);
            let comment: String = bytes[i..end].iter().collect();
            if !seen_package
                && let Some(expression) = comment.strip_prefix("//go:build")
                && (expression.is_empty() || expression.starts_with([' ', '\t']))
            {
                constraint = Some(expression.trim().to_string());
            }
            i = end;
        } else if c == '/' && bytes.get(i + 1) == Some(&'*') {
            i = match (i + 2..bytes.len().saturating_sub(1))
                .find(|&at| bytes[at] == '*' && bytes[at + 1] == '/')
            {
                Some(at) => at + 2,
                None => bytes.len(),
            };
        } else if c == '"' {
            let mut value = String::new();
            i += 1;
            while i < bytes.len() && bytes[i] != '"' && bytes[i] != '\n' {
                if bytes[i] == '\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
            i += 1;
            tokens.push(Token::String(value));
        } else if c == '`' {
            let end = bytes[i + 1..]
                .iter()
                .position(|&c| c == '`')
                .map_or(bytes.len(), |at| i + 1 + at);
            tokens.push(Token::String(bytes[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let word: String = bytes[start..i].iter().collect();
            if word == "package" {
                seen_package = true;
            }
            // The imports end at the first declaration.
            if matches!(word.as_str(), "func" | "var" | "const" | "type") {
                break;
            }
            tokens.push(Token::Ident(word));
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    (tokens, constraint)
}

/// Reads the header of a Go source file.
pub(crate) fn header(text: &str) -> SourceHeader {
    let (tokens, build_constraint) = tokens(text);
    let mut header = SourceHeader {
        build_constraint,
        ..SourceHeader::default()
    };
    let mut tokens = tokens.into_iter().peekable();
    if tokens.next() != Some(Token::Ident("package".to_string())) {
        return header;
    }
    if let Some(Token::Ident(name)) = tokens.next() {
        header.package = Some(name);
    }
    while tokens
        .next_if_eq(&Token::Ident("import".to_string()))
        .is_some()
    {
        let grouped = tokens.next_if_eq(&Token::Punct('(')).is_some();
        loop {
            // An optional name (`_`, `.`, an identifier), then the path.
            match tokens.next() {
                Some(Token::String(path)) => header.imports.push(path),
                Some(Token::Ident(_) | Token::Punct('.')) => {
                    if let Some(Token::String(path)) = tokens.next() {
                        header.imports.push(path);
                    }
                }
                Some(Token::Punct(')')) | None => break,
                Some(Token::Punct(_)) => {}
            }
            if !grouped {
                break;
            }
        }
    }
    header
}

/// What a file must be built for, as Go's `go/build.Context` holds it: the architecture and
/// whether cgo is on (the `cgo` build tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BuildContext<'a> {
    /// `GOARCH`.
    pub(crate) arch: &'a str,
    /// The `cgo` build tag.
    pub(crate) cgo: bool,
}

const KNOWN_OS: [&str; 17] = [
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
];

const KNOWN_ARCH: [&str; 24] = [
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Whether a file name's `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix allows linux/<arch>.
pub(crate) fn file_name_matches(name: &str, context: BuildContext<'_>) -> bool {
    let stem = name.strip_suffix(".go").unwrap_or(name);
    let stem = stem.strip_suffix("_test").unwrap_or(stem);
    let parts: Vec<&str> = stem.split('_').collect();
    let n = parts.len();
    if n >= 3 && KNOWN_OS.contains(&parts[n - 2]) && KNOWN_ARCH.contains(&parts[n - 1]) {
        return parts[n - 2] == "linux" && parts[n - 1] == context.arch;
    }
    if n >= 2 {
        let last = parts[n - 1];
        if KNOWN_OS.contains(&last) {
            return last == "linux";
        }
        if KNOWN_ARCH.contains(&last) {
            return last == context.arch;
        }
    }
    true
}

/// Evaluates a `//go:build` expression for linux/<arch>: `linux`, `unix`, the arch, `gc`, every
/// `go1.N` and `cgo` when enabled hold; every other tag does not. A malformed expression holds
/// (the Go command will report it).
pub(crate) fn constraint_holds(expression: &str, context: BuildContext<'_>) -> bool {
    let tokens = constraint_tokens(expression);
    let mut parser = ConstraintParser {
        tokens: &tokens,
        position: 0,
        depth: 0,
        context,
    };
    match parser.or() {
        Some(value) if parser.position == tokens.len() => value,
        _ => true,
    }
}

/// Whether a `//go:build` expression names the `cgo` tag.
pub(crate) fn constraint_mentions_cgo(expression: &str) -> bool {
    constraint_tokens(expression)
        .iter()
        .any(|token| token == "cgo")
}

fn constraint_tokens(expression: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) {
            tokens.push(format!("{c}{c}"));
            i += 2;
        } else if matches!(c, '!' | '(' | ')') {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            if i == start {
                // An unexpected character: a token of its own, which fails the parse.
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        }
    }
    tokens
}

/// The deepest nesting of `(` and `!` evaluated; deeper is malformed (the recursion is bounded,
/// so a hostile file cannot overflow the stack). Go's own parser refuses far shallower ones.
const MAX_CONSTRAINT_DEPTH: usize = 100;

struct ConstraintParser<'a> {
    tokens: &'a [String],
    position: usize,
    depth: usize,
    context: BuildContext<'a>,
}

impl ConstraintParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.position).map(String::as_str)
    }

    fn or(&mut self) -> Option<bool> {
        let mut value = self.and()?;
        while self.peek() == Some("||") {
            self.position += 1;
            value |= self.and()?;
        }
        Some(value)
    }

    fn and(&mut self) -> Option<bool> {
        let mut value = self.unary()?;
        while self.peek() == Some("&&") {
            self.position += 1;
            value &= self.unary()?;
        }
        Some(value)
    }

    fn unary(&mut self) -> Option<bool> {
        let token = self.peek()?.to_string();
        self.position += 1;
        if matches!(token.as_str(), "!" | "(") {
            if self.depth == MAX_CONSTRAINT_DEPTH {
                return None;
            }
            self.depth += 1;
        }
        let value = match token.as_str() {
            "!" => Some(!self.unary()?),
            "(" => {
                let value = self.or()?;
                (self.peek() == Some(")")).then(|| {
                    self.position += 1;
                    value
                })
            }
            ")" | "&&" | "||" => return None,
            tag => return Some(self.tag(tag)),
        };
        self.depth -= 1;
        value
    }

    fn tag(&self, tag: &str) -> bool {
        match tag {
            "linux" | "unix" | "gc" => true,
            "cgo" => self.context.cgo,
            _ if tag == self.context.arch => true,
            _ => tag.strip_prefix("go1.").is_some_and(|minor| {
                !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())
            }),
        }
    }
}

/// The Go files of a package directory that `go build` compiles for linux/<arch> with cgo as
/// given: `*.go` without `_test.go`, not hidden (`.`, `_`), matching file name and `//go:build`.
///
/// # Errors
/// When the directory or a file cannot be read.
pub(crate) fn package_files(
    dir: &Path,
    context: BuildContext<'_>,
) -> std::io::Result<Vec<(PathBuf, SourceHeader)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_go_source_name(&name)
            || !file_name_matches(&name, context)
            || !entry.file_type()?.is_file()
        {
            continue;
        }
        let header = header(&std::fs::read_to_string(entry.path())?);
        if header
            .build_constraint
            .as_deref()
            .is_none_or(|expression| constraint_holds(expression, context))
        {
            files.push((entry.path(), header));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// A Go source file name `go build` considers: `*.go`, not `*_test.go`, not hidden.
#[allow(clippy::case_sensitive_file_extension_comparisons)] // Go's own rule: `.go` exactly
pub(crate) fn is_go_source_name(name: &str) -> bool {
    name.ends_with(".go")
        && !name.ends_with("_test.go")
        && !name.starts_with('.')
        && !name.starts_with('_')
}

/// Whether `dir` holds a Go source file (any platform).
pub(crate) fn has_go_sources(dir: &Path) -> std::io::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                if is_go_source_name(&entry.file_name().to_string_lossy())
                    && entry.file_type()?.is_file()
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// How a package uses cgo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CgoUse {
    /// Files that `import "C"` with no `cgo` build tag: the package cannot build without cgo.
    pub(crate) required: Vec<PathBuf>,
    /// Files that `import "C"` under a constraint that names `cgo` (the author wrote a
    /// fallback for `!cgo`): they are left out of a static build.
    pub(crate) optional: Vec<PathBuf>,
}

/// The cgo files of a package directory for linux/<arch>.
///
/// # Errors
/// When the directory or a file cannot be read.
pub(crate) fn cgo_use(dir: &Path, arch: &str) -> std::io::Result<CgoUse> {
    let mut usage = CgoUse::default();
    for (path, header) in package_files(dir, BuildContext { arch, cgo: true })? {
        if !header.imports.iter().any(|import| import == "C") {
            continue;
        }
        if header
            .build_constraint
            .as_deref()
            .is_some_and(constraint_mentions_cgo)
        {
            usage.optional.push(path);
        } else {
            usage.required.push(path);
        }
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMD64: BuildContext<'static> = BuildContext {
        arch: "amd64",
        cgo: false,
    };

    #[test]
    fn reads_package_and_imports() {
        let header = header(
            "// Copyright\n\n//go:build linux && !windows\n\n/* block\n comment import \"x\" */\npackage main // the app\n\nimport \"fmt\"\nimport (\n\t\"net/http\"\n\t_ \"embed\"\n\t. \"strings\"\n\tstd `os`\n)\n\n// #include <stdio.h>\nimport \"C\"\n\nfunc main() { _ = \"import \\\"unsafe\\\"\" }\n\nimport \"never\"\n",
        );
        assert_eq!(
            header,
            SourceHeader {
                build_constraint: Some("linux && !windows".to_string()),
                package: Some("main".to_string()),
                imports: ["fmt", "net/http", "embed", "strings", "os", "C"]
                    .map(String::from)
                    .to_vec(),
            }
        );
        let header = super::header("package lib; import \"C\"; import \"x\"");
        assert_eq!(header.package.as_deref(), Some("lib"));
        assert_eq!(header.imports, ["C", "x"]);
        // A //go:build after the package clause is not a constraint; //go:builder is not one.
        assert_eq!(
            super::header("package a\n//go:build ignore\n").build_constraint,
            None
        );
        assert_eq!(
            super::header("//go:builder x\npackage a\n").build_constraint,
            None
        );
        assert_eq!(super::header("").package, None);
    }

    #[test]
    fn file_names() {
        let arm64 = BuildContext {
            arch: "arm64",
            cgo: false,
        };
        for (name, amd64, on_arm64) in [
            ("main.go", true, true),
            ("x_linux.go", true, true),
            ("x_windows.go", false, false),
            ("x_amd64.go", true, false),
            ("x_linux_arm64.go", false, true),
            ("x_darwin_amd64.go", false, false),
            ("linux.go", true, true),
            ("my_file.go", true, true),
        ] {
            assert_eq!(file_name_matches(name, AMD64), amd64, "{name}");
            assert_eq!(file_name_matches(name, arm64), on_arm64, "{name}");
        }
        assert!(is_go_source_name("main.go"));
        assert!(!is_go_source_name("main_test.go"));
        assert!(!is_go_source_name("_x.go"));
        assert!(!is_go_source_name(".x.go"));
        assert!(!is_go_source_name("main.go.txt"));
    }

    /// Found by `fuzz_go_source_header`: deep nesting overflowed the stack (SIGABRT).
    #[test]
    fn deep_nesting_is_malformed_not_a_stack_overflow() {
        let context = BuildContext {
            arch: "amd64",
            cgo: false,
        };
        let deep = 1_000_000;
        let parens = format!("{}linux{}", "(".repeat(deep), ")".repeat(deep));
        let nots = format!("{}windows", "!".repeat(deep));
        std::thread::spawn(move || {
            assert!(constraint_holds(&parens, context));
            assert!(constraint_holds(&nots, context));
        })
        .join()
        .unwrap();
        let nested = format!("{}windows{}", "(".repeat(100), ")".repeat(100));
        assert!(!constraint_holds(&nested, context));
    }

    #[test]
    fn build_constraints() {
        let cgo = BuildContext {
            arch: "amd64",
            cgo: true,
        };
        for (expression, without_cgo, with_cgo) in [
            ("linux", true, true),
            ("cgo", false, true),
            ("!cgo", true, false),
            ("linux && cgo", false, true),
            ("windows || (linux && amd64)", true, true),
            ("!(darwin || windows)", true, true),
            ("ignore", false, false),
            ("go1.21 && !go1.x", true, true),
            ("arm64", false, false),
            ("linux &&", true, true),
        ] {
            assert_eq!(
                constraint_holds(expression, AMD64),
                without_cgo,
                "{expression}"
            );
            assert_eq!(constraint_holds(expression, cgo), with_cgo, "{expression}");
        }
        assert!(constraint_mentions_cgo("linux && !cgo"));
        assert!(!constraint_mentions_cgo("linux && cgox"));
    }

    #[test]
    fn cgo_use_of_a_package() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("main.go", "package main\n\nfunc main() {}\n");
        write("c_test.go", "package main\n\nimport \"C\"\n");
        write("c_windows.go", "package main\n\nimport \"C\"\n");
        write(
            "c_ignored.go",
            "//go:build ignore\n\npackage main\n\nimport \"C\"\n",
        );
        assert_eq!(cgo_use(dir.path(), "amd64").unwrap(), CgoUse::default());
        write(
            "opt.go",
            "//go:build cgo\n\npackage main\n\n// int one() { return 1; }\nimport \"C\"\n",
        );
        write(
            "req.go",
            "package main\n\n/*\n#include <zlib.h>\n*/\nimport \"C\"\n",
        );
        let usage = cgo_use(dir.path(), "amd64").unwrap();
        assert_eq!(usage.required, [dir.path().join("req.go")]);
        assert_eq!(usage.optional, [dir.path().join("opt.go")]);
        assert!(has_go_sources(dir.path()).unwrap());
        assert!(!has_go_sources(&dir.path().join("missing")).unwrap());
    }
}
