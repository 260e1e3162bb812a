//! End-to-end builds with `pack build --publish`, as users run it (see the crate documentation):
//! a Node.js app and a Java executable jar get their runtime from microdnf (dnf) through our
//! extensions, applied by the lifecycle's extender, and run on the runtime's run image; a Go
//! app builds static and runs on the static run image. Each app is built twice: the second
//! build reuses what the first cached. The builder is made twice, by `pack builder create` and
//! by `packager builder create`, and both are used.
//!
//! The suite has its own main (libtest-mimic): the registry and podman's API service start
//! when a test first needs them (listing the tests, or a filter that matches none, starts
//! nothing) and stop after the tests, also when one fails.

// Helpers outside the tests are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_harness::command::run_ok;
use cnb_harness::{Podman, free_port, http_get, workspace_root};
use e2e_tests::{
    AppBuild, BuildReport, Builders, Endpoints, LIFECYCLE_VERSION, Published, STATIC_RUN_IMAGE,
    ServicesGuard, Stack, build_and_push, e2e_dir, pack, registry_has, registry_inspect,
};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn main() {
    let arguments = Arguments::from_args();
    // Starts nothing; stops, after the tests, the services a test started.
    let services = ServicesGuard::new();
    let trial = |name: &str, test: fn()| {
        Trial::test(name, move || {
            test();
            Ok::<(), Failed>(())
        })
    };
    let trials = vec![
        trial(
            "builders_made_by_pack_and_by_packager_inspect_the_same",
            builders_made_by_pack_and_by_packager_inspect_the_same,
        ),
        trial(
            "node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image",
            node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image,
        ),
        trial(
            "java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image",
            java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image,
        ),
        trial(
            "go_app_builds_static_and_runs_on_the_static_run_image",
            go_app_builds_static_and_runs_on_the_static_run_image,
        ),
        trial(
            "versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate",
            versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate,
        ),
        trial(
            "versions_and_run_image_the_app_asks_for_are_used",
            versions_and_run_image_the_app_asks_for_are_used,
        ),
        trial(
            "every_builder_definition_is_made_by_pack_and_by_the_packager",
            every_builder_definition_is_made_by_pack_and_by_the_packager,
        ),
    ];
    let conclusion = libtest_mimic::run(&arguments, trials);
    drop(services);
    conclusion.exit();
}

fn assert_contains(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

/// `pack builder inspect <builder> --output json`: what pack reads from the builder in the
/// registry (`remote_info`).
fn inspect_builder(builder: &str) -> serde_json::Value {
    let text = pack(&["builder", "inspect", builder, "--output", "json"]);
    let start = text.find('{').unwrap();
    let inspected: serde_json::Value = serde_json::from_str(&text[start..])
        .unwrap_or_else(|error| panic!("pack builder inspect: {error}:\n{text}"));
    inspected["remote_info"].clone()
}

/// The two builders of one definition show pack the same order, extensions, run images,
/// lifecycle and stack; anything else that differs is printed.
fn builders_made_by_pack_and_by_packager_inspect_the_same() {
    let builders = Builders::get();
    let (by_pack, by_packager) = (
        inspect_builder(&builders.pack),
        inspect_builder(&builders.packager),
    );
    let mut differences = Vec::new();
    for key in by_pack.as_object().unwrap().keys() {
        if by_pack[key] != by_packager[key] {
            differences.push(format!(
                "{key}:\n  pack:     {}\n  packager: {}",
                by_pack[key], by_packager[key]
            ));
        }
    }
    eprintln!(
        "pack builder inspect, pack's builder vs the packager's: {}",
        if differences.is_empty() {
            "no difference".to_string()
        } else {
            differences.join("\n")
        }
    );
    for key in [
        "detection_order",
        "order_extensions",
        "run_images",
        "lifecycle",
        "stack",
    ] {
        assert!(
            !by_pack[key].is_null(),
            "pack's builder has no {key}: {by_pack}"
        );
        assert_eq!(by_pack[key], by_packager[key], "{key} differs");
    }
    // The packager's builder metadata also carries each module's description, keywords and
    // licenses (pack's has id, name and version): the modules themselves are the same.
    for key in ["buildpacks", "extensions"] {
        let modules = |inspected: &serde_json::Value| -> Vec<(String, String, String)> {
            inspected[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|module| {
                    let field = |name: &str| module[name].as_str().unwrap().to_string();
                    (field("id"), field("name"), field("version"))
                })
                .collect()
        };
        assert_eq!(modules(&by_pack), modules(&by_packager), "{key} differ");
        assert!(!modules(&by_pack).is_empty(), "no {key}");
    }
    assert_eq!(
        builder_target(&builders.pack),
        builder_target(&builders.packager),
        "targets differ"
    );
    let published = Published::get();
    assert_eq!(
        by_pack["run_images"][0]["name"].as_str(),
        Some(published.static_run_image.as_str())
    );
    assert_eq!(
        by_pack["lifecycle"]["version"].as_str(),
        Some(e2e_tests::LIFECYCLE_VERSION)
    );
    for (name, figures) in [
        ("pack builder create", &builders.pack_figures),
        ("packager builder create", &builders.packager_figures),
    ] {
        eprintln!(
            "{name} --publish: {:.1} s, {} layers, {:.1} MiB compressed",
            figures.seconds,
            figures.layers,
            mib(figures.bytes)
        );
        record(
            &format!("{name} seconds"),
            format!("{:.1}", figures.seconds),
        );
        record(&format!("{name} layers"), figures.layers);
        record(&format!("{name} bytes"), figures.bytes);
    }
}

/// What pack reads a builder's target from: the image's platform, and its distro and stack
/// labels (pack also writes `io.buildpacks.stack.mixins` = `null`, the packager no label: the
/// same).
fn builder_target(builder: &str) -> Vec<String> {
    let config = registry_inspect(builder, true);
    let labels = config["config"]["Labels"].as_object().unwrap();
    let mut target: Vec<String> = labels
        .iter()
        .filter(|(name, value)| {
            (name.starts_with("io.buildpacks.base.") || name.starts_with("io.buildpacks.stack."))
                && !(name.as_str() == "io.buildpacks.stack.mixins"
                    && value.as_str() == Some("null"))
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    target.push(format!("{}/{}", config["os"], config["architecture"]));
    target
}

#[allow(clippy::cast_precision_loss)]
fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The app image's layers start with the run image's: it was built on that run image.
fn assert_built_on(app_image: &str, run_image: &str) {
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
fn assert_install_step_cached(report: &BuildReport) {
    assert_contains(&report.output, &["Using caching version of cmd: RUN"]);
    assert!(
        !report.output.contains("Installed:"),
        "microdnf ran again:\n{}",
        report.output
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
fn record(name: &str, value: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(e2e_dir().join("figures.tsv"))
        .unwrap();
    writeln!(file, "{name}\t{value}").unwrap();
}

fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/apps").join(name)
}

fn node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image() {
    let stack = Stack::get();
    let published = Published::get();
    let app = AppBuild::new("node", &fixture("node-npm-engines"), &Builders::get().pack);
    let first = app.build();
    let (major, version) = (stack.value("NODE_MAJOR"), stack.value("NODE_VERSION"));
    assert_contains(
        &first.output,
        &[
            "paketo-community/ubi-nodejs-extension",
            &format!("microdnf -y module enable nodejs:{major}"),
            "Installed:",
            &format!("nodejs-1:{version}-1.module+e2e.x86_64"),
            &format!(
                "The ubi-nodejs-extension installed Node.js {major} (io.buildpacks.stacks.ubi8)"
            ),
            &format!("node v{version} at /usr/bin/node"),
            "web: npm start (package.json has scripts.start)",
        ],
    );
    assert_built_on(&app.image, &published.node_run_image);
    let hello = format!("hello world from Node.js v{version}\n");
    assert_eq!(serve(&app, "/"), hello);

    let second = app.build();
    assert_install_step_cached(&second);
    assert_contains(
        &second.output,
        &["Reusing layer 'paketo-community/ubi-nodejs-buildpack:node-env'"],
    );
    assert_eq!(serve(&app, "/"), hello);
    log_figures("node", &first, &second);
}

/// `mvn package` of the fixture in `dir`: the executable jar (`pack build --path app.jar`).
fn maven_jar(dir: &Path) -> PathBuf {
    let project = dir.join("project");
    let _ = run_ok(
        Command::new("cp")
            .arg("-r")
            .arg(fixture("java-maven-http"))
            .arg(&project),
    );
    let _ = run_ok(
        Command::new("mvn")
            .args(["--batch-mode", "--quiet", "package"])
            .current_dir(&project),
    );
    project.join("target/java-maven-http-1.0.0.jar")
}

fn java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image() {
    let stack = Stack::get();
    let published = Published::get();
    let (major, version) = (stack.value("JAVA_MAJOR"), stack.value("JAVA_VERSION"));
    let sources = tempfile::tempdir_in(e2e_dir()).unwrap();
    let jar = maven_jar(sources.path());
    let app = AppBuild::new("java", &jar, &Builders::get().packager);
    let first = app.build();
    let home = format!("/usr/lib/jvm/java-{major}-openjdk");
    assert_contains(
        &first.output,
        &[
            "paketo-community/ubi-java-extension",
            &format!("java-{major}-openjdk-devel"),
            "Installed:",
            &format!("java-{major}-openjdk-headless-1:{version}-1.e2e.x86_64"),
            &format!("The ubi-java-extension installed Java {major} at {home}"),
            &format!("Found javac at /usr/bin/javac -> {home}/bin/javac"),
            &format!("Writing env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-{major}"),
            "web (default): java example.App",
        ],
    );
    assert_built_on(&app.image, &published.java_run_image);
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
    assert_install_step_cached(&second);
    assert!(
        serve(&app, "/").starts_with(&format!("Hello from Java {version}")),
        "the rebuilt app answers"
    );
    log_figures("java", &first, &second);
}

fn go_app_builds_static_and_runs_on_the_static_run_image() {
    let published = Published::get();
    let app = AppBuild::new("go", &fixture("go-http"), &Builders::get().pack);
    let first = app.build();
    assert_contains(
        &first.output,
        &[
            "  Go caches: starting empty (first build)\n",
            "go-http: static (no program interpreter, no shared library)",
        ],
    );
    assert!(
        !first.output.contains("extender"),
        "no extension applies to a Go app:\n{}",
        first.output
    );
    assert_built_on(&app.image, &published.static_run_image);
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
        &second.output,
        &[
            "Restoring data for \"paketo-community/go-app:",
            "  Go caches: reusing the module and build caches (from the previous build)\n",
        ],
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

/// What users meet: a version the stack does not have, or one carrying shell syntax, stops
/// `pack build` in the extension's `generate` with our message; no image is pushed.
fn versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate() {
    let stack = Stack::get();
    let builders = Builders::get();
    let (node_major, java_major) = (stack.value("NODE_MAJOR"), stack.value("JAVA_MAJOR"));
    let cases = [
        (
            "node-15",
            fixture("node-npm-engines"),
            &builders.pack,
            ("BP_NODE_VERSION", "15"),
            // The header line, then the body (indented, each line with pack's prefix).
            [
                "[detector] ERROR: failed to satisfy \"node\" dependency version constraint \"15\": \
                 no compatible versions on \"io.buildpacks.stacks.ubi8\" stack\n"
                    .to_string(),
                format!(
                    "Supported versions are: [{node_major}]. The constraint comes from \
                     BP_NODE_VERSION."
                ),
            ],
        ),
        (
            "node-injection",
            fixture("node-npm-engines"),
            &builders.packager,
            ("BP_NODE_VERSION", "20; id"),
            [
                "[detector] ERROR: Invalid Node.js version request\n".to_string(),
                "the Node.js version \"20; id\" requested by BP_NODE_VERSION is not a version \
                 range (it contains the character ';')"
                    .to_string(),
            ],
        ),
        (
            "java-8",
            fixture("java-maven-http"),
            &builders.pack,
            ("BP_JVM_VERSION", "8"),
            [
                "[detector] ERROR: unable to map requested Java version \"8\" (BP_JVM_VERSION) to \
                 a UBI supported runtime\n"
                    .to_string(),
                format!("io.buildpacks.stacks.ubi8 offers Java {java_major}"),
            ],
        ),
    ];
    for (name, source, builder, (variable, value), expected) in cases {
        let app = AppBuild::new(name, &source, builder).env(variable, value);
        let report = app.try_build();
        assert!(!report.success, "pack build passed:\n{}", report.output);
        assert_contains(
            &report.output,
            &[&expected[0], &expected[1], "failed with status code: 91"],
        );
        let said: Vec<&str> = report
            .output
            .lines()
            .filter(|line| line.contains(variable) || line.starts_with("ERROR"))
            .collect();
        eprintln!("{name}: pack build says:\n{}", said.join("\n"));
        assert!(
            !report.output.contains("[builder]") && !report.output.contains("[exporter]"),
            "the build went past detection:\n{}",
            report.output
        );
        assert!(!registry_has(&app.image), "{} was pushed", app.image);
    }
}

/// A stand-in for an image a definition names but that cannot be pulled here: `local` with
/// the stack id `stack_id` (when the definition has one), pushed to the registry at the path
/// the `docker.io` mirror serves `name` from (`docker.io/<path>` or `index.docker.io/<path>`).
fn push_stand_in_image(local: &str, stack_id: Option<&str>, name: &str) {
    let path = name
        .strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or_else(|| panic!("{name} is not a Docker Hub image: add a stand-in for it"));
    let containerfile = match stack_id {
        Some(id) => {
            format!("FROM {local}\nLABEL io.buildpacks.stack.id={id}\nENV CNB_STACK_ID={id}\n")
        }
        None => format!("FROM {local}\n"),
    };
    build_and_push(
        &containerfile,
        &[],
        &format!("{}/{path}", Endpoints::get().registry),
    );
    e2e_tests::remove_when_done(&format!("docker.io/{path}"));
}

/// A stand-in for a Paketo buildpack image: a buildpackage with the id and version the
/// definition names, whose detect fails (it never takes part in a build here).
fn push_stand_in_buildpack(id: &str, version: &str, image: &str) {
    let dir = tempfile::tempdir_in(e2e_dir()).unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir_all(module.join("bin")).unwrap();
    std::fs::write(
        module.join("buildpack.toml"),
        format!(
            "api = \"0.10\"\n\n[buildpack]\nid = \"{id}\"\nversion = \"{version}\"\n\
             name = \"Stand-in for {id}\"\n\n[[targets]]\nos = \"linux\"\narch = \"amd64\"\n"
        ),
    )
    .unwrap();
    for phase in ["detect", "build"] {
        let path = module.join("bin").join(phase);
        std::fs::write(&path, "#!/bin/sh\nexit 100\n").unwrap();
        let _ = run_ok(Command::new("chmod").arg("755").arg(&path));
    }
    let cnb = dir.path().join("stand-in.cnb");
    cnb_package::buildpackage::write_buildpackage(&module, &cnb).unwrap();
    let local = format!("localhost/e2e/stand-in-buildpack:{version}");
    e2e_tests::skopeo_copy(
        &format!("oci-archive:{}", cnb.display()),
        &format!("containers-storage:{local}"),
    );
    push_stand_in_image(&local, None, image);
    let _ = Podman::locate().output(&["rmi", &local]);
}

/// The ids of each group of `order`, as pack builder inspect's `detection_order` lists them.
fn inspected_order(order: &serde_json::Value) -> Vec<Vec<String>> {
    order
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            entry["buildpacks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|module| module["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// Every definition under builder/builders is accepted by the real `pack builder create`
/// (into podman: multi-platform definitions are made for this machine's platform), with
/// stand-ins for the Docker Hub images it names (build image, run images, Paketo's
/// buildpacks), and pack shows the order it asks for. The packager makes and publishes each
/// too, from the same stand-ins (pulled through `--registry-mirror docker.io=<registry>`), and
/// pack shows its builder with the same order, extensions, run images and stack as its own.
fn every_builder_definition_is_made_by_pack_and_by_the_packager() {
    let stack = Stack::get();
    let registry = &Endpoints::get().registry;
    let work = tempfile::tempdir_in(e2e_dir()).unwrap();
    let definitions = packager::builders::discover_definitions(&workspace_root()).unwrap();
    assert!(definitions.len() >= 5, "{definitions:?}");
    let mut pushed = std::collections::BTreeSet::new();
    for definition in &definitions {
        let rendered = packager::builders::render(
            definition,
            e2e_tests::packages(),
            &work.path().join("builders"),
        )
        .unwrap();
        let table: toml::Table =
            toml::from_str(&std::fs::read_to_string(&rendered).unwrap()).unwrap();
        let stack_id = table.get("stack").and_then(|stack| stack["id"].as_str());
        let build_image = table["build"]["image"].as_str().unwrap();
        if pushed.insert(build_image.to_string()) {
            push_stand_in_image(stack.value("BUILD_IMAGE"), stack_id, build_image);
        }
        for run_image in table["run"]["images"].as_array().unwrap() {
            let image = run_image["image"].as_str().unwrap();
            if pushed.insert(image.to_string()) {
                push_stand_in_image(STATIC_RUN_IMAGE, stack_id, image);
            }
        }
        for buildpack in table
            .get("buildpacks")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(image) = buildpack["uri"].as_str().unwrap().strip_prefix("docker://")
                && pushed.insert(image.to_string())
            {
                push_stand_in_buildpack(
                    buildpack["id"].as_str().unwrap(),
                    buildpack["version"].as_str().unwrap(),
                    image,
                );
            }
        }
        let builder = format!("{registry}/e2e/definition-{}:latest", definition.name);
        let _ = pack(&[
            "builder",
            "create",
            &builder,
            "--config",
            &e2e_tests::pack_config(&rendered).display().to_string(),
            "--pull-policy",
            "always",
        ]);
        let text = pack(&["builder", "inspect", &builder, "--output", "json"]);
        let inspected: serde_json::Value =
            serde_json::from_str(&text[text.find('{').unwrap()..]).unwrap();
        let wanted: Vec<Vec<String>> = table
            .get("order")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .map(|entry| {
                entry["group"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|module| module["id"].as_str().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(
            inspected_order(&inspected["local_info"]["detection_order"]),
            wanted,
            "{}: {inspected}",
            definition.name
        );
        eprintln!(
            "{}: accepted by pack builder create ({} groups)",
            definition.name,
            wanted.len()
        );

        packager_makes_what_pack_made(
            &definition.name,
            &rendered,
            &inspected["local_info"],
            work.path(),
        );
    }
}

/// The packager makes and publishes a rendered definition (`name`) from the registry's
/// stand-ins, pulled through `--registry-mirror docker.io=<registry>`, and pack shows the same
/// order, extensions, run images (the definition's names) and stack as `by_pack`, pack's
/// `builder inspect` of its own builder of that definition.
fn packager_makes_what_pack_made(
    name: &str,
    rendered: &Path,
    by_pack: &serde_json::Value,
    work: &Path,
) {
    let registry = &Endpoints::get().registry;
    let by_packager = format!("{registry}/e2e/definition-{name}-packager:latest");
    let created = e2e_tests::packager_publish(
        with_suite_lifecycle(rendered),
        &by_packager,
        work,
        vec![format!("docker.io={registry}").parse().unwrap()],
    );
    for (reference, pinned) in &created.pulled {
        assert!(
            reference.contains("docker.io/") && pinned.starts_with(&format!("{registry}/")),
            "{name}: {reference} was not pulled through the mirror ({pinned})"
        );
    }
    let packager_inspected = inspect_builder(&by_packager);
    for key in ["detection_order", "order_extensions", "run_images", "stack"] {
        assert_eq!(
            by_pack[key], packager_inspected[key],
            "{name}: {key} differs between pack's builder and the packager's"
        );
    }
    eprintln!(
        "{name}: made and published by the packager ({} images pulled through the mirror, {} modules), inspected as pack's",
        created.pulled.len(),
        created.modules.len()
    );
}

/// The packager's copy of a rendered definition, next to it: the definitions name a lifecycle
/// release that is not built here, the suite's lifecycle (v[`LIFECYCLE_VERSION`]) goes in.
fn with_suite_lifecycle(rendered: &Path) -> PathBuf {
    let mut table: toml::Table =
        toml::from_str(&std::fs::read_to_string(rendered).unwrap()).unwrap();
    table.insert(
        "lifecycle".to_string(),
        toml::Table::from_iter([("version".to_string(), LIFECYCLE_VERSION.into())]).into(),
    );
    let path = rendered.with_file_name("packager-builder.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}

/// The versions and run image an app asks for: Node.js from `.nvmrc` and from
/// `BP_NODE_VERSION`, Java from `BP_JVM_VERSION`, and `BP_UBI_RUN_IMAGE_OVERRIDE` (a copy of
/// the Node.js run image under another name: the app image is built on that name).
fn versions_and_run_image_the_app_asks_for_are_used() {
    let stack = Stack::get();
    let published = Published::get();
    let builders = Builders::get();
    let (node_major, node_version) = (stack.value("NODE_MAJOR"), stack.value("NODE_VERSION"));
    let hello = format!("hello world from Node.js v{node_version}\n");

    let nvmrc = AppBuild::new("node-nvmrc", &fixture("node-nvmrc"), &builders.packager);
    let report = nvmrc.build();
    assert_contains(
        &report.output,
        &[".nvmrc", &format!("installed Node.js {node_major}")],
    );
    assert_eq!(serve(&nvmrc, "/"), hello);

    let node_env = AppBuild::new("node-env", &fixture("node-npm-engines"), &builders.pack)
        .env("BP_NODE_VERSION", node_major);
    let report = node_env.build();
    assert_contains(
        &report.output,
        &[
            "BP_NODE_VERSION",
            &format!("installed Node.js {node_major}"),
        ],
    );
    assert_eq!(serve(&node_env, "/"), hello);

    let java_major = stack.value("JAVA_MAJOR");
    let sources = tempfile::tempdir_in(e2e_dir()).unwrap();
    let java_env = AppBuild::new("java-env", &maven_jar(sources.path()), &builders.pack)
        .env("BP_JVM_VERSION", java_major);
    let report = java_env.build();
    assert_contains(
        &report.output,
        &[
            "BP_JVM_VERSION",
            &format!("The ubi-java-extension installed Java {java_major}"),
        ],
    );
    assert!(
        serve(&java_env, "/")
            .starts_with(&format!("Hello from Java {}", stack.value("JAVA_VERSION")))
    );

    let override_image = Endpoints::get().image("run-nodejs-override:latest");
    e2e_tests::skopeo_copy(
        &format!("docker://{}", published.node_run_image),
        &format!("docker://{override_image}"),
    );
    let overridden = AppBuild::new(
        "node-override",
        &fixture("node-npm-engines"),
        &builders.packager,
    )
    .env("BP_UBI_RUN_IMAGE_OVERRIDE", &override_image);
    let report = overridden.build();
    assert_contains(
        &report.output,
        &["BP_UBI_RUN_IMAGE_OVERRIDE", &override_image],
    );
    let labels = &registry_inspect(&overridden.image, true)["config"]["Labels"];
    let metadata: serde_json::Value =
        serde_json::from_str(labels["io.buildpacks.lifecycle.metadata"].as_str().unwrap()).unwrap();
    let reference = metadata["runImage"]["reference"].as_str().unwrap();
    assert!(
        reference.starts_with(&format!(
            "{}@sha256:",
            override_image.trim_end_matches(":latest")
        )),
        "the app image is not on {override_image}: {metadata}"
    );
    assert_built_on(&overridden.image, &override_image);
    assert_eq!(serve(&overridden, "/"), hello);
}
