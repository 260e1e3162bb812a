//! The assertions, readers and figures the tests share.

use cnb_harness::{Outcome, free_port, http_get};
use e2e_tests::{AppBuild, PackOutcome, e2e_dir, registry_inspect};
use std::time::Duration;

#[allow(clippy::cast_precision_loss)]
pub(crate) fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The app image's layers start with the run image's: it was built on that run image.
pub(crate) fn assert_built_on(app_image: &str, run_image: &str) {
    let layers = |image: &str| -> Vec<serde_json::Value> {
        registry_inspect(image, false)["Layers"]
            .as_array()
            .unwrap()
            .clone()
    };
    let (app, run) = (layers(app_image), layers(run_image));
    assert!(
        app.len() > run.len() && app[..run.len()] == run[..],
        "{app_image} is not built on {run_image}: {app:?} vs {run:?}"
    );
}

/// The rebuild took the extension's install step from the extender's (kaniko's) cache.
pub(crate) fn assert_install_step_cached(build: &PackOutcome) {
    build
        .assert_output_contains(&["Using caching version of cmd: RUN"])
        // microdnf did not run again.
        .assert_output_lacks(&["Installed:"]);
}

/// GET <path> of the running app: the body, and the container's logs.
pub(crate) fn serve_with_logs(app: &AppBuild, path: &str) -> (String, String) {
    let port = free_port();
    let container = app.start(port);
    let answer = http_get(port, path, Duration::from_mins(1));
    let (status, body) = answer.unwrap_or_else(|error| {
        panic!(
            "{} did not answer: {error}\n{}",
            app.image,
            container.logs()
        )
    });
    assert_eq!(status, 200, "{body}\n{}", container.logs());
    (body, container.logs())
}

/// GET <path> of the running app: the body.
pub(crate) fn serve(app: &AppBuild, path: &str) -> String {
    serve_with_logs(app, path).0
}

pub(crate) fn log_figures(app: &str, first: &PackOutcome, second: &PackOutcome) {
    let (first, second) = (first.duration.as_secs_f64(), second.duration.as_secs_f64());
    eprintln!("{app}: first build {first:.1} s, rebuild {second:.1} s");
    record(
        &format!("e2e {app} first build seconds"),
        format!("{first:.1}"),
    );
    record(
        &format!("e2e {app} rebuild seconds"),
        format!("{second:.1}"),
    );
}

/// Appends `name<TAB>value` to `<target>/e2e/figures.tsv` (read by tests/bench.sh).
pub(crate) fn record(name: &str, value: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(e2e_dir().join("figures.tsv"))
        .unwrap();
    writeln!(file, "{name}\t{value}").unwrap();
}
