//! The apps: Node.js, Java and Go built twice (the second from the cache) and run, and the
//! versions and run image users ask for, or that stop the build in generate.

use crate::support::{
    assert_built_on, assert_install_step_cached, log_figures, record, serve, serve_with_logs,
};
use cnb_harness::command::run_ok;
use cnb_harness::{Outcome, Podman, Process, assert_contains, fixture_app};
use e2e_tests::{
    AppBuild, Builders, Endpoints, Published, STATIC_RUN_IMAGE, Stack, e2e_dir, registry_has,
    registry_inspect,
};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image() {
    let stack = Stack::get();
    let published = Published::get();
    let app = AppBuild::new(
        "node",
        &fixture_app("node-npm-engines"),
        &Builders::get().pack,
    );
    let first = app.build();
    let (major, version) = (stack.value("NODE_MAJOR"), stack.value("NODE_VERSION"));
    first.assert_output_contains(&[
        "paketo-community/ubi-nodejs-extension",
        &format!("microdnf -y module enable nodejs:{major}"),
        "Installed:",
        &format!("nodejs-1:{version}-1.module+e2e.x86_64"),
        &format!("The ubi-nodejs-extension installed Node.js {major} (io.buildpacks.stacks.ubi8)"),
        &format!("node v{version} at /usr/bin/node"),
        "web: npm start (package.json has scripts.start)",
    ]);
    assert_built_on(&app.image, &published.node_run_image);
    let hello = format!("hello world from Node.js v{version}\n");
    assert_eq!(serve(&app, "/"), hello);

    let second = app.build();
    assert_install_step_cached(&second);
    second.assert_output_contains(&[
        "Reusing layer 'paketo-community/ubi-nodejs-buildpack:node-env'",
    ]);
    assert_eq!(serve(&app, "/"), hello);
    log_figures("node", &first, &second);
}

/// `mvn package` of the fixture in `dir`: the executable jar (`pack build --path app.jar`).
pub(crate) fn maven_jar(dir: &Path) -> PathBuf {
    let project = dir.join("project");
    let _ = run_ok(
        Command::new("cp")
            .arg("-r")
            .arg(fixture_app("java-maven-http"))
            .arg(&project),
    );
    let _ = run_ok(
        Command::new("mvn")
            .args(["--batch-mode", "--quiet", "package"])
            .current_dir(&project),
    );
    project.join("target/java-maven-http-1.0.0.jar")
}

pub(crate) fn java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image() {
    let stack = Stack::get();
    let published = Published::get();
    let (major, version) = (stack.value("JAVA_MAJOR"), stack.value("JAVA_VERSION"));
    let sources = tempfile::tempdir_in(e2e_dir()).unwrap();
    let jar = maven_jar(sources.path());
    let app = AppBuild::new("java", &jar, &Builders::get().packager);
    let first = app.build();
    let home = format!("/usr/lib/jvm/java-{major}-openjdk");
    first.assert_output_contains(&[
        "paketo-community/ubi-java-extension",
        &format!("java-{major}-openjdk-devel"),
        "Installed:",
        &format!("java-{major}-openjdk-headless-1:{version}-1.e2e.x86_64"),
        &format!("The ubi-java-extension installed Java {major} at {home}"),
        &format!("Found javac at /usr/bin/javac -> {home}/bin/javac"),
        &format!("Writing env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-{major}"),
        "web (default): java example.App",
    ]);
    assert_built_on(&app.image, &published.java_run_image);
    let (body, logs) = serve_with_logs(&app, "/");
    assert!(
        body.starts_with(&format!("Hello from Java {version}")),
        "{body}"
    );
    // The memory calculator (exec.d) ran at launch on the run image's JRE.
    for expected in [
        "Calculated JVM Memory Configuration: ",
        "Loaded Class Count: ",
    ] {
        assert_contains!(logs, expected, "the app container's logs");
    }

    let second = app.build();
    assert_install_step_cached(&second);
    assert!(
        serve(&app, "/").starts_with(&format!("Hello from Java {version}")),
        "the rebuilt app answers"
    );
    log_figures("java", &first, &second);
}

pub(crate) fn go_app_builds_static_and_runs_on_the_static_run_image() {
    let published = Published::get();
    let app = AppBuild::new("go", &fixture_app("go-http"), &Builders::get().pack);
    let first = app.build();
    first
        .assert_output_contains(&[
            "  Go caches: starting empty (first build)\n",
            "go-http: static (no program interpreter, no shared library)",
        ])
        // No extension applies to a Go app.
        .assert_output_lacks(&["extender"]);
    assert_built_on(&app.image, &published.static_run_image);
    assert!(serve(&app, "/").starts_with("Hello from go-http, built with go"));
    assert_eq!(serve(&app, "/tz"), "Europe/Berlin\n");
    // The run image has no shell: only the app's static binary and the launcher run (podman
    // exits 127 when the command is not found).
    let shell = Process::from(Podman::locate().output(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        &app.image,
        "-c",
        "true",
    ]));
    shell.assert_failure_with(127, "/bin/sh");

    let second = app.build();
    second.assert_output_contains(&[
        "Restoring data for \"paketo-community/go-app:",
        "  Go caches: reusing the module and build caches (from the previous build)\n",
    ]);
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
pub(crate) fn versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate() {
    let stack = Stack::get();
    let builders = Builders::get();
    let (node_major, java_major) = (stack.value("NODE_MAJOR"), stack.value("JAVA_MAJOR"));
    let cases = [
        (
            "node-15",
            fixture_app("node-npm-engines"),
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
            fixture_app("node-npm-engines"),
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
            fixture_app("java-maven-http"),
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
        // pack exits 1 when the lifecycle fails; the detector exited 91 (failed detection).
        let build = app.try_build();
        build
            .assert_failure_with(1, "failed with status code: 91")
            .assert_output_contains(&[&expected[0], &expected[1]])
            // The build stopped in detection.
            .assert_output_lacks(&["[builder]", "[exporter]"]);
        let output = build.text();
        let said: Vec<&str> = output
            .lines()
            .filter(|line| line.contains(variable) || line.starts_with("ERROR"))
            .collect();
        eprintln!("{name}: pack build says:\n{}", said.join("\n"));
        assert!(!registry_has(&app.image), "{} was pushed", app.image);
    }
}

/// The versions and run image an app asks for: Node.js from `.nvmrc` and from
/// `BP_NODE_VERSION`, Java from `BP_JVM_VERSION`, and `BP_UBI_RUN_IMAGE_OVERRIDE` (a copy of
/// the Node.js run image under another name: the app image is built on that name).
pub(crate) fn versions_and_run_image_the_app_asks_for_are_used() {
    let stack = Stack::get();
    let published = Published::get();
    let builders = Builders::get();
    let (node_major, node_version) = (stack.value("NODE_MAJOR"), stack.value("NODE_VERSION"));
    let hello = format!("hello world from Node.js v{node_version}\n");

    let nvmrc = AppBuild::new("node-nvmrc", &fixture_app("node-nvmrc"), &builders.packager);
    nvmrc
        .build()
        .assert_output_contains(&[".nvmrc", &format!("installed Node.js {node_major}")]);
    assert_eq!(serve(&nvmrc, "/"), hello);

    let node_env = AppBuild::new("node-env", &fixture_app("node-npm-engines"), &builders.pack)
        .env("BP_NODE_VERSION", node_major);
    node_env.build().assert_output_contains(&[
        "BP_NODE_VERSION",
        &format!("installed Node.js {node_major}"),
    ]);
    assert_eq!(serve(&node_env, "/"), hello);

    let java_major = stack.value("JAVA_MAJOR");
    let sources = tempfile::tempdir_in(e2e_dir()).unwrap();
    let java_env = AppBuild::new("java-env", &maven_jar(sources.path()), &builders.pack)
        .env("BP_JVM_VERSION", java_major);
    java_env.build().assert_output_contains(&[
        "BP_JVM_VERSION",
        &format!("The ubi-java-extension installed Java {java_major}"),
    ]);
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
        &fixture_app("node-npm-engines"),
        &builders.packager,
    )
    .env("BP_UBI_RUN_IMAGE_OVERRIDE", &override_image);
    overridden
        .build()
        .assert_output_contains(&["BP_UBI_RUN_IMAGE_OVERRIDE", &override_image]);
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
