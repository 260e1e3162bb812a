//! End-to-end builds of fixture apps with our builder, as `pack build` does them (see the crate
//! documentation): a Node.js app and a Java executable jar get their runtime from microdnf (dnf)
//! through our extensions and run on the runtime's run image; a Go app builds static and runs on
//! the static run image. Each app is built twice: the second build reuses what the first cached.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_harness::{Podman, free_port, http_get, workspace_root};
use e2e_tests::{AppBuild, BuildReport, STATIC_RUN_IMAGE, Stack, e2e_dir};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

// Dependencies of the library that these tests do not name (for `unused_crate_dependencies`).
use packager as _;

fn ids(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| entry["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_contains(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

/// The run image the restorer recorded: a digest reference into the layout repository (what the
/// exporter builds on), and as the image the name a `run.Dockerfile` switched to, or the layout
/// path the analyzer resolved the builder's default run image to.
fn assert_run_image(report: &BuildReport, image: &str) {
    let run_image = report.analyzed["run-image"].as_table().unwrap();
    let (name, tag) = image.rsplit_once(':').unwrap();
    let layout_path = format!("/layout-repo/{name}/{tag}");
    assert!(
        [image, layout_path.as_str()].contains(&run_image["image"].as_str().unwrap()),
        "{run_image:?}"
    );
    let reference = run_image["reference"].as_str().unwrap();
    assert!(
        reference.starts_with(&format!("{layout_path}@sha256:")),
        "{reference}"
    );
}

/// The app image's layers start with the run image's: it was built on that run image.
fn assert_built_on(app_image: &str, run_image: &str) {
    let podman = Podman::locate();
    let layers = |image: &str| -> Vec<String> {
        podman
            .run_ok(&[
                "image",
                "inspect",
                "--format",
                "{{json .RootFS.Layers}}",
                image,
            ])
            .trim_matches(['[', ']'])
            .split(',')
            .map(str::to_string)
            .collect()
    };
    let (app, run) = (layers(app_image), layers(run_image));
    assert!(
        app.len() > run.len() && app[..run.len()] == run[..],
        "{app_image} is not built on {run_image}: {app:?} vs {run:?}"
    );
}

/// The second build applied the build.Dockerfile from podman's layer cache: microdnf did not run.
fn assert_install_layer_reused(report: &BuildReport, extension: &str) {
    let output = report.output(&format!("extend {extension}"));
    assert_contains(output, &["--> Using cache"]);
    assert!(
        !output.contains("Installed:"),
        "microdnf ran again:\n{output}"
    );
}

/// GET <path> of the running app: the body, and the container's logs.
fn serve_with_logs(app: &AppBuild, path: &str) -> (String, String) {
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
fn serve(app: &AppBuild, path: &str) -> String {
    serve_with_logs(app, path).0
}

fn log_figures(app: &str, first: &BuildReport, second: &BuildReport) {
    eprintln!("{app}, first build: {}", first.timings());
    eprintln!("{app}, second build: {}", second.timings());
    record(
        &format!("e2e {app} first build seconds"),
        first.total.as_secs_f64(),
    );
    record(
        &format!("e2e {app} second build seconds"),
        second.total.as_secs_f64(),
    );
}

/// Appends `name<TAB>value` to `<target>/e2e/figures.tsv` (read by tests/bench.sh).
fn record(name: &str, value: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(e2e_dir().join("figures.tsv"))
        .unwrap();
    writeln!(file, "{name}\t{value}").unwrap();
}

#[test]
fn node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image() {
    let stack = Stack::get();
    let node_run_image = stack.value("NODE_RUN_IMAGE");
    let mut app = AppBuild::new(
        "node",
        &workspace_root().join("tests/fixtures/apps/node-npm-engines"),
    );
    let first = app.build();

    assert_eq!(
        ids(&first.group, "group-extensions"),
        ["paketo-community/ubi-nodejs-extension"]
    );
    assert_eq!(
        ids(&first.group, "group"),
        ["paketo-community/ubi-nodejs-buildpack"]
    );
    assert_run_image(&first, node_run_image);
    assert_eq!(
        first.dockerfiles["paketo-community_ubi-nodejs-extension/run.Dockerfile"],
        format!("FROM {node_run_image}\n")
    );
    let major = stack.value("NODE_MAJOR");
    assert_contains(
        first.output("extend paketo-community/ubi-nodejs-extension"),
        &[
            &format!("microdnf -y module enable nodejs:{major}"),
            "Enabling module streams:",
            "Installed:",
            &format!(
                "nodejs-1:{}-1.module+e2e.x86_64",
                stack.value("NODE_VERSION")
            ),
        ],
    );
    let node_version = stack.value("NODE_VERSION");
    assert_contains(
        first.output("builder"),
        &[
            &format!(
                "The ubi-nodejs-extension installed Node.js {major} (io.buildpacks.stacks.ubi8)"
            ),
            &format!("node v{node_version} at /usr/bin/node"),
            &format!("nodejs {node_version} (pkg:rpm/"),
            "web: npm start (package.json has scripts.start)",
        ],
    );
    assert_built_on(&app.image, node_run_image);
    assert_eq!(
        serve(&app, "/"),
        format!("hello world from Node.js v{node_version}\n")
    );

    let second = app.build();
    assert_install_layer_reused(&second, "paketo-community/ubi-nodejs-extension");
    assert_contains(
        second.output("exporter"),
        &["Reusing layer 'paketo-community/ubi-nodejs-buildpack:node-env'"],
    );
    assert_eq!(
        serve(&app, "/"),
        format!("hello world from Node.js v{node_version}\n")
    );
    log_figures("node", &first, &second);
}

/// `mvn package` of the fixture, the jar exploded into the app dir (as `pack build --path
/// app.jar` hands a jar to the build).
fn maven_jar_app(dir: &Path) {
    let project = dir.join("project");
    let run = |command: &mut Command| {
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{command:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(Command::new("cp")
        .arg("-r")
        .arg(workspace_root().join("tests/fixtures/apps/java-maven-http"))
        .arg(&project));
    run(Command::new("mvn")
        .args(["--batch-mode", "--quiet", "package"])
        .current_dir(&project));
    let app = dir.join("app");
    std::fs::create_dir(&app).unwrap();
    run(Command::new("jar")
        .arg("xf")
        .arg(project.join("target/java-maven-http-1.0.0.jar"))
        .current_dir(&app));
}

#[test]
fn java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image() {
    let stack = Stack::get();
    let java_run_image = stack.value("JAVA_RUN_IMAGE");
    let (major, version) = (stack.value("JAVA_MAJOR"), stack.value("JAVA_VERSION"));
    let sources = tempfile::tempdir_in(e2e_dir()).unwrap();
    maven_jar_app(sources.path());
    let mut app = AppBuild::new("java", &sources.path().join("app"));
    let first = app.build();

    assert_eq!(
        ids(&first.group, "group-extensions"),
        ["paketo-community/ubi-java-extension"]
    );
    assert_eq!(
        ids(&first.group, "group"),
        ["paketo-community/ubi-java-buildpack"]
    );
    assert_run_image(&first, java_run_image);
    assert_contains(
        first.output("extend paketo-community/ubi-java-extension"),
        &[
            &format!("java-{major}-openjdk-devel"),
            "Installed:",
            &format!("java-{major}-openjdk-headless-1:{version}-1.e2e.x86_64"),
        ],
    );
    let home = format!("/usr/lib/jvm/java-{major}-openjdk");
    assert_contains(
        first.output("builder"),
        &[
            &format!("The ubi-java-extension installed Java {major} at {home}"),
            &format!("Found javac at /usr/bin/javac -> {home}/bin/javac"),
            &format!(
                "SBOM: 2 RPM packages (java-{major}-openjdk-devel, java-{major}-openjdk-headless)"
            ),
            &format!("Writing env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-{major}"),
            "web (default): java example.App",
        ],
    );
    assert_built_on(&app.image, java_run_image);
    let (body, logs) = serve_with_logs(&app, "/");
    assert!(
        body.starts_with(&format!("Hello from Java {version}")),
        "{body}"
    );
    // The memory calculator (exec.d) ran at launch on the run image's JRE.
    assert_contains(
        &logs,
        &[
            "Calculated JVM Memory Configuration: ",
            "Loaded Class Count: ",
        ],
    );

    let second = app.build();
    assert_install_layer_reused(&second, "paketo-community/ubi-java-extension");
    assert!(
        serve(&app, "/").starts_with(&format!("Hello from Java {version}")),
        "the rebuilt app answers"
    );
    log_figures("java", &first, &second);
}

#[test]
fn go_app_builds_static_and_runs_on_the_static_run_image() {
    Stack::get();
    let mut app =
        AppBuild::new("go", &workspace_root().join("tests/fixtures/apps/go-http")).with_network();
    let first = app.build();

    assert_eq!(ids(&first.group, "group-extensions"), Vec::<String>::new());
    assert_eq!(ids(&first.group, "group"), ["paketo-community/go-app"]);
    assert!(first.dockerfiles.is_empty(), "{:?}", first.dockerfiles);
    assert_run_image(&first, STATIC_RUN_IMAGE);
    assert_contains(
        first.output("builder"),
        &[
            "  Go caches: starting empty (first build)\n",
            "go-http: static (no program interpreter, no shared library)",
        ],
    );
    assert_built_on(&app.image, STATIC_RUN_IMAGE);
    assert!(serve(&app, "/").starts_with("Hello from go-http, built with go"));
    assert_eq!(serve(&app, "/tz"), "Europe/Berlin\n");
    // The run image has no shell: only the app's static binary and the launcher run.
    let shell = Podman::locate().output(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        &app.image,
        "-c",
        "true",
    ]);
    assert!(!shell.status.success(), "the static app image has a shell");

    let second = app.build();
    assert_contains(
        second.output("restorer"),
        &["Restoring data for \"paketo-community/go-app:"],
    );
    assert_contains(
        second.output("builder"),
        &["  Go caches: reusing the module and build caches (from the previous build)\n"],
    );
    log_figures("go", &first, &second);
    record_go_image_sizes(&app);
}

/// The app image's size on the static run image, the run image's and the binary's (bytes,
/// uncompressed, as podman stores them), for the benchmark table.
fn record_go_image_sizes(app: &AppBuild) {
    let podman = Podman::locate();
    let size = |image: &str| podman.run_ok(&["image", "inspect", "--format", "{{.Size}}", image]);
    let container = podman.run_ok(&["create", &app.image]);
    let binary = tempfile::tempdir_in(e2e_dir()).unwrap();
    let _ = podman.run_ok(&[
        "cp",
        &format!("{container}:/layers/paketo-community_go-app/targets/bin/go-http"),
        &binary.path().display().to_string(),
    ]);
    let _ = podman.run_ok(&["rm", &container]);
    let binary_bytes = std::fs::metadata(binary.path().join("go-http"))
        .unwrap()
        .len();
    record("go-app image bytes", size(&app.image));
    record("static run image bytes", size(STATIC_RUN_IMAGE));
    record("go-app binary bytes", binary_bytes);
}

/// A version the stack does not have, or one carrying shell syntax, stops the build in the
/// extension's `generate` (the detector's exit code 91), with the reason in the log and no
/// Dockerfile applied.
#[test]
fn node_versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate() {
    Stack::get();
    let app = workspace_root().join("tests/fixtures/apps/node-npm-engines");
    let mut missing = AppBuild::new("node-15", &app).platform_env("BP_NODE_VERSION", "15");
    let (code, output) = missing.detect_failure();
    assert_eq!(code, 91, "{output}");
    assert_contains(&output, &["BP_NODE_VERSION", "\"15\"", "20"]);

    let mut injection =
        AppBuild::new("node-injection", &app).platform_env("BP_NODE_VERSION", "20; id");
    let (code, output) = injection.detect_failure();
    assert_eq!(code, 91, "{output}");
    assert_contains(&output, &["BP_NODE_VERSION", "20; id"]);
}
