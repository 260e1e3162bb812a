//! `builder.toml`, pack's builder configuration: read and checked by pack's rules
//! (`pack builder create`'s `builder/config_reader.go` and `internal/builder`), without pack.
//!
//! [`check_file`] reports every problem it finds, each with the file, the line and the key it is
//! about in pack's terms (`order[1].group[0].id`):
//!
//! - TOML syntax; keys pack does not know (pack rejects them); values of the wrong type;
//! - the build image (`build.image` or `stack.build-image`, equal if both) and the run images
//!   (`run.images`, or `stack.run-image` with `stack.id`; `run.images[0]` equal to
//!   `stack.run-image` if both), every one a valid image reference;
//! - `[lifecycle]`: `version` (X.Y.Z) or `uri`, not both;
//! - every `[[buildpacks]]` / `[[extensions]]` entry resolved: a local `.cnb` file or module
//!   directory (read, relative to the file), an entry with only an `id` (a module of this
//!   workspace: the templates under `builder/builders/`), or an image reference (`docker://…`,
//!   `image = …`, or another URL pack downloads), accepted with the `id` and `version` it declares;
//!   the kind must match the table (an extension under `[[extensions]]`);
//! - every `[[order]]` entry names a buildpack and every `[[order-extensions]]` entry an
//!   extension among the modules, with a matching version (or a single one when none is given);
//!   `[system]` buildpacks likewise;
//! - `[[targets]]`: known os and arch, and every resolved module supports every target;
//! - `[[build.env]]`: a name, a known suffix, a delimiter for append/prepend.

use crate::buildpackage::{ModuleDetails, read_buildpackage};
use crate::descriptor::ModuleKind;
use crate::workspace::{discover_modules, find_workspace_root};
use cnb_extension::ImageReference;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use untrusted_input::{QUOTE_LIMIT, quoted, read_regular_file};

/// The largest builder.toml read: 16 MiB (a builder with 40,000 order entries is 2.3 MB).
pub const MAX_BUILDER_TOML_SIZE: u64 = 16 << 20;

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
    fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_string()));
        path
    }

    fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    fn parse(text: &str) -> Self {
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

// ----- The schema: every key pack's Config knows, and its type. -----

#[derive(Clone, Copy)]
enum Shape {
    Str,
    Bool,
    StrArray,
    Table(&'static [(&'static str, Shape)]),
    TableArray(&'static [(&'static str, Shape)]),
}

const LICENSE: &[(&str, Shape)] = &[("type", Shape::Str), ("uri", Shape::Str)];
const MODULE_INFO_KEYS: [(&str, Shape); 7] = [
    ("id", Shape::Str),
    ("name", Shape::Str),
    ("version", Shape::Str),
    ("description", Shape::Str),
    ("homepage", Shape::Str),
    ("keywords", Shape::StrArray),
    ("licenses", Shape::TableArray(LICENSE)),
];
const MODULE_CONFIG: &[(&str, Shape)] = &[
    MODULE_INFO_KEYS[0],
    MODULE_INFO_KEYS[1],
    MODULE_INFO_KEYS[2],
    MODULE_INFO_KEYS[3],
    MODULE_INFO_KEYS[4],
    MODULE_INFO_KEYS[5],
    MODULE_INFO_KEYS[6],
    ("uri", Shape::Str),
    ("image", Shape::Str),
];
const MODULE_REF: &[(&str, Shape)] = &[
    MODULE_INFO_KEYS[0],
    MODULE_INFO_KEYS[1],
    MODULE_INFO_KEYS[2],
    MODULE_INFO_KEYS[3],
    MODULE_INFO_KEYS[4],
    MODULE_INFO_KEYS[5],
    MODULE_INFO_KEYS[6],
    ("optional", Shape::Bool),
];
const ORDER_ENTRY: &[(&str, Shape)] = &[("group", Shape::TableArray(MODULE_REF))];
const STACK: &[(&str, Shape)] = &[
    ("id", Shape::Str),
    ("build-image", Shape::Str),
    ("run-image", Shape::Str),
    ("run-image-mirrors", Shape::StrArray),
];
const LIFECYCLE: &[(&str, Shape)] = &[("uri", Shape::Str), ("version", Shape::Str)];
const RUN_IMAGE: &[(&str, Shape)] = &[("image", Shape::Str), ("mirrors", Shape::StrArray)];
const RUN: &[(&str, Shape)] = &[("images", Shape::TableArray(RUN_IMAGE))];
const BUILD_ENV: &[(&str, Shape)] = &[
    ("name", Shape::Str),
    ("value", Shape::Str),
    ("suffix", Shape::Str),
    ("delim", Shape::Str),
    ("exec-env", Shape::StrArray),
];
const BUILD: &[(&str, Shape)] = &[("image", Shape::Str), ("env", Shape::TableArray(BUILD_ENV))];
const DISTRO: &[(&str, Shape)] = &[("name", Shape::Str), ("version", Shape::Str)];
const TARGET: &[(&str, Shape)] = &[
    ("os", Shape::Str),
    ("arch", Shape::Str),
    ("variant", Shape::Str),
    ("distros", Shape::TableArray(DISTRO)),
];
const SYSTEM_BUILDPACKS: &[(&str, Shape)] = &[("buildpacks", Shape::TableArray(MODULE_REF))];
const SYSTEM: &[(&str, Shape)] = &[
    ("pre", Shape::Table(SYSTEM_BUILDPACKS)),
    ("post", Shape::Table(SYSTEM_BUILDPACKS)),
];
const CONFIG: &[(&str, Shape)] = &[
    ("description", Shape::Str),
    ("buildpacks", Shape::TableArray(MODULE_CONFIG)),
    ("extensions", Shape::TableArray(MODULE_CONFIG)),
    ("order", Shape::TableArray(ORDER_ENTRY)),
    ("order-extensions", Shape::TableArray(ORDER_ENTRY)),
    ("stack", Shape::Table(STACK)),
    ("lifecycle", Shape::Table(LIFECYCLE)),
    ("run", Shape::Table(RUN)),
    ("build", Shape::Table(BUILD)),
    ("targets", Shape::TableArray(TARGET)),
    ("system", Shape::Table(SYSTEM)),
];

/// Hints for keys pack does not know but people write.
fn unknown_key_hint(path: &KeyPath) -> &'static str {
    match path.to_string().rsplit('.').next().unwrap_or_default() {
        "mixins" => " (pack's [stack] has no mixins: remove it)",
        "arch-variant" => " (pack knows it as `variant`)",
        _ => "",
    }
}

// ----- The typed configuration. -----

/// pack's builder `Config`, as far as the checks and `packager builder create` need it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuilderConfig {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub buildpacks: Vec<ModuleConfig>,
    #[serde(default)]
    pub extensions: Vec<ModuleConfig>,
    #[serde(default)]
    pub order: Vec<OrderGroup>,
    #[serde(default)]
    pub order_extensions: Vec<OrderGroup>,
    #[serde(default)]
    pub stack: StackConfig,
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
    #[serde(default)]
    pub run: RunConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
    #[serde(default)]
    pub system: SystemConfig,
}

/// A `[[buildpacks]]` or `[[extensions]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModuleConfig {
    pub id: Option<String>,
    pub version: Option<String>,
    pub uri: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderGroup {
    #[serde(default)]
    pub group: Vec<GroupEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupEntry {
    pub id: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StackConfig {
    pub id: Option<String>,
    pub build_image: Option<String>,
    pub run_image: Option<String>,
    #[serde(default)]
    pub run_image_mirrors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LifecycleConfig {
    pub uri: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunConfig {
    #[serde(default)]
    pub images: Vec<RunImageConfig>,
}

/// A run image and its mirrors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RunImageConfig {
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub mirrors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BuildConfig {
    pub image: Option<String>,
    #[serde(default)]
    pub env: Vec<BuildEnv>,
}

/// A `[[build.env]]` entry: `/cnb/build-config/env/<name>[.<suffix>]` in the builder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuildEnv {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub delim: String,
    #[serde(default)]
    pub exec_env: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetConfig {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub distros: Vec<DistroConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DistroConfig {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemConfig {
    #[serde(default)]
    pub pre: SystemBuildpacks,
    #[serde(default)]
    pub post: SystemBuildpacks,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemBuildpacks {
    #[serde(default)]
    pub buildpacks: Vec<GroupEntry>,
}

// ----- Resolved modules. -----

/// Where a `[[buildpacks]]` / `[[extensions]]` entry's module comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// A module crate of this workspace (an entry with only an `id`: a template).
    Workspace(PathBuf),
    /// A local buildpackage.
    Cnb(PathBuf),
    /// A local module directory.
    Dir(PathBuf),
    /// An image or URL pack would fetch; the packager cannot.
    External(String),
}

/// A resolved `[[buildpacks]]` / `[[extensions]]` entry.
#[derive(Debug, Clone)]
pub struct ResolvedModule {
    /// `buildpacks[2]`, `extensions[0]`.
    pub key: KeyPath,
    pub source: ModuleSource,
    pub kind: ModuleKind,
    pub id: String,
    pub version: String,
    /// The descriptor's details; `None` for external modules.
    pub details: Option<ModuleDetails>,
}

/// A builder.toml that passed [`check_file`].
#[derive(Debug, Clone)]
pub struct CheckedBuilder {
    pub path: PathBuf,
    pub config: BuilderConfig,
    /// The buildpacks, then the extensions, in file order.
    pub modules: Vec<ResolvedModule>,
    /// The build image (`build.image`, or `stack.build-image`).
    pub build_image: String,
    /// The run images (`run.images`, or `stack.run-image` with its mirrors); the first is the
    /// default.
    pub run_images: Vec<RunImageConfig>,
    /// What pack would warn about (e.g. an empty order).
    pub warnings: Vec<String>,
}

/// Reads and checks the builder.toml `path` (see the module documentation).
///
/// Entries with only an `id` are resolved against the module crates of the Cargo workspace
/// that holds `path` (or the current directory).
///
/// # Errors
/// Every problem found, in a [`CheckError`]; an unreadable file is a single problem.
pub fn check_file(path: &Path) -> Result<CheckedBuilder, CheckError> {
    let fail = |problems| CheckError {
        file: path.to_path_buf(),
        problems,
    };
    let read = |message: String| {
        fail(vec![Problem {
            key: KeyPath::default(),
            line: None,
            message,
        }])
    };
    let bytes = match read_regular_file(path, MAX_BUILDER_TOML_SIZE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(read("cannot read the file: it does not exist".to_string())),
        Err(error) => return Err(read(error.to_string())),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| read("cannot read the file: it is not UTF-8 text".to_string()))?;
    check_text(&text, path).map_err(fail)
}

fn check_text(text: &str, path: &Path) -> Result<CheckedBuilder, Vec<Problem>> {
    let base_dir = base_dir(path);
    check_text_with(text, path, &base_dir, &mut WorkspaceModules::new(&base_dir))
}

/// The directory local module paths are relative to: the builder.toml's.
fn base_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn check_text_with(
    text: &str,
    path: &Path,
    base_dir: &Path,
    workspace: &mut WorkspaceModules,
) -> Result<CheckedBuilder, Vec<Problem>> {
    let lines = Lines::new(text);
    let document = DeTable::parse(text).map_err(|error| {
        vec![Problem {
            key: KeyPath::default(),
            line: error.span().map(|span| lines.of(span.start)),
            message: format!(
                "invalid TOML: {}",
                error
                    .message()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }]
    })?;
    let mut checker = Checker {
        lines,
        document: &document,
        problems: Vec::new(),
    };
    checker.walk_table(document.get_ref(), CONFIG, &KeyPath::default());
    if !checker.problems.is_empty() {
        return Err(sorted(checker.problems));
    }
    let config: BuilderConfig = toml::from_str(text).map_err(|error| {
        vec![Problem {
            key: KeyPath::default(),
            line: error.span().map(|span| checker.lines.of(span.start)),
            message: error
                .message()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }]
    })?;
    let outcome = checker.check_config(config, path, base_dir, workspace);
    if checker.problems.is_empty() {
        outcome.ok_or_else(Vec::new)
    } else {
        Err(sorted(checker.problems))
    }
}

/// Problems in file order (those without a line last), otherwise in the order found.
fn sorted(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|problem| problem.line.unwrap_or(usize::MAX));
    problems
}

/// The offsets where the lines of a text start: the line of an offset in logarithmic time,
/// after one pass over the text.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Self(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
        )
    }

    /// The 1-based line holding `offset`.
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// The module crates of the workspace holding a directory, read on first use.
#[derive(Clone)]
struct WorkspaceModules {
    start: PathBuf,
    modules: Option<Result<Vec<(PathBuf, ModuleDetails)>, String>>,
}

impl WorkspaceModules {
    fn new(start: &Path) -> Self {
        Self {
            start: start.to_path_buf(),
            modules: None,
        }
    }

    fn find(&mut self, id: &str) -> Result<Option<(PathBuf, ModuleDetails)>, String> {
        let start = self.start.clone();
        let modules = self.modules.get_or_insert_with(|| {
            let root = find_workspace_root(&start)
                .or_else(|_| find_workspace_root(Path::new(".")))
                .map_err(|error| format!("{error:#}"))?;
            let dirs = discover_modules(&root).map_err(|error| format!("{error:#}"))?;
            dirs.into_iter()
                .map(|dir| {
                    ModuleDetails::read(&dir)
                        .map(|details| (dir, details))
                        .map_err(|error| format!("{error:#}"))
                })
                .collect()
        });
        match modules {
            Ok(modules) => Ok(modules
                .iter()
                .find(|(_, details)| details.info.id == id)
                .cloned()),
            Err(error) => Err(error.clone()),
        }
    }
}

struct Checker<'a> {
    lines: Lines,
    document: &'a Spanned<DeTable<'a>>,
    problems: Vec<Problem>,
}

const KNOWN_OS: [&str; 2] = ["linux", "windows"];
const KNOWN_ARCH: [&str; 9] = [
    "amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "loong64", "mips64le",
];

impl Checker<'_> {
    fn problem(&mut self, key: KeyPath, message: impl Into<String>) {
        let line = self.line(&key);
        self.problems.push(Problem {
            key,
            line,
            message: message.into(),
        });
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

    fn walk_table(&mut self, table: &DeTable<'_>, shape: &[(&str, Shape)], path: &KeyPath) {
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let key_path = path.key(name);
            match shape.iter().find(|(known, _)| *known == name) {
                None => {
                    let hint = unknown_key_hint(&key_path);
                    self.problems.push(Problem {
                        line: Some(self.lines.of(key.span().start)),
                        key: key_path,
                        message: format!("unknown key: pack rejects keys it does not know{hint}"),
                    });
                }
                Some((_, expected)) => self.walk_value(value, *expected, &key_path),
            }
        }
    }

    fn walk_value(&mut self, value: &Spanned<DeValue<'_>>, shape: Shape, path: &KeyPath) {
        let line = Some(self.lines.of(value.span().start));
        let wrong = |problems: &mut Vec<Problem>, expected: &str| {
            problems.push(Problem {
                key: path.clone(),
                line,
                message: format!("expected {expected}"),
            });
        };
        match (shape, value.get_ref()) {
            (Shape::Str, DeValue::String(_)) | (Shape::Bool, DeValue::Boolean(_)) => {}
            (Shape::Str, _) => wrong(&mut self.problems, "a string"),
            (Shape::Bool, _) => wrong(&mut self.problems, "a boolean (true or false)"),
            (Shape::StrArray, DeValue::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.walk_value(item, Shape::Str, &path.index(index));
                }
            }
            (Shape::StrArray, _) => wrong(&mut self.problems, "an array of strings"),
            (Shape::Table(fields), DeValue::Table(table)) => self.walk_table(table, fields, path),
            (Shape::Table(_), _) => wrong(&mut self.problems, "a table"),
            (Shape::TableArray(fields), DeValue::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(table) => self.walk_table(table, fields, &path.index(index)),
                        _ => wrong(&mut self.problems, "an array of tables"),
                    }
                }
            }
            (Shape::TableArray(_), _) => wrong(&mut self.problems, "an array of tables"),
        }
    }

    fn check_config(
        &mut self,
        config: BuilderConfig,
        path: &Path,
        base_dir: &Path,
        workspace: &mut WorkspaceModules,
    ) -> Option<CheckedBuilder> {
        let mut warnings = Vec::new();
        let build_image = self.check_build_image(&config);
        let run_images = self.check_run_images(&config);
        self.check_lifecycle(&config.lifecycle);

        let mut modules = Vec::new();
        for (kind, table, entries) in [
            (ModuleKind::Buildpack, "buildpacks", &config.buildpacks),
            (ModuleKind::Extension, "extensions", &config.extensions),
        ] {
            for (index, entry) in entries.iter().enumerate() {
                let key = KeyPath::default().key(table).index(index);
                if let Some(module) = self.resolve_module(entry, kind, key, base_dir, workspace) {
                    modules.push(module);
                }
            }
        }

        if config.order.is_empty() {
            warnings.push(
                "empty order: pack warns \"empty 'order' definition\" (buildpacks must then be given at build time)"
                    .to_string(),
            );
        }
        let by_id = ModuleIndex::new(&modules);
        for (table, kind, groups) in [
            ("order", ModuleKind::Buildpack, &config.order),
            (
                "order-extensions",
                ModuleKind::Extension,
                &config.order_extensions,
            ),
        ] {
            for (group_index, group) in groups.iter().enumerate() {
                let group_key = KeyPath::default().key(table).index(group_index);
                if group.group.is_empty() {
                    self.problem(
                        group_key.key("group"),
                        "an order entry needs at least one module in its group",
                    );
                }
                for (index, entry) in group.group.iter().enumerate() {
                    self.check_reference(
                        entry,
                        kind,
                        &by_id,
                        &group_key.key("group").index(index),
                        table,
                    );
                }
            }
        }
        for (phase, system) in [("pre", &config.system.pre), ("post", &config.system.post)] {
            for (index, entry) in system.buildpacks.iter().enumerate() {
                let key = KeyPath::default()
                    .key("system")
                    .key(phase)
                    .key("buildpacks")
                    .index(index);
                self.check_reference(entry, ModuleKind::Buildpack, &by_id, &key, "system");
            }
        }
        self.check_targets(&config.targets, &modules);
        self.check_build_env(&config.build.env);

        Some(CheckedBuilder {
            path: path.to_path_buf(),
            config,
            modules,
            build_image: build_image?,
            run_images,
            warnings,
        })
    }

    fn check_build_image(&mut self, config: &BuilderConfig) -> Option<String> {
        let image = match (&config.build.image, &config.stack.build_image) {
            (None, None) => {
                self.problem(
                    KeyPath::parse("build.image"),
                    "a build image is required ([build] image, or the legacy [stack] build-image)",
                );
                return None;
            }
            (Some(build), Some(stack)) if build != stack => {
                self.problem(
                    KeyPath::parse("stack.build-image"),
                    format!(
                        "{} does not match build.image {}",
                        quoted(stack),
                        quoted(build)
                    ),
                );
                return None;
            }
            (Some(image), _) => (KeyPath::parse("build.image"), image.clone()),
            (None, Some(image)) => (KeyPath::parse("stack.build-image"), image.clone()),
        };
        self.check_image_reference(&image.0, &image.1);
        Some(image.1)
    }

    fn check_run_images(&mut self, config: &BuilderConfig) -> Vec<RunImageConfig> {
        let stack = &config.stack;
        if config.run.images.is_empty() {
            let (Some(image), Some(_)) = (&stack.run_image, &stack.id) else {
                self.problem(
                    KeyPath::parse("run.images"),
                    "run images are required ([[run.images]], or the legacy [stack] run-image with [stack] id)",
                );
                return Vec::new();
            };
            self.check_image_reference(&KeyPath::parse("stack.run-image"), image);
            for (index, mirror) in stack.run_image_mirrors.iter().enumerate() {
                self.check_image_reference(
                    &KeyPath::parse("stack.run-image-mirrors").index(index),
                    mirror,
                );
            }
            return vec![RunImageConfig {
                image: image.clone(),
                mirrors: stack.run_image_mirrors.clone(),
            }];
        }
        for (index, run_image) in config.run.images.iter().enumerate() {
            let key = KeyPath::parse("run.images").index(index);
            if run_image.image.is_empty() {
                self.problem(key.key("image"), "an image is required");
            } else {
                self.check_image_reference(&key.key("image"), &run_image.image);
            }
            for (mirror_index, mirror) in run_image.mirrors.iter().enumerate() {
                self.check_image_reference(&key.key("mirrors").index(mirror_index), mirror);
            }
        }
        if let Some(stack_run_image) = &stack.run_image
            && *stack_run_image != config.run.images[0].image
        {
            self.problem(
                KeyPath::parse("stack.run-image"),
                format!(
                    "{} does not match run.images[0].image {}",
                    quoted(stack_run_image),
                    quoted(&config.run.images[0].image)
                ),
            );
        }
        config.run.images.clone()
    }

    fn check_lifecycle(&mut self, lifecycle: &LifecycleConfig) {
        if lifecycle.uri.is_some() && lifecycle.version.is_some() {
            self.problem(
                KeyPath::parse("lifecycle.uri"),
                "set either lifecycle.version or lifecycle.uri, not both",
            );
        }
        if let Some(version) = &lifecycle.version
            && !crate::descriptor::is_valid_version(version)
        {
            self.problem(
                KeyPath::parse("lifecycle.version"),
                format!(
                    "{} is not a lifecycle version (MAJOR.MINOR.PATCH, e.g. \"0.21.17\")",
                    quoted(version)
                ),
            );
        }
    }

    /// Image references follow the one grammar the extension toolkit enforces
    /// ([`ImageReference`]: distribution's reference grammar, Docker's digest algorithms).
    fn check_image_reference(&mut self, key: &KeyPath, reference: &str) {
        if let Err(error) = reference.parse::<ImageReference>() {
            self.problem(key.clone(), error.to_string());
        }
    }

    fn resolve_module(
        &mut self,
        entry: &ModuleConfig,
        kind: ModuleKind,
        key: KeyPath,
        base_dir: &Path,
        workspace: &mut WorkspaceModules,
    ) -> Option<ResolvedModule> {
        let (source, details) = self.module_source(entry, kind, &key, base_dir, workspace)?;
        let Some(details) = details else {
            return self.external_module(entry, kind, key, source);
        };
        let (id, version) = (&details.info.id, &details.info.version);
        if details.kind != kind {
            let (wrong, right) = if details.kind == ModuleKind::Extension {
                ("an extension", "[[extensions]]")
            } else {
                ("a buildpack", "[[buildpacks]]")
            };
            let at = if entry.uri.is_some() { "uri" } else { "id" };
            self.problem(
                key.key(at),
                format!(
                    "{} is {wrong}: list it under {right}",
                    quoted(&format!("{id}@{version}"))
                ),
            );
            return None;
        }
        if let Some(declared) = entry.id.as_ref().filter(|declared| *declared != id) {
            self.problem(
                key.key("id"),
                format!(
                    "{} does not match the module's id {}",
                    quoted(declared),
                    quoted(id)
                ),
            );
        }
        if let Some(declared) = entry
            .version
            .as_ref()
            .filter(|declared| *declared != version)
        {
            self.problem(
                key.key("version"),
                format!(
                    "{} does not match the version of {}, {}",
                    quoted(declared),
                    quoted(id),
                    quoted(version)
                ),
            );
        }
        Some(ResolvedModule {
            key,
            source,
            kind,
            id: id.clone(),
            version: version.clone(),
            details: Some(details),
        })
    }

    /// Where an entry's module comes from, and its details when it is local.
    fn module_source(
        &mut self,
        entry: &ModuleConfig,
        kind: ModuleKind,
        key: &KeyPath,
        base_dir: &Path,
        workspace: &mut WorkspaceModules,
    ) -> Option<(ModuleSource, Option<ModuleDetails>)> {
        match (&entry.uri, &entry.image) {
            (Some(_), Some(_)) => {
                self.problem(key.key("image"), "set either uri or image, not both");
                None
            }
            (None, Some(image)) => {
                self.check_image_reference(&key.key("image"), image);
                Some((ModuleSource::External(image.clone()), None))
            }
            (Some(uri), None) => {
                let found = classify_uri(uri, base_dir).and_then(|classified| match classified {
                    UriKind::External(reference) => Ok((ModuleSource::External(reference), None)),
                    UriKind::Local(local) => read_local_module(&local, uri),
                });
                if let Some(image) = uri.strip_prefix("docker://") {
                    self.check_image_reference(&key.key("uri"), image);
                }
                found
                    .map_err(|message| self.problem(key.key("uri"), message))
                    .ok()
            }
            (None, None) => {
                let Some(id) = &entry.id else {
                    let table = if kind == ModuleKind::Buildpack {
                        "[[buildpacks]]"
                    } else {
                        "[[extensions]]"
                    };
                    self.problem(
                        key.clone(),
                        format!("a {table} entry needs a uri, an image, or the id of a module of this workspace"),
                    );
                    return None;
                };
                let message = match workspace.find(id) {
                    Ok(Some((dir, details))) => {
                        return Some((ModuleSource::Workspace(dir), Some(details)));
                    }
                    Ok(None) => format!(
                        "no module of this workspace has the id {}, and the entry has no uri or image",
                        quoted(id)
                    ),
                    Err(error) => format!(
                        "{} has no uri or image, and the workspace modules cannot be read: {error}",
                        quoted(id)
                    ),
                };
                self.problem(key.key("id"), message);
                None
            }
        }
    }

    /// An external module: accepted with the id and version it declares.
    fn external_module(
        &mut self,
        entry: &ModuleConfig,
        kind: ModuleKind,
        key: KeyPath,
        source: ModuleSource,
    ) -> Option<ResolvedModule> {
        let ModuleSource::External(reference) = &source else {
            return None;
        };
        let mut missing = false;
        for (field, value) in [("id", &entry.id), ("version", &entry.version)] {
            if value.is_none() {
                self.problem(
                    key.key(field),
                    format!(
                        "required for {}: the packager cannot fetch it to read its {field}, so declare it",
                        quoted(reference)
                    ),
                );
                missing = true;
            }
        }
        if missing {
            return None;
        }
        Some(ResolvedModule {
            key,
            source,
            kind,
            id: entry.id.clone().unwrap_or_default(),
            version: entry.version.clone().unwrap_or_default(),
            details: None,
        })
    }

    fn check_reference(
        &mut self,
        entry: &GroupEntry,
        kind: ModuleKind,
        modules: &ModuleIndex<'_>,
        key: &KeyPath,
        table: &str,
    ) {
        let Some(id) = &entry.id else {
            self.problem(key.key("id"), "an id is required");
            return;
        };
        let versions = modules.versions(kind, id);
        if versions.is_empty() {
            let other = match kind {
                ModuleKind::Buildpack => ModuleKind::Extension,
                ModuleKind::Extension => ModuleKind::Buildpack,
            };
            let other = !modules.versions(other, id).is_empty();
            let id = quoted(id);
            let message = match (kind, other) {
                (ModuleKind::Buildpack, true) => format!(
                    "{id} is an extension: extensions belong in [[order-extensions]], not [[{table}]]"
                ),
                (ModuleKind::Extension, true) => {
                    format!("{id} is a buildpack: [[order-extensions]] may only name extensions")
                }
                (ModuleKind::Buildpack, false) => {
                    format!("{id} is not among the builder's [[buildpacks]]")
                }
                (ModuleKind::Extension, false) => {
                    format!("{id} is not among the builder's [[extensions]]")
                }
            };
            self.problem(key.key("id"), message);
            return;
        }
        let listed = || {
            versions
                .iter()
                .map(|version| quoted(version))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &entry.version {
            Some(version) if !versions.contains(&version.as_str()) => self.problem(
                key.key("version"),
                format!(
                    "{} is not a version of {} among the modules (version{} {})",
                    quoted(version),
                    quoted(id),
                    if versions.len() > 1 { "s" } else { "" },
                    listed()
                ),
            ),
            None if versions.len() > 1 => self.problem(
                key.key("version"),
                format!(
                    "several versions of {} ({}): name one",
                    quoted(id),
                    listed()
                ),
            ),
            _ => {}
        }
    }

    fn check_targets(&mut self, targets: &[TargetConfig], modules: &[ResolvedModule]) {
        for (index, target) in targets.iter().enumerate() {
            let key = KeyPath::default().key("targets").index(index);
            if target.os.is_empty() {
                self.problem(key.key("os"), "an os is required (e.g. \"linux\")");
                continue;
            }
            if !KNOWN_OS.contains(&target.os.as_str()) {
                self.problem(
                    key.key("os"),
                    format!(
                        "unknown os {} (expected one of {})",
                        quoted(&target.os),
                        KNOWN_OS.join(", ")
                    ),
                );
                continue;
            }
            if !target.arch.is_empty() && !KNOWN_ARCH.contains(&target.arch.as_str()) {
                self.problem(
                    key.key("arch"),
                    format!(
                        "unknown architecture {} (expected one of {})",
                        quoted(&target.arch),
                        KNOWN_ARCH.join(", ")
                    ),
                );
                continue;
            }
            for (distro_index, distro) in target.distros.iter().enumerate() {
                if distro.name.is_empty() {
                    self.problem(
                        key.key("distros").index(distro_index).key("name"),
                        "a distro name is required",
                    );
                }
            }
            for module in modules {
                let Some(details) = &module.details else {
                    continue;
                };
                if details.targets.is_empty() || details.targets.iter().any(|t| supports(t, target))
                {
                    continue;
                }
                let supported: Vec<String> = details.targets.iter().map(target_name).collect();
                self.problem(
                    key.clone(),
                    format!(
                        "{} {} does not support {} (it supports {})",
                        details.kind,
                        quoted(&format!("{}@{}", module.id, module.version)),
                        target_config_name(target),
                        supported.join(", ")
                    ),
                );
            }
        }
    }

    fn check_build_env(&mut self, env: &[BuildEnv]) {
        for (index, variable) in env.iter().enumerate() {
            let key = KeyPath::parse("build.env").index(index);
            if variable.name.is_empty() {
                self.problem(key.key("name"), "a name is required");
            }
            match variable.suffix.as_str() {
                "append" | "prepend" if variable.delim.is_empty() => self.problem(
                    key.key("delim"),
                    format!("suffix {} needs a delim", quoted(&variable.suffix)),
                ),
                "" | "default" | "override" | "append" | "prepend" => {}
                other => self.problem(
                    key.key("suffix"),
                    format!(
                        "unknown suffix {} (expected default, override, append or prepend)",
                        quoted(other)
                    ),
                ),
            }
        }
    }
}

/// The resolved modules' versions by id and kind (sorted, without duplicates): each order
/// entry is checked with one lookup instead of a scan of every module.
struct ModuleIndex<'a>(HashMap<&'a str, [Vec<&'a str>; 2]>);

impl<'a> ModuleIndex<'a> {
    fn new(modules: &'a [ResolvedModule]) -> Self {
        let mut index: HashMap<&str, [Vec<&str>; 2]> = HashMap::new();
        for module in modules {
            index.entry(module.id.as_str()).or_default()[Self::slot(module.kind)]
                .push(module.version.as_str());
        }
        for versions in index.values_mut().flatten() {
            versions.sort_unstable();
            versions.dedup();
        }
        Self(index)
    }

    fn slot(kind: ModuleKind) -> usize {
        match kind {
            ModuleKind::Buildpack => 0,
            ModuleKind::Extension => 1,
        }
    }

    fn versions(&self, kind: ModuleKind, id: &str) -> &[&'a str] {
        self.0
            .get(id)
            .map_or(&[], |versions| versions[Self::slot(kind)].as_slice())
    }
}

/// Whether a module target covers a builder target (empty fields are wildcards).
fn supports(module: &crate::buildpackage::Target, builder: &TargetConfig) -> bool {
    let field =
        |module: &str, builder: &str| module.is_empty() || builder.is_empty() || module == builder;
    field(&module.os, &builder.os)
        && field(&module.arch, &builder.arch)
        && field(&module.variant, &builder.variant)
        && (module.distros.is_empty()
            || builder.distros.is_empty()
            || builder.distros.iter().all(|wanted| {
                module.distros.iter().any(|distro| {
                    distro.name == wanted.name
                        && (distro.version.is_empty()
                            || wanted.version.is_empty()
                            || distro.version == wanted.version)
                })
            }))
}

fn target_name(target: &crate::buildpackage::Target) -> String {
    let mut name = format!(
        "{}/{}",
        target.os,
        if target.arch.is_empty() {
            "*"
        } else {
            &target.arch
        }
    );
    if !target.variant.is_empty() {
        name = format!("{name}/{}", target.variant);
    }
    name
}

fn target_config_name(target: &TargetConfig) -> String {
    let mut name = format!(
        "{}/{}",
        target.os,
        if target.arch.is_empty() {
            "*"
        } else {
            &target.arch
        }
    );
    if !target.variant.is_empty() {
        name = format!("{name}/{}", target.variant);
    }
    name
}

enum UriKind {
    External(String),
    Local(PathBuf),
}

fn classify_uri(uri: &str, base_dir: &Path) -> Result<UriKind, String> {
    if uri.is_empty() {
        return Err("an empty uri".to_string());
    }
    for scheme in ["docker://", "urn:cnb:registry:", "http://", "https://"] {
        if uri.starts_with(scheme) {
            return Ok(UriKind::External(uri.to_string()));
        }
    }
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    if path.contains("://") {
        return Err(format!("unsupported uri scheme in {}", quoted(uri)));
    }
    Ok(UriKind::Local(base_dir.join(path)))
}

fn read_local_module(
    path: &Path,
    uri: &str,
) -> Result<(ModuleSource, Option<ModuleDetails>), String> {
    let metadata =
        std::fs::metadata(path).map_err(|error| format!("cannot read {}: {error}", quoted(uri)))?;
    if metadata.is_dir() {
        let details = ModuleDetails::read(path).map_err(|error| format!("{error:#}"))?;
        return Ok((ModuleSource::Dir(path.to_path_buf()), Some(details)));
    }
    if !metadata.is_file() {
        return Err(format!(
            "{} is neither a module directory nor a regular file (a .cnb buildpackage)",
            quoted(uri)
        ));
    }
    let package = read_buildpackage(path).map_err(|error| {
        format!("{error:#} (local modules are .cnb buildpackages or module directories)")
    })?;
    Ok((ModuleSource::Cnb(path.to_path_buf()), Some(package.details)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<CheckedBuilder, Vec<Problem>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("builder.toml");
        std::fs::write(&path, text).unwrap();
        check_file(&path).map_err(|error| error.problems)
    }

    fn messages(text: &str) -> Vec<String> {
        check(text)
            .unwrap_err()
            .iter()
            .map(|p| {
                format!(
                    "{}: {}: {}",
                    p.line.map_or_else(|| "-".to_string(), |l| l.to_string()),
                    p.key,
                    p.message
                )
            })
            .collect()
    }

    const MINIMAL: &str = "[build]\nimage = \"docker.io/paketobuildpacks/build-jammy-static:0.0.238\"\n\n[[run.images]]\nimage = \"docker.io/paketobuildpacks/run-jammy-static:latest\"\n";

    #[test]
    fn key_paths() {
        let path = KeyPath::parse("order[1].group[0].id");
        assert_eq!(path.to_string(), "order[1].group[0].id");
        assert_eq!(path.0.len(), 5);
        assert_eq!(KeyPath::parse("build.image").to_string(), "build.image");
    }

    #[test]
    fn a_minimal_builder_passes_with_a_warning() {
        let checked = check(MINIMAL).unwrap();
        assert_eq!(
            checked.build_image,
            "docker.io/paketobuildpacks/build-jammy-static:0.0.238"
        );
        assert_eq!(checked.run_images.len(), 1);
        assert_eq!(checked.warnings.len(), 1);
    }

    #[test]
    fn legacy_stack_form() {
        let checked = check(
            "[stack]\nid = \"io.buildpacks.stacks.ubi8\"\nbuild-image = \"docker.io/paketobuildpacks/build-ubi8-base:0.0.121\"\nrun-image = \"index.docker.io/paketobuildpacks/run-ubi8-base:latest\"\nrun-image-mirrors = []\n",
        )
        .unwrap();
        assert_eq!(
            checked.run_images[0].image,
            "index.docker.io/paketobuildpacks/run-ubi8-base:latest"
        );
        assert_eq!(
            messages("[stack]\nbuild-image = \"a/b\"\nrun-image = \"c/d\"\n"),
            [
                "-: run.images: run images are required ([[run.images]], or the legacy [stack] run-image with [stack] id)"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_types_name_the_key_and_line() {
        assert_eq!(
            messages(&format!(
                "{MINIMAL}[stack]\nid = \"x\"\nmixins = [\"a\"]\n[[order]]\n[[order.group]]\nid = \"a\"\noptional = \"yes\"\n"
            )),
            [
                "8: stack.mixins: unknown key: pack rejects keys it does not know (pack's [stack] has no mixins: remove it)",
                "12: order[0].group[0].optional: expected a boolean (true or false)",
            ]
        );
    }

    #[test]
    fn image_references_follow_the_toolkit_grammar() {
        let with_image = |image: &str| {
            MINIMAL.replace(
                "docker.io/paketobuildpacks/build-jammy-static:0.0.238",
                image,
            )
        };
        for good in [
            "ubuntu",
            "docker.io/paketobuildpacks/run-ubi8-base:latest",
            "index.docker.io/paketobuildpacks/run-nodejs-20-ubi8-base",
            "localhost/stack-run:1",
            "localhost:5000/a/b_c__d-e--f.g:v1.2",
            "gcr.io/x/y@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(check(&with_image(good)).is_ok(), "{good}");
        }
        for bad in [
            "a//b",
            "a/b:",
            "a/-b",
            "a/b@sha256:00",
            "a/b:t@g",
            "a_/b",
            "host:port/x",
            "localhost:99999999/x",
            "scratch",
        ] {
            let problems = messages(&with_image(bad));
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(
                problems[0].starts_with("2: build.image: ")
                    && problems[0].contains("is not an image reference"),
                "{bad}: {problems:?}"
            );
        }
    }

    use std::fmt::Write as _;

    /// A builder with `entries` order entries naming an external buildpack, every other one
    /// with a version it does not have (a problem, whose line is looked up).
    fn many_entries(entries: usize) -> String {
        let mut text = format!(
            "{MINIMAL}[[buildpacks]]\nimage = \"docker.io/x/y:1\"\nid = \"x/y\"\nversion = \"1\"\n"
        );
        for entry in 0..entries {
            let version = if entry % 2 == 0 { "1" } else { "2" };
            writeln!(
                text,
                "\n[[order]]\n[[order.group]]\nid = \"x/y\"\nversion = \"{version}\""
            )
            .unwrap();
        }
        text
    }

    #[test]
    fn checking_takes_linear_time() {
        // Before: each value's line was found by rescanning the file (20,000 entries: minutes
        // in a debug build). Now one index of line starts.
        let text = many_entries(20_000);
        let started = std::time::Instant::now();
        let problems = check(&text).unwrap_err();
        let took = started.elapsed();
        assert_eq!(problems.len(), 10_000);
        assert_eq!(
            problems[9_999].line,
            Some(text.lines().count()),
            "{:?}",
            problems[9_999]
        );
        assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
    }

    #[test]
    fn messages_never_quote_file_contents() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "root:SECRET-HASH:19000:0:99999:7:::";
        std::fs::write(dir.path().join("shadow"), format!("{secret}\n").repeat(20)).unwrap();
        let builder = dir.path().join("builder.toml");
        std::fs::write(
            &builder,
            format!("{MINIMAL}[[buildpacks]]\nuri = \"shadow\"\n"),
        )
        .unwrap();
        let message = check_file(&builder).unwrap_err().to_string();
        assert!(message.contains("shadow is not a tar archive"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");

        // A file that is not TOML at all: the syntax error names the line, not its text.
        let message = check_file(&dir.path().join("shadow"))
            .unwrap_err()
            .to_string();
        assert!(message.contains(":1: invalid TOML"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");

        // Values and keys are quoted, cut after 64 characters.
        let long = "x".repeat(100_000);
        let message = check(&format!(
            "{MINIMAL}{long} = 1\n[stack]\nid = \"{long}\"\nbuild-image = \"{long}\"\n"
        ))
        .unwrap_err()
        .iter()
        .map(|problem| format!("{}: {}", problem.key, problem.message))
        .collect::<Vec<_>>()
        .join("\n");
        assert!(message.len() < 1_000, "{message}");
        assert!(message.contains("(cut, 100000 bytes in all)"), "{message}");
    }

    #[test]
    fn a_fifo_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let builder = dir.path().join("builder.toml");
        std::fs::write(
            &builder,
            format!("{MINIMAL}[[buildpacks]]\nuri = \"fifo\"\n"),
        )
        .unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let as_builder = check_file(&fifo).unwrap_err().to_string();
            let as_module = check_file(&builder).unwrap_err().to_string();
            sender.send((as_builder, as_module)).unwrap();
        });
        let (as_builder, as_module) = receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("check waited on a FIFO");
        assert!(
            as_builder.ends_with("is a FIFO, not a regular file"),
            "{as_builder}"
        );
        assert!(
            as_module.contains("\"fifo\" is neither a module directory nor a regular file"),
            "{as_module}"
        );
    }

    #[test]
    fn fuzz_builder_toml() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut seeds = Vec::new();
        for dir in ["builder/builders", "tests/fixtures/builders/broken"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let file = if path.is_dir() {
                    path.join("builder.toml")
                } else {
                    path
                };
                if file.extension().is_some_and(|ext| ext == "toml") {
                    seeds.push(std::fs::read_to_string(file).unwrap());
                }
            }
        }
        seeds.sort();
        assert!(seeds.len() > 20, "{}", seeds.len());
        let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
        // The workspace's modules are read once; local paths resolve in an empty directory.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("builder.toml");
        let mut workspace = WorkspaceModules::new(&root);
        workspace.find("").unwrap();
        fuzz_check::fuzz_text("builder.toml (packager check)", &seeds, |input| {
            let _ = check_text_with(input, &path, dir.path(), &mut workspace.clone());
        });
    }

    #[test]
    fn external_modules_need_id_and_version() {
        let text = format!(
            "{MINIMAL}[[buildpacks]]\nuri = \"docker://docker.io/paketobuildpacks/procfile:5.13.4\"\n\n[[order]]\n[[order.group]]\nid = \"paketo-buildpacks/procfile\"\n"
        );
        assert_eq!(
            messages(&text),
            [
                "6: buildpacks[0].id: required for \"docker://docker.io/paketobuildpacks/procfile:5.13.4\": the packager cannot fetch it to read its id, so declare it",
                "6: buildpacks[0].version: required for \"docker://docker.io/paketobuildpacks/procfile:5.13.4\": the packager cannot fetch it to read its version, so declare it",
                "11: order[0].group[0].id: \"paketo-buildpacks/procfile\" is not among the builder's [[buildpacks]]",
            ]
        );
        let text = text.replace(
            "[[buildpacks]]\n",
            "[[buildpacks]]\nid = \"paketo-buildpacks/procfile\"\nversion = \"5.13.4\"\n",
        );
        let checked = check(&text).unwrap();
        assert_eq!(
            checked.modules[0].source,
            ModuleSource::External(
                "docker://docker.io/paketobuildpacks/procfile:5.13.4".to_string()
            )
        );
        assert!(checked.warnings.is_empty());
    }
}
