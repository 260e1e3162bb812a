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
//!   `image = …`, or another URL pack downloads): offline ([`check_file`]) accepted with the
//!   `id` and `version` it declares, either of which may be missing (a warning names it);
//!   through an [`ImageResolver`] ([`check_file_verified`]) read from the image's labels, a
//!   declared `id` or `version` that differs being pack's error; the kind must match the table
//!   (an extension under `[[extensions]]`);
//! - every `[[order]]` entry names a buildpack and every `[[order-extensions]]` entry an
//!   extension among the modules (every module an image holds included), with a matching
//!   version (or a single one when none is given); offline, an entry that an image not read
//!   may hold is a warning;
//!   `[system]` buildpacks likewise;
//! - `[[targets]]`: known os and arch, and every resolved module supports every target;
//! - `[[build.env]]`: a name that is an environment variable name (letters, digits and `_`;
//!   never one that would be written outside `/cnb/build-config/env`, which pack accepts), a
//!   known suffix, a delimiter for append/prepend.
//!
//! Its parts: [`problem`](self::problem) (what is reported), [`config`](self::config) (the typed
//! configuration), `schema` (known keys and types), `images`, `modules`, `order` and `targets`
//! (the checks of each part of the file, free functions adding to one list of problems), and
//! `checker`, which runs them in turn.

mod checker;
mod config;
mod images;
mod modules;
mod order;
mod problem;
mod schema;
mod targets;

pub use config::{
    BuildConfig, BuildEnv, BuilderConfig, DistroConfig, GroupEntry, LifecycleConfig, ModuleConfig,
    OrderGroup, RunConfig, RunImageConfig, StackConfig, SystemBuildpacks, SystemConfig,
    TargetConfig,
};
pub use modules::{ImageContents, ImageResolver, ModuleSource, ResolvedModule, is_image_reference};
pub use problem::{CheckError, KeyPath, Problem, Segment};

pub use checker::CheckedBuilder;
pub(crate) use checker::build_env_name_problem;

use checker::check_config;
use modules::WorkspaceModules;
use problem::{Lines, Problems};
use schema::CONFIG;
use schema::walk_table;
use std::path::{Path, PathBuf};
use toml::de::DeTable;
use untrusted_input::read_regular_file;

/// The largest builder.toml read: 16 MiB (a builder with 40,000 order entries is 2.3 MB).
pub const MAX_BUILDER_TOML_SIZE: u64 = 16 << 20;

/// Reads and checks the builder.toml `path` (see the module documentation).
///
/// Entries with only an `id` are resolved against the module crates of the Cargo workspace
/// that holds `path` (or the current directory).
///
/// # Errors
/// Every problem found, in a [`CheckError`]; an unreadable file is a single problem.
/// Offline: the id and version of a module named by image are taken as declared, and may be
/// missing (pack reads them from the image); warnings name each such reference, and an order
/// entry that may be among what they hold is a warning, not a problem. [`check_file_verified`]
/// reads them.
pub fn check_file(path: &Path) -> Result<CheckedBuilder, CheckError> {
    check_file_with(path, None)
}

/// [`check_file`], every module named by image read through `images` (its main module's id and
/// version, and every module it holds, from its labels), and the order checked against them,
/// as `pack builder create` does.
///
/// # Errors
/// As [`check_file`]; an image that cannot be read is a problem of its entry.
pub fn check_file_verified(
    path: &Path,
    images: &mut ImageResolver<'_>,
) -> Result<CheckedBuilder, CheckError> {
    check_file_with(path, Some(images))
}

fn check_file_with(
    path: &Path,
    images: Option<&mut ImageResolver<'_>>,
) -> Result<CheckedBuilder, CheckError> {
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
    let base_dir = base_dir(path);
    check_text_with(
        &text,
        path,
        &base_dir,
        &mut WorkspaceModules::new(&base_dir),
        images,
    )
    .map_err(fail)
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
    images: Option<&mut ImageResolver<'_>>,
) -> Result<CheckedBuilder, Vec<Problem>> {
    let lines = Lines::new(text);
    let document = DeTable::parse(text).map_err(|error| {
        vec![Problem {
            key: KeyPath::default(),
            line: error.span().map(|span| lines.of(span.start)),
            message: format!("invalid TOML: {}", cnb_package::toml_message(&error)),
        }]
    })?;
    let mut problems = Problems {
        lines,
        document: &document,
        list: Vec::new(),
        warnings: Vec::new(),
    };
    walk_table(
        &mut problems,
        document.get_ref(),
        CONFIG,
        &KeyPath::default(),
    );
    if !problems.list.is_empty() {
        return Err(sorted(problems.list));
    }
    let config: BuilderConfig = toml::from_str(text).map_err(|error| {
        vec![Problem {
            key: KeyPath::default(),
            line: error.span().map(|span| problems.lines.of(span.start)),
            message: cnb_package::toml_message(&error),
        }]
    })?;
    let outcome = check_config(&mut problems, config, path, base_dir, workspace, images);
    if problems.list.is_empty() {
        outcome.ok_or_else(Vec::new)
    } else {
        Err(sorted(problems.list))
    }
}

/// Problems in file order (those without a line last), otherwise in the order found.
fn sorted(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|problem| problem.line.unwrap_or(usize::MAX));
    problems
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
        // in a debug build). Now one index of line starts, searched: the work of finding lines,
        // counted, on 8 times the entries is at most 24 times the work.
        let text = many_entries(20_000);
        let problems = check(&text).unwrap_err();
        assert_eq!(problems.len(), 10_000);
        assert_eq!(
            problems[9_999].line,
            Some(text.lines().count()),
            "{:?}",
            problems[9_999]
        );
        fuzz_check::assert_linear("finding the lines of problems", many_entries, 500, |text| {
            let before = problem::LINE_WORK.with(std::cell::Cell::get);
            let _ = check(text);
            (problem::LINE_WORK.with(std::cell::Cell::get) - before) as u64
        });
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
        cnb_harness::mkfifo(&fifo);
        let builder = dir.path().join("builder.toml");
        std::fs::write(
            &builder,
            format!("{MINIMAL}[[buildpacks]]\nuri = \"fifo\"\n"),
        )
        .unwrap();
        let (as_builder, as_module) =
            cnb_harness::within_hang_guard("check of a FIFO", move || {
                let as_builder = check_file(&fifo).unwrap_err().to_string();
                let as_module = check_file(&builder).unwrap_err().to_string();
                (as_builder, as_module)
            });
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
            let _ = check_text_with(input, &path, dir.path(), &mut workspace.clone(), None);
        });
    }

    fn warnings(checked: &CheckedBuilder) -> Vec<String> {
        checked
            .warnings
            .iter()
            .map(|warning| {
                warning
                    .split_once("builder.toml:")
                    .map_or(warning.as_str(), |(_, rest)| rest)
                    .to_string()
            })
            .collect()
    }

    /// Before: an image module without `id` or `version` was refused ("the packager cannot
    /// fetch it to read its id, so declare it"), which refused every Paketo builder with
    /// buildpacks. Offline now, it is accepted with a warning naming the reference, and an
    /// order entry it may hold is a warning too.
    #[test]
    fn image_modules_without_id_or_version_are_warnings_offline() {
        let text = format!(
            "{MINIMAL}[[buildpacks]]\nuri = \"docker://docker.io/paketobuildpacks/procfile:5.13.4\"\n\n[[buildpacks]]\nimage = \"docker.io/paketobuildpacks/java\"\nversion = \"22.2.0\"\n\n[[order]]\n[[order.group]]\nid = \"paketo-buildpacks/procfile\"\n[[order.group]]\nid = \"paketo-buildpacks/bellsoft-liberica\"\nversion = \"11.0.0\"\n"
        );
        let checked = check(&text).unwrap();
        assert_eq!(
            warnings(&checked),
            [
                "7: buildpacks[0].uri: \"docker://docker.io/paketobuildpacks/procfile:5.13.4\" is not pulled by an offline check: its id and version are read from the image, and the order is checked against it by `builder create` (or `check --verify`)",
                "10: buildpacks[1].image: \"docker.io/paketobuildpacks/java\" is not pulled by an offline check: its id is read from the image, and the order is checked against it by `builder create` (or `check --verify`)",
                "15: order[0].group[0].id: \"paketo-buildpacks/procfile\" is not among the modules declared here; it may be in \"docker://docker.io/paketobuildpacks/procfile:5.13.4\", \"docker.io/paketobuildpacks/java\" (not pulled offline)",
                "17: order[0].group[1].id: \"paketo-buildpacks/bellsoft-liberica\" is not among the modules declared here; it may be in \"docker://docker.io/paketobuildpacks/procfile:5.13.4\", \"docker.io/paketobuildpacks/java\" (not pulled offline)",
            ]
        );
        assert!(checked.warnings[0].ends_with(&warnings(&checked)[0]));
        assert!(
            checked.warnings[0].contains("builder.toml:7: "),
            "{}",
            checked.warnings[0]
        );
        assert_eq!(
            checked.modules[0].source,
            ModuleSource::External(
                "docker://docker.io/paketobuildpacks/procfile:5.13.4".to_string()
            )
        );
        // With id and version declared, an order entry with another version is still a
        // problem offline.
        let text = text.replace(
            "[[buildpacks]]\nimage",
            "[[buildpacks]]\nid = \"paketo-buildpacks/bellsoft-liberica\"\nimage",
        );
        assert_eq!(
            messages(&text),
            [
                "19: order[0].group[1].version: \"11.0.0\" is not a version of \"paketo-buildpacks/bellsoft-liberica\" among the modules (version \"22.2.0\")"
            ]
        );
    }

    fn contents(main: (&str, &str), modules: &[(&str, &str)]) -> ImageContents {
        let details = |(id, version): (&str, &str)| cnb_package::buildpackage::ModuleDetails {
            kind: cnb_package::descriptor::ModuleKind::Buildpack,
            info: cnb_package::buildpackage::ModuleInfo {
                id: id.to_string(),
                version: version.to_string(),
                ..Default::default()
            },
            api: "0.10".to_string(),
            targets: Vec::new(),
            stacks: Vec::new(),
            order: Vec::new(),
        };
        ImageContents {
            main: details(main).info,
            modules: modules.iter().copied().map(details).collect(),
        }
    }

    fn check_verified(
        text: &str,
        images: &mut ImageResolver<'_>,
    ) -> Result<CheckedBuilder, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("builder.toml");
        std::fs::write(&path, text).unwrap();
        check_file_verified(&path, images).map_err(|error| {
            error
                .problems
                .iter()
                .map(|p| format!("{}: {}: {}", p.line.unwrap_or(0), p.key, p.message))
                .collect()
        })
    }

    /// Verified, an image module gets its id and version from the image, the order may name
    /// every module a composite holds, and pack's checks apply with pack's words.
    #[test]
    fn image_modules_are_read_from_their_labels_when_verified() {
        let text = format!(
            "{MINIMAL}[[buildpacks]]\nuri = \"docker://docker.io/paketobuildpacks/java:22.2.0\"\nversion = \"22.2.0\"\n\n[[order]]\n[[order.group]]\nid = \"paketo-buildpacks/java\"\n[[order.group]]\nid = \"paketo-buildpacks/bellsoft-liberica\"\n"
        );
        let asked = std::cell::RefCell::new(Vec::new());
        let mut images = |reference: &str| {
            asked.borrow_mut().push(reference.to_string());
            Ok(contents(
                ("paketo-buildpacks/java", "22.2.0"),
                &[
                    ("paketo-buildpacks/java", "22.2.0"),
                    ("paketo-buildpacks/bellsoft-liberica", "11.0.0"),
                ],
            ))
        };
        let checked = check_verified(&text, &mut images).unwrap();
        assert_eq!(
            *asked.borrow(),
            ["docker://docker.io/paketobuildpacks/java:22.2.0"]
        );
        assert_eq!(checked.modules[0].id, "paketo-buildpacks/java");
        assert_eq!(checked.modules[0].version, "22.2.0");
        assert_eq!(checked.modules[0].held.len(), 2);
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);

        let wrong = text.replace(
            "version = \"22.2.0\"",
            "version = \"22.1.0\"\nid = \"paketo-buildpacks/jav\"",
        );
        assert_eq!(
            check_verified(&wrong, &mut images).unwrap_err(),
            [
                "8: buildpacks[0].version: buildpack from URI \"docker://docker.io/paketobuildpacks/java:22.2.0\" has version \"22.2.0\" which does not match version \"22.1.0\" from builder config",
                "9: buildpacks[0].id: buildpack from URI \"docker://docker.io/paketobuildpacks/java:22.2.0\" has ID \"paketo-buildpacks/java\" which does not match ID \"paketo-buildpacks/jav\" from builder config",
            ]
        );
        let unknown = text.replace("bellsoft-liberica", "azul-zulu");
        assert_eq!(
            check_verified(&unknown, &mut images).unwrap_err(),
            [
                "14: order[0].group[1].id: \"paketo-buildpacks/azul-zulu\" is not among the builder's [[buildpacks]]"
            ]
        );
        let mut failing = |reference: &str| -> anyhow::Result<ImageContents> {
            anyhow::bail!("{reference}: no such image")
        };
        assert_eq!(
            check_verified(&text, &mut failing).unwrap_err(),
            [
                "7: buildpacks[0].uri: docker://docker.io/paketobuildpacks/java:22.2.0: no such image"
            ]
        );
    }

    /// Our modules are built for linux/amd64 only here: a definition asking for them on
    /// arm64 too fails naming the module and the platform (never a builder missing a binary).
    #[test]
    fn an_amd64_only_module_on_arm64_is_a_problem_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("module");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(
            module.join("buildpack.toml"),
            "api = \"0.10\"\n[buildpack]\nid = \"our/module\"\nversion = \"1.0.0\"\n[[targets]]\nos = \"linux\"\narch = \"amd64\"\n",
        )
        .unwrap();
        let path = dir.path().join("builder.toml");
        std::fs::write(
            &path,
            format!(
                "{MINIMAL}[[buildpacks]]\nuri = \"module\"\n[[order]]\n[[order.group]]\nid = \"our/module\"\n[[targets]]\nos = \"linux\"\narch = \"amd64\"\n[[targets]]\nos = \"linux\"\narch = \"arm64\"\n"
            ),
        )
        .unwrap();
        let problems = check_file(&path).unwrap_err().problems;
        let messages: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect();
        assert_eq!(
            messages,
            [
                "targets[1]: buildpack \"our/module@1.0.0\" does not support linux/arm64 (it supports linux/amd64)"
            ]
        );
    }
}
