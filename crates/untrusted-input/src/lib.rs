//! Reading input a build must not trust (the app's files, the stack's catalogue) in bounded
//! time and memory, and quoting it in messages without echoing it whole.
//!
//! - [`read_regular_file`]: a regular file only (checked on the opened file, so a FIFO or a
//!   device never blocks the reader), at most a given number of bytes; symbolic links are
//!   followed, as the lifecycle and libcnb follow them; [`open_regular_file`]: the same file
//!   opened, for a reader that streams it.
//! - [`read_app_file`] and [`resolve_in_app`]: the same for a path inside the app directory,
//!   which must still be inside it once every link is resolved.
//! - [`text_lossy`] and [`text_utf8`]: the bytes of a text file as text, a leading byte order
//!   mark dropped ([`read_app_text`] decodes with the first): the one decoder of every text file
//!   the modules read.
//! - [`quoted`]: a value quoted for a message, cut after [`QUOTE_LIMIT`] characters;
//!   [`bounded`]: the same, but a short plain value (a number, a JSON fragment) as it is.
//!
//! The quoting is `cnb-output`'s, the one every module's messages use. Published: the extension
//! toolkit `cnb-extension` re-exports this crate as `cnb_extension::untrusted`, and buildpacks
//! use it directly, without depending on the toolkit.
//!
//! ```
//! use untrusted_input::{quoted, read_app_text, read_regular_file};
//!
//! let app = tempfile::tempdir()?;
//! std::fs::write(app.path().join(".nvmrc"), "\u{feff}20\n")?;
//! // A regular file inside the app, at most 1 KiB, its byte order mark dropped.
//! let text = read_app_text(app.path(), ".nvmrc".as_ref(), 1024)?;
//! assert_eq!(text.as_deref(), Some("20\n"));
//! // A directory is not a regular file: an error, never a wait or a panic.
//! let error = read_regular_file(app.path(), 1024).unwrap_err();
//! assert!(error.to_string().ends_with("is a directory, not a regular file"));
//! // Values in messages: quoted, control characters escaped.
//! assert_eq!(quoted("20\nRUN id"), r#""20\nRUN id""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod app_file;
mod regular_file;
mod text;

pub use app_file::{read_app_file, read_app_text, resolve_in_app};
pub use cnb_output::{QUOTE_LIMIT, bounded, quoted};
pub use regular_file::{ReadError, ReadErrorKind, open_regular_file, read_regular_file};
pub use text::{text_lossy, text_utf8};
