//! Build output in the Paketo style: a header per module, then indented steps and details.

use std::io::{self, Write};

/// What starts a warning, as Paketo's buildpacks write it.
const WARNING: &str = "WARNING: ";

/// Writes Paketo-style log lines: the module's header (`<name> <version>`), then steps indented
/// by two spaces, their details by four and six. Write errors (a closed stdout) are ignored:
/// logging must never fail a build.
///
/// ```
/// let mut log = cnb_output::Log::new(Vec::new());
/// log.header("UBI Node.js Extension", "1.0.0")
///     .step("Resolving Node.js version")
///     .detail("Candidate version sources (in priority order):")
///     .subdetail("BP_NODE_VERSION -> \"20\"");
/// assert_eq!(
///     String::from_utf8(log.into_inner()).unwrap(),
///     "UBI Node.js Extension 1.0.0\n  Resolving Node.js version\n    Candidate version sources \
///      (in priority order):\n      BP_NODE_VERSION -> \"20\"\n"
/// );
/// ```
#[derive(Debug)]
pub struct Log<W: Write> {
    out: W,
}

impl Log<io::Stdout> {
    /// Logs to stdout, where the lifecycle shows a module's output.
    #[must_use]
    pub fn stdout() -> Self {
        Self { out: io::stdout() }
    }
}

impl<W: Write> Log<W> {
    /// Logs to `out`, e.g. a `Vec<u8>` in a test.
    pub fn new(out: W) -> Self {
        Self { out }
    }

    fn line(&mut self, indent: &str, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "{indent}{text}");
        self
    }

    /// A line nested `depth` levels below the header, two spaces a level: [`Log::step`] is
    /// depth 1, [`Log::detail`] 2, [`Log::subdetail`] 3; deeper for what those contain (a
    /// download's notes, a subprocess's output streamed under the step that runs it).
    pub fn nested(&mut self, depth: usize, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "{:indent$}{text}", "", indent = 2 * depth);
        self
    }

    /// The module header: `<name> <version>`.
    pub fn header(&mut self, name: &str, version: &str) -> &mut Self {
        self.line("", &format!("{name} {version}"))
    }

    /// A line without indentation: what a phase says besides the header (detect's reason not
    /// to pass, say).
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.line("", text)
    }

    /// A step, indented two spaces.
    pub fn step(&mut self, text: &str) -> &mut Self {
        self.nested(1, text)
    }

    /// A detail of a step, indented four spaces.
    pub fn detail(&mut self, text: &str) -> &mut Self {
        self.nested(2, text)
    }

    /// A detail of a detail, indented six spaces.
    pub fn subdetail(&mut self, text: &str) -> &mut Self {
        self.nested(3, text)
    }

    /// A warning: something the user should know, that does not fail the build, as a detail of
    /// the step it concerns (`    WARNING: <text>`), where Paketo's buildpacks write theirs.
    pub fn warning(&mut self, text: &str) -> &mut Self {
        self.nested_warning(2, text)
    }

    /// A warning nested `depth` levels below the header (see [`Log::nested`]): depth 0 for a
    /// program without a header, such as an exec.d program at launch.
    pub fn nested_warning(&mut self, depth: usize, text: &str) -> &mut Self {
        self.nested(depth, &format!("{WARNING}{text}"))
    }

    /// An empty line, to end a module's output.
    pub fn blank(&mut self) -> &mut Self {
        self.line("", "")
    }

    /// The writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_paketo() {
        let mut log = Log::new(Vec::new());
        log.header("UBI Node.js Extension", "1.0.0")
            .text("Node.js")
            .step("Resolving Node.js version")
            .detail("Candidate version sources (in priority order):")
            .subdetail("BP_NODE_VERSION -> \"20\"")
            .nested(4, "go: downloading example.com/m v1.0.0")
            .warning("the patch level comes from the stream")
            .nested_warning(0, "memory limit unknown")
            .blank();
        assert_eq!(
            String::from_utf8(log.into_inner()).unwrap(),
            "UBI Node.js Extension 1.0.0\nNode.js\n  Resolving Node.js version\n    Candidate version sources \
             (in priority order):\n      BP_NODE_VERSION -> \"20\"\n        go: downloading \
             example.com/m v1.0.0\n    WARNING: the patch level \
             comes from the stream\nWARNING: memory limit unknown\n\n"
        );
    }
}
