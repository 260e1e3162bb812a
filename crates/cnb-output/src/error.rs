//! The error convention: a header that says what failed, a body that says why and what to do.

use std::io::{self, Write};

/// What an error shows the user: one line saying what failed, and a body (one or more lines:
/// the cause, with the offending input [`quoted`](crate::quoted), and what to do).
///
/// ```
/// use cnb_output::{HeaderAndBody, quoted, render_error};
///
/// struct InvalidOptimizeMemory(String);
///
/// impl HeaderAndBody for InvalidOptimizeMemory {
///     fn header(&self) -> String {
///         "Invalid BP_NODE_OPTIMIZE_MEMORY".to_string()
///     }
///     fn body(&self) -> String {
///         format!("{} is not a boolean.\nSet it to \"true\" or \"false\".", quoted(&self.0))
///     }
/// }
///
/// assert_eq!(
///     render_error(&InvalidOptimizeMemory("yes\nRUN id".to_string())),
///     "ERROR: Invalid BP_NODE_OPTIMIZE_MEMORY\n  \"yes\\nRUN id\" is not a boolean.\n  \
///      Set it to \"true\" or \"false\".\n"
/// );
/// ```
pub trait HeaderAndBody {
    /// One line saying what failed.
    fn header(&self) -> String;
    /// The cause and what to do: one or more lines.
    fn body(&self) -> String;
}

/// No error: for a module that cannot fail.
impl HeaderAndBody for std::convert::Infallible {
    fn header(&self) -> String {
        match *self {}
    }
    fn body(&self) -> String {
        match *self {}
    }
}

/// Writes `error` to `out`: `ERROR: <header>`, then each line of the body indented by two
/// spaces (an empty line stays empty).
///
/// # Errors
/// When `out` cannot be written to.
pub fn write_error(out: &mut impl Write, error: &(impl HeaderAndBody + ?Sized)) -> io::Result<()> {
    writeln!(out, "ERROR: {}", error.header())?;
    for line in error.body().lines() {
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// What [`write_error`] writes, as a string: for tests and snapshots.
#[must_use]
pub fn render_error(error: &(impl HeaderAndBody + ?Sized)) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and both parts are strings.
    let _ = write_error(&mut out, error);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`write_error`] to stderr, where the lifecycle shows a module's errors. A stderr that cannot
/// be written to leaves nowhere to report anything, so that is ignored.
pub fn print_error(error: &(impl HeaderAndBody + ?Sized)) {
    let _ = write_error(&mut io::stderr().lock(), error);
}

/// `Display` as `<header>: <body>` and `std::error::Error`, for an error type that implements
/// [`HeaderAndBody`]: what every module's error type writes alike.
///
/// ```
/// use cnb_output::{HeaderAndBody, display_as_header_and_body};
///
/// #[derive(Debug)]
/// struct NoNode;
///
/// impl HeaderAndBody for NoNode {
///     fn header(&self) -> String {
///         "No node".to_string()
///     }
///     fn body(&self) -> String {
///         "`node` is not on PATH.".to_string()
///     }
/// }
///
/// display_as_header_and_body!(NoNode);
///
/// assert_eq!(NoNode.to_string(), "No node: `node` is not on PATH.");
/// ```
#[macro_export]
macro_rules! display_as_header_and_body {
    ($error:ty) => {
        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::write!(
                    f,
                    "{}: {}",
                    $crate::HeaderAndBody::header(self),
                    $crate::HeaderAndBody::body(self)
                )
            }
        }

        impl ::std::error::Error for $error {}
    };
}

/// A libcnb buildpack's error type: [`display_as_header_and_body!`], and `From<$error>` for
/// `libcnb::Error<$error>` (its `BuildpackError`), so that `?` turns the buildpack's errors into
/// libcnb's in `detect` and `build`. The buildpack depends on `libcnb` itself.
#[cfg(feature = "libcnb")]
#[macro_export]
macro_rules! libcnb_buildpack_error {
    ($error:ty) => {
        $crate::display_as_header_and_body!($error);

        impl ::std::convert::From<$error> for ::libcnb::Error<$error> {
            fn from(error: $error) -> Self {
                Self::BuildpackError(error)
            }
        }
    };
}

/// libcnb's errors: the buildpack's own error as it says, libcnb's (a bad CNB environment, an
/// unwritable file) with libcnb's message.
#[cfg(feature = "libcnb")]
impl<E: HeaderAndBody + std::fmt::Debug> HeaderAndBody for libcnb::Error<E> {
    fn header(&self) -> String {
        match self {
            libcnb::Error::BuildpackError(error) => error.header(),
            _ => "The buildpack framework failed (libcnb)".to_string(),
        }
    }

    fn body(&self) -> String {
        match self {
            libcnb::Error::BuildpackError(error) => error.body(),
            framework_error => format!(
                "{framework_error}\nThe lifecycle runs buildpacks with what libcnb reads: check \
                 the platform's CNB environment and the layers directory."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failure(&'static str);

    impl HeaderAndBody for Failure {
        fn header(&self) -> String {
            "It failed".to_string()
        }
        fn body(&self) -> String {
            self.0.to_string()
        }
    }

    #[test]
    fn header_then_each_body_line_indented() {
        insta::assert_snapshot!(render_error(&Failure("because\n\nfix it")));
    }

    #[test]
    fn libcnb_errors() {
        insta::assert_snapshot!(
            "buildpack_error",
            render_error(&libcnb::Error::BuildpackError(Failure("because")))
        );
        insta::assert_snapshot!(
            "framework_error",
            render_error(&libcnb::Error::<Failure>::CannotDetermineTargetArch(
                std::env::VarError::NotPresent
            ))
        );
    }
}
