//! Progress of long transfers on stderr, only when it is a terminal (a log file or a pipe
//! gets none of it): while a blob downloads, one line rewritten in place at each MiB; once a
//! blob is down or up, a line with its size and the running count of blobs and bytes.

use std::cell::Cell;
use std::io::{IsTerminal, Write};

/// The progress lines of one registry client.
#[derive(Debug)]
pub(super) struct Progress {
    /// Whether anything is printed: stderr is a terminal.
    shown: bool,
    /// Blobs and bytes done so far.
    blobs: Cell<u64>,
    bytes: Cell<u64>,
}

const MIB: u64 = 1 << 20;

impl Progress {
    /// Shown when stderr is a terminal.
    pub(super) fn on_stderr() -> Self {
        Self::new(std::io::stderr().is_terminal())
    }

    fn new(shown: bool) -> Self {
        Self {
            shown,
            blobs: Cell::new(0),
            bytes: Cell::new(0),
        }
    }

    /// A download of `size` bytes has `done` of them, `more` just now: the in-place line when
    /// a MiB boundary was crossed.
    pub(super) fn downloading(&self, digest: &str, done: u64, more: u64, size: u64) {
        if self.shown && (done / MIB != (done - more) / MIB) {
            Self::print(&format!(
                "\r\u{1b}[K    Downloading {} {} of {}",
                short(digest),
                mib(done),
                mib(size)
            ));
        }
    }

    /// A blob is down (`verb`: `Downloaded`) or up (`Uploaded`): its line.
    pub(super) fn finished(&self, verb: &str, digest: &str, size: u64) {
        self.blobs.set(self.blobs.get() + 1);
        self.bytes.set(self.bytes.get() + size);
        if self.shown {
            Self::print(&format!("\r\u{1b}[K{}\n", self.line(verb, digest, size)));
        }
    }

    fn line(&self, verb: &str, digest: &str, size: u64) -> String {
        format!(
            "    {verb} {} ({}; {} blob(s), {} so far)",
            short(digest),
            mib(size),
            self.blobs.get(),
            mib(self.bytes.get())
        )
    }

    fn print(text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }
}

/// `sha256:` and the first 12 hex digits.
fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// A size for people: bytes, KiB or MiB (to a tenth).
fn mib(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // a size shown to a tenth
    let (value, unit) = match bytes {
        0..1024 => return format!("{bytes} B"),
        1024..MIB => (bytes as f64 / 1024.0, "KiB"),
        _ => (bytes as f64 / MIB as f64, "MiB"),
    };
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn a_finished_blob_is_one_line_with_its_size_and_the_running_count() {
        let progress = Progress::new(false);
        let digest = format!("sha256:{}", "ab".repeat(32));
        progress.finished("Downloaded", &digest, 3 << 20);
        progress.finished("Downloaded", &digest, 1 << 19);
        assert_eq!(
            progress.line("Uploaded", &digest, 1 << 19),
            "    Uploaded sha256:abababababab (512.0 KiB; 2 blob(s), 3.5 MiB so far)"
        );
        assert_eq!(
            progress.line("Uploaded", &digest, 106).split(' ').nth(6),
            Some("(106")
        );
    }
}
