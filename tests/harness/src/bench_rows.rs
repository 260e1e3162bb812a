//! `BENCH_ROWS=<file>` (`tests/bench.sh`): the figures of every benchmark appended to one table.

use std::io::Write as _;
use std::path::Path;

/// The combined table's rows (`figure, value, target, held`, tab-separated), appended to the
/// file `BENCH_ROWS` names; without it, nothing is written.
pub struct BenchRows(Option<std::fs::File>);

impl BenchRows {
    /// The file `BENCH_ROWS` names, opened to append (created when missing); none without it.
    #[must_use]
    pub fn from_env() -> Self {
        Self(std::env::var_os("BENCH_ROWS").map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap_or_else(|error| {
                    panic!(
                        "cannot open BENCH_ROWS {}: {error}",
                        Path::new(&path).display()
                    )
                })
        }))
    }

    /// A figure, its target, and whether it held the target (`None`: not judged).
    pub fn row(&mut self, figure: &str, value: &str, target: &str, held: Option<bool>) {
        if let Some(file) = &mut self.0 {
            let held = match held {
                Some(true) => "held",
                Some(false) => "missed",
                None => "-",
            };
            writeln!(file, "{figure}\t{value}\t{target}\t{held}")
                .unwrap_or_else(|error| panic!("cannot write to BENCH_ROWS: {error}"));
        }
    }

    /// A figure without a target.
    pub fn figure(&mut self, figure: &str, value: &str) {
        self.row(figure, value, "-", None);
    }
}
