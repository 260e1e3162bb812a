//! The combined benchmark table of tests/bench.sh: the rows a bench appends to the file
//! `BENCH_ROWS` names ([`BenchRows`]).

use std::io::Write as _;
use std::path::Path;

/// `BENCH_ROWS=<file>`: the combined table's rows (`figure, value, target, held`,
/// tab-separated) appended to the file; nothing is written without the variable.
#[derive(Debug)]
pub struct BenchRows(Option<std::fs::File>);

impl BenchRows {
    /// The file `BENCH_ROWS` names, opened to append; panics when it cannot be opened.
    #[must_use]
    pub fn from_env() -> Self {
        Self(std::env::var_os("BENCH_ROWS").map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap_or_else(|error| {
                    panic!(
                        "cannot open BENCH_ROWS={}: {error}",
                        Path::new(&path).display()
                    )
                })
        }))
    }

    /// A figure and its target; `held` says whether the value held the target (`None`: not
    /// judged).
    pub fn row(&mut self, figure: &str, value: &str, target: &str, held: Option<bool>) {
        if let Some(file) = &mut self.0 {
            let held = match held {
                Some(true) => "held",
                Some(false) => "missed",
                None => "-",
            };
            writeln!(file, "{figure}\t{value}\t{target}\t{held}").expect("append to BENCH_ROWS");
        }
    }

    /// A figure without a target.
    pub fn figure(&mut self, figure: &str, value: &str) {
        self.row(figure, value, "-", None);
    }
}
