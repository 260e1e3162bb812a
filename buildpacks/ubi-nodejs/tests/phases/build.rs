//! Build: the node it checks and configures, the processes, the SBOM and the exec.d program.

use crate::support::{
    NOT_INSTALLED, buildpack, machine_node_version, mode, toml_text, version, web_process,
};
use cnb_harness::exec_d::run_exec_d;
use cnb_harness::files::dir_with_files;
use cnb_harness::{ModuleRun, Outcome, assert_contains, fixture_app};
use std::path::Path;

/// Issue 13 (16): with the extension absent, the node on PATH was used whatever the plan asked
/// for (a warning only). Now the build fails naming the request, its source and the node found.
#[test]
fn build_fails_when_the_node_found_does_not_serve_the_request() {
    let plan = |version: &str, source: &str| {
        format!(
            "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = \"{version}\"\n\
             version-source = \"{source}\"\n"
        )
    };
    let node_version = machine_node_version();
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .buildpack_plan(&plan("^99", "BP_NODE_VERSION"))
        .build();
    outcome.assert_exit(1);
    assert!(outcome.launch.is_none());
    let stderr = &outcome.process.stderr;
    assert!(
        stderr.starts_with(
            "ERROR: The Node.js on PATH is not the requested version\n  The app asks for \
             Node.js \"^99\" (BP_NODE_VERSION), but "
        ),
        "{stderr}"
    );
    assert_contains!(stderr, format!(" is v{node_version}. "));
    assert_contains!(stderr, "order-extensions");

    // An nvm alias the node found serves, and one no node serves.
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .buildpack_plan(&plan("node", ".nvmrc"))
        .build();
    outcome.assert_success();
    assert_contains!(
        outcome.process.stdout,
        format!(
            "    v{node_version} serves the nvm alias node, for the newest major offered (.nvmrc)\n"
        )
    );
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .buildpack_plan(&plan("lts/nope", ".nvmrc"))
        .build();
    outcome.assert_exit(1);
    assert!(
        outcome
            .process
            .stderr
            .starts_with("ERROR: Invalid Node.js version request\n"),
        "{}",
        outcome.process.stderr
    );
}

#[test]
fn build_configures_node_and_launches_npm_start() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines")).build();
    outcome.assert_success();
    let stdout = &outcome.process.stdout;
    let node_version = machine_node_version();
    assert!(
        stdout.starts_with(&format!(
            "UBI Node.js Buildpack {}\n  Resolving Node.js\n    node is no longer requested \
             by the build plan: an image extension provided it\n",
            version()
        )),
        "{stdout}"
    );
    assert_contains!(stdout, format!("    node v{node_version} at "));
    assert_contains!(
        stdout,
        "  Configuring the Node.js environment (layer node-env, build and launch)\n    \
             NODE_ENV -> \"production\" (default)\n    NODE_HOME -> \"/usr\" (default)\n    \
             NODE_OPTIONS -> \"--use-openssl-ca\" (default)\n    NODE_VERBOSE -> \"false\" (default)\n"
    );
    assert!(
        stdout.ends_with(
            "  Assigning the default process\n    web: npm start (package.json has scripts.start)\n"
        ),
        "{stdout}"
    );
    assert_eq!(outcome.process.stderr, "");

    // One layer, for build and launch, not cached, with env defaults and no exec.d.
    assert_eq!(outcome.layers, ["node-env"]);
    let layer = outcome.layers_dir.join("node-env");
    let layer_toml =
        toml_text(&std::fs::read_to_string(outcome.layers_dir.join("node-env.toml")).unwrap());
    assert_eq!(
        layer_toml,
        toml_text(&format!(
            "[types]\nbuild = true\nlaunch = true\ncache = false\n\n[metadata]\n\
             node_version = \"{node_version}\"\nnode_home = \"/usr\"\noptimize_memory = false\n"
        ))
    );
    for (name, value) in [
        ("NODE_ENV", "production"),
        ("NODE_VERBOSE", "false"),
        ("NODE_OPTIONS", "--use-openssl-ca"),
        ("NODE_HOME", "/usr"),
    ] {
        assert_eq!(
            std::fs::read_to_string(layer.join("env").join(format!("{name}.default"))).unwrap(),
            value
        );
    }
    assert!(!layer.join("exec.d").exists());

    assert_eq!(
        web_process(&outcome),
        toml_text("type = \"web\"\ncommand = [\"npm\"]\nargs = [\"start\"]\ndefault = true\n")
    );
}

#[test]
fn build_writes_the_sbom_of_the_runtime() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines")).build();
    outcome.assert_success();
    let sbom: serde_json::Value = serde_json::from_slice(
        &std::fs::read(outcome.layers_dir.join("launch.sbom.cdx.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(sbom["specVersion"], "1.5");
    assert_eq!(
        sbom["metadata"]["tools"]["components"][0]["name"],
        "paketo-community/ubi-nodejs-buildpack"
    );
    let node_version = machine_node_version();
    let nodejs = &sbom["components"][0];
    assert_eq!(nodejs["name"], "nodejs");
    assert_eq!(nodejs["type"], "application");
    assert_eq!(nodejs["version"], node_version.as_str());
    let purl = nodejs["purl"].as_str().unwrap();
    if which::which("rpm").is_err() {
        assert_eq!(purl, format!("pkg:generic/node@{node_version}"));
        assert_contains!(
            outcome.process.stdout,
            "    rpm is not installed: versions from node and npm\n"
        );
    } else {
        assert!(purl.starts_with("pkg:"), "{purl}");
    }
    assert_eq!(sbom["components"][1]["name"], "npm");
    assert_contains!(
        outcome.process.stdout,
        format!("    nodejs {node_version} ({purl})\n")
    );
}

#[test]
fn build_launches_main_from_package_json() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-nvmrc")).build();
    outcome.assert_success();
    assert_eq!(
        web_process(&outcome),
        toml_text("type = \"web\"\ncommand = [\"node\"]\nargs = [\"server.js\"]\ndefault = true\n")
    );
    assert_contains!(
        outcome.process.stdout,
        "    web: node server.js (package.json main)\n"
    );
}

#[test]
fn build_falls_back_to_server_js() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-node-version")).build();
    outcome.assert_success();
    assert_eq!(
        web_process(&outcome),
        toml_text("type = \"web\"\ncommand = [\"node\"]\nargs = [\"server.js\"]\ndefault = true\n")
    );
}

#[test]
fn build_in_the_project_path_sets_the_working_directory() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-project-path"))
        .platform_env("BP_NODE_PROJECT_PATH", "api")
        .build();
    outcome.assert_success();
    let api = fixture_app("node-project-path").join("api");
    assert_eq!(
        web_process(&outcome),
        toml_text(&format!(
            "type = \"web\"\ncommand = [\"node\"]\nargs = [\"index.js\"]\ndefault = true\n\
             working-dir = {}\n",
            toml::Value::from(api.to_str().unwrap())
        ))
    );
}

#[test]
fn build_without_a_process_logs_it() {
    let app = dir_with_files(&[("package.json", "{\"name\": \"library\"}")]);
    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    outcome.assert_success();
    assert!(outcome.launch.is_none());
    assert_contains!(
        outcome.process.stdout,
        "  Assigning the default process\n    None: package.json has no scripts.start or usable main"
    );
    assert!(outcome.layers_dir.join("launch.sbom.cdx.json").is_file());
}

#[test]
fn build_fails_clearly_without_node() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .lifecycle_env("PATH", "/nonexistent")
        .build();
    outcome.assert_exit(1);
    assert!(outcome.launch.is_none());
    let stderr = &outcome.process.stderr;
    assert!(stderr.starts_with(NOT_INSTALLED), "{stderr}");
    assert_contains!(stderr, "  `node` is not on PATH (\"/nonexistent\").");
    assert_contains!(
        stderr,
        "the image extension paketo-community/ubi-nodejs-extension installs from the \
             distribution's RPMs"
    );
    assert_contains!(stderr, "order-extensions");
    assert!(!stderr.contains("the extension did not run"), "{stderr}");
}

#[test]
fn build_says_the_extension_did_not_run_when_the_plan_still_requests_node() {
    let plan = "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = \">=20 <21\"\n\
                version-source = \"package.json\"\nbuild = true\nlaunch = true\n";
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .buildpack_plan(plan)
        .lifecycle_env("PATH", "/nonexistent")
        .build();
    outcome.assert_exit(1);
    assert!(outcome.process.stderr.starts_with(NOT_INSTALLED));
    assert_contains!(
        outcome.process.stderr,
        "The build plan still requests node, so no image extension installed it"
    );

    // With a node on PATH, the build goes on and warns.
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .buildpack_plan(plan)
        .build();
    outcome.assert_success();
    assert_contains!(
        outcome.process.stdout,
        "    WARNING: the build plan still requests node (1 entry): the \
             ubi-nodejs-extension did not run; using the node on PATH if it serves the request\n"
    );
}

#[test]
fn build_rejects_an_invalid_optimize_memory_value() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
        .platform_env("BP_NODE_OPTIMIZE_MEMORY", "yes")
        .build();
    outcome.assert_exit(1);
    assert!(
        outcome.process.stderr.starts_with(
            "ERROR: Invalid BP_NODE_OPTIMIZE_MEMORY\n  BP_NODE_OPTIMIZE_MEMORY=\"yes\""
        ),
        "{}",
        outcome.process.stderr
    );
}

// --- exec.d -----------------------------------------------------------------------------------

#[test]
fn optimize_memory_installs_the_exec_d_program() {
    let module = buildpack();
    let packaged = module.dir.join("bin/optimize-memory");
    elf_check::check_static(&packaged).unwrap();

    let outcome = ModuleRun::new(&module, fixture_app("node-npm-engines"))
        .platform_env("BP_NODE_OPTIMIZE_MEMORY", "true")
        .build();
    outcome.assert_success();
    let program = outcome.layers_dir.join("node-env/exec.d/optimize-memory");
    assert_eq!(mode(&program), 0o755);
    assert_eq!(
        std::fs::read(&program).unwrap(),
        std::fs::read(&packaged).unwrap()
    );
    assert_contains!(
        outcome.process.stdout,
        "  Writing exec.d/optimize-memory\n    BP_NODE_OPTIMIZE_MEMORY=true: at launch"
    );
    let layer_toml = std::fs::read_to_string(outcome.layers_dir.join("node-env.toml")).unwrap();
    assert_contains!(layer_toml, "optimize_memory = true");

    // Run as the launcher runs it: the TOML goes to file descriptor 3.
    let cgroup = tempfile::tempdir().unwrap();
    std::fs::write(cgroup.path().join("memory.max"), "134217728\n").unwrap();
    let cgroup_root = [cgroup.path().as_os_str()];
    let (process, output) = run_exec_d(
        &program,
        &cgroup_root,
        [("NODE_OPTIONS", "--use-openssl-ca")],
    );
    process.assert_success();
    assert_eq!(
        output,
        "NODE_OPTIONS = \"--use-openssl-ca --max_old_space_size=96\"\n"
    );

    // No limit: nothing written.
    std::fs::write(cgroup.path().join("memory.max"), "max\n").unwrap();
    let (process, output) = run_exec_d(&program, &cgroup_root, std::iter::empty::<(&str, &str)>());
    process.assert_success();
    assert_eq!(output, "");
}

#[test]
fn packaged_binaries_are_static_and_detect_links_to_build() {
    let module = buildpack();
    for name in ["build", "optimize-memory"] {
        let binary = module.dir.join("bin").join(name);
        elf_check::check_static(&binary).unwrap();
        eprintln!(
            "bin/{name}: {} bytes",
            std::fs::metadata(&binary).unwrap().len()
        );
    }
    assert_eq!(
        std::fs::read_link(module.dir.join("bin/detect")).unwrap(),
        Path::new("build")
    );
}
