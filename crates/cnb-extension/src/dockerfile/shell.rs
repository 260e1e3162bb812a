//! `RUN` commands: a program and its arguments, each argument one shell word.

use super::check::{DockerfileError, check_identifier, check_single_line};
use std::fmt;

/// Characters that have no meaning to a POSIX shell nor to the Dockerfile parser.
fn is_plain_shell_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.,:/@%+=".contains(c)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    /// Any string: rendered as is when plain, single-quoted otherwise.
    Literal(String),
    /// A reference to a Dockerfile build argument, expanded by the shell: `"${name}"`.
    Variable(String),
}

/// One command for a `RUN` line: a program and its arguments, chained with `&&`.
///
/// Arguments are arbitrary strings (package names, versions from a build plan, paths): each is
/// passed to the shell as exactly one word, single-quoted unless it is made only of characters
/// that mean nothing to a shell. The program name must be such a plain word. Errors (a line break
/// in an argument, a program name with shell syntax) surface when the command is added to a
/// Dockerfile with `run`.
///
/// ```
/// use cnb_extension::ShellCommand;
///
/// let command = ShellCommand::new("microdnf")
///     .args(["-y", "install"])
///     .arg("nodejs-20.11.1; rm -rf /")
///     .and(ShellCommand::new("microdnf").args(["clean", "all"]));
/// assert_eq!(
///     command.to_string(),
///     "microdnf -y install 'nodejs-20.11.1; rm -rf /' && microdnf clean all"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ShellCommand {
    commands: Vec<(String, Vec<Word>)>,
}

impl ShellCommand {
    /// A command running `program`.
    pub fn new(program: impl Into<String>) -> Self {
        Self {
            commands: vec![(program.into(), Vec::new())],
        }
    }

    /// Adds one argument to the last command.
    pub fn arg(mut self, argument: impl Into<String>) -> Self {
        if let Some((_, words)) = self.commands.last_mut() {
            words.push(Word::Literal(argument.into()));
        }
        self
    }

    /// Adds arguments to the last command.
    pub fn args<I, S>(self, arguments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        arguments.into_iter().fold(self, Self::arg)
    }

    /// Adds a reference to a build argument (`"${name}"`) to the last command, e.g. `build_id`.
    pub fn arg_variable(mut self, name: impl Into<String>) -> Self {
        if let Some((_, words)) = self.commands.last_mut() {
            words.push(Word::Variable(name.into()));
        }
        self
    }

    /// Runs `next` after this command when it succeeded (`&&`).
    pub fn and(mut self, next: ShellCommand) -> Self {
        self.commands.extend(next.commands);
        self
    }

    pub(super) fn validate(&self) -> Result<(), DockerfileError> {
        for (program, words) in &self.commands {
            if program.is_empty() || !program.chars().all(is_plain_shell_char) {
                return Err(DockerfileError::InvalidName {
                    what: "RUN program",
                    name: program.clone(),
                    expected: "a command name or path of letters, digits and any of _-.,:/@%+=",
                });
            }
            for word in words {
                match word {
                    Word::Literal(value) => check_single_line("RUN argument", value)?,
                    Word::Variable(name) => check_identifier("RUN variable", name)?,
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for ShellCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (program, words)) in self.commands.iter().enumerate() {
            if index > 0 {
                f.write_str(" && ")?;
            }
            f.write_str(program)?;
            for word in words {
                match word {
                    Word::Literal(value)
                        if !value.is_empty() && value.chars().all(is_plain_shell_char) =>
                    {
                        write!(f, " {value}")?;
                    }
                    Word::Literal(value) => write!(f, " '{}'", value.replace('\'', r"'\''"))?,
                    Word::Variable(name) => write!(f, " \"${{{name}}}\"")?,
                }
            }
        }
        Ok(())
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::{BUILD_ID_ARG, BuildDockerfile};

    #[test]
    fn quotes_every_argument_that_is_not_plain() {
        let command = ShellCommand::new("echo").args([
            "plain-1.2.3",
            "two words",
            "it's",
            "$(id)",
            "`id`",
            "a;b",
            "a&&b",
            "a|b",
            "${HOME}",
            "*",
            "<<EOF",
            "",
            "back\\slash",
        ]);
        assert_eq!(
            command.to_string(),
            r"echo plain-1.2.3 'two words' 'it'\''s' '$(id)' '`id`' 'a;b' 'a&&b' 'a|b' '${HOME}' '*' '<<EOF' '' 'back\slash'"
        );
    }

    #[test]
    fn rejects_line_breaks_and_nul_in_run_arguments() {
        for value in ["20\nRUN id", "20\r", "a\0b"] {
            let error = BuildDockerfile::new()
                .run(ShellCommand::new("echo").arg(value))
                .unwrap_err();
            assert_eq!(
                error,
                DockerfileError::UnsafeValue {
                    what: "RUN argument",
                    value: value.to_string()
                }
            );
        }
    }

    #[test]
    fn rejects_programs_with_shell_syntax() {
        for program in ["", "rm -rf", "a;b", "$(id)", "x\ny"] {
            assert!(
                BuildDockerfile::new()
                    .run(ShellCommand::new(program))
                    .is_err(),
                "{program:?}"
            );
        }
    }

    #[test]
    fn variables_must_be_identifiers() {
        let ok = BuildDockerfile::new()
            .arg(BUILD_ID_ARG)
            .unwrap()
            .run(ShellCommand::new("echo").arg_variable(BUILD_ID_ARG))
            .unwrap();
        assert!(
            ok.to_string()
                .contains("ARG build_id\nRUN echo \"${build_id}\"\n")
        );
        assert!(
            BuildDockerfile::new()
                .run(ShellCommand::new("echo").arg_variable("x}; id; {"))
                .is_err()
        );
    }
}
