//! The packaged buildpack (`bin/detect`, `bin/build`, `bin/memory-calculator`, built statically
//! by the packager) run as the lifecycle runs it, on the fixture apps, with this machine's JDK 17.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod common;

use cnb_harness::{BuildOutcome, ModuleRun, Process, fixture_app, mkfifo, workspace_root};
use common::{buildpack, java_home};
use jvm_version::VersionSource;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

// Dependencies of the buildpack that this test does not name (for `unused_crate_dependencies`).
use cgroup_memory as _;
use cnb_output as _;
use find_program as _;
use insta as _;
use libcnb as _;
use platform_settings as _;
use sbom as _;
use serde as _;
use serde_json as _;
use ubi_companion_contract as _;
use ubi_java_buildpack as _;
use untrusted_input as _;
use which as _;
use zip as _;

const ID: &str = "paketo-community/ubi-java-buildpack";

/// The tiny app compiled for the prebuilt-JAR fixture.
const HELLO_JAVA: &str = "public class Hello {\n    public static void main(String[] args) {\n        System.out.println(\"Hello from Java \" + Runtime.version().feature());\n    }\n}\n";

/// The buildpack's first line: its name and version, as buildpack.toml declares them.
fn header() -> String {
    let descriptor: toml::Table = toml::from_str(include_str!("../buildpack.toml")).unwrap();
    let buildpack = &descriptor["buildpack"];
    format!(
        "{} {}\n",
        buildpack["name"].as_str().unwrap(),
        buildpack["version"].as_str().unwrap()
    )
}

/// A copy of `java-prebuilt-jar` with `Hello.class` compiled into it (as an exploded JAR has it).
fn prebuilt_jar_app() -> tempfile::TempDir {
    let app = tempfile::tempdir().unwrap();
    std::fs::create_dir(app.path().join("META-INF")).unwrap();
    std::fs::copy(
        fixture_app("java-prebuilt-jar/META-INF/MANIFEST.MF"),
        app.path().join("META-INF/MANIFEST.MF"),
    )
    .unwrap();
    compile_hello(app.path());
    app
}

fn compile_hello(destination: &Path) {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("Hello.java"), HELLO_JAVA).unwrap();
    let status = Command::new("javac")
        .args(["--release", "17", "-d"])
        .arg(destination)
        .arg(source.path().join("Hello.java"))
        .status()
        .unwrap();
    assert!(status.success(), "javac failed");
}

fn toml(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

fn requirements(version: Option<(&str, &str)>) -> toml::Table {
    let metadata = |flag: &str| match version {
        Some((version, source)) => {
            format!("version = \"{version}\"\nversion-source = \"{source}\"\n{flag} = true\n")
        }
        None => format!("{flag} = true\n"),
    };
    toml(&format!(
        "[[requires]]\nname = \"jdk\"\n[requires.metadata]\n{}\n[[requires]]\nname = \"jre\"\n[requires.metadata]\n{}",
        metadata("build"),
        metadata("launch")
    ))
}

/// The plan of an exploded executable JAR: `requirements` providing `jvm-application-package`,
/// or `requirements` alone.
fn exploded_jar_plan(requirements: &toml::Table) -> toml::Table {
    let mut plan = requirements.clone();
    plan.insert(
        "provides".to_string(),
        toml("[[provides]]\nname = \"jvm-application-package\"\n")["provides"].clone(),
    );
    let mut or = toml::Table::new();
    or.insert("requires".to_string(), requirements["requires"].clone());
    plan.insert(
        "or".to_string(),
        toml::Value::Array(vec![toml::Value::Table(or)]),
    );
    plan
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|error| panic!("read {}: {error}", path.as_ref().display()))
}

#[test]
fn detect_reads_the_version_of_each_fixture() {
    let buildpack = buildpack();
    assert_eq!(buildpack.id, ID);
    for (app, version, source, marker) in [
        ("java-maven-release-21", "21", "pom.xml", "pom.xml"),
        (
            "java-gradle-toolchain-17",
            "17",
            "build.gradle.kts",
            "build.gradle.kts",
        ),
        (
            "java-prebuilt-jar",
            "17",
            "MANIFEST.MF",
            "META-INF/MANIFEST.MF",
        ),
        ("java-sdkmanrc", "17", ".sdkmanrc", "pom.xml"),
    ] {
        let outcome = ModuleRun::new(&buildpack, fixture_app(app)).detect();
        assert_eq!(
            outcome.process.exit_code, 0,
            "{app}: {}",
            outcome.process.stderr
        );
        let exploded_jar = marker == "META-INF/MANIFEST.MF";
        let expected_plan = if exploded_jar {
            exploded_jar_plan(&requirements(Some((version, source))))
        } else {
            requirements(Some((version, source)))
        };
        assert_eq!(outcome.plan, Some(expected_plan), "{app}");
        let mut expected_log = if version == "17" && source == ".sdkmanrc" {
            format!(
                "JVM application ({marker}): requires jdk and jre 17 (from .sdkmanrc: 17.0.10-tem)\n"
            )
        } else {
            format!("JVM application ({marker}): requires jdk and jre {version} (from {source})\n")
        };
        if exploded_jar {
            expected_log.push_str(
                "Exploded executable JAR: provides jvm-application-package when a later \
                 buildpack launches it\n",
            );
        }
        assert_eq!(outcome.process.stdout, expected_log, "{app}");
    }
}

#[test]
fn detect_bp_jvm_version_wins() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-sdkmanrc"))
        .platform_env("BP_JVM_VERSION", "11.*")
        .detect();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert_eq!(
        outcome.plan,
        Some(requirements(Some(("11", "BP_JVM_VERSION"))))
    );
}

#[test]
fn detect_without_a_version_requires_jdk_and_jre_without_one() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("pom.xml"), "<project/>").unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert_eq!(outcome.plan, Some(requirements(None)));
    assert_eq!(
        outcome.process.stdout,
        "JVM application (pom.xml): requires jdk and jre without a version (the extension's default)\n"
    );
}

#[test]
fn detect_fails_for_other_apps() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("empty-app")).detect();
    assert_eq!(outcome.process.exit_code, 100);
    assert_eq!(
        outcome.process.stdout,
        "No JVM application: none of pom.xml, build.gradle, build.gradle.kts, META-INF/MANIFEST.MF or a *.jar at the app root\n"
    );
    assert_eq!(outcome.plan, None);
}

#[test]
fn detect_rejects_an_invalid_version() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-maven-release-21"))
        .platform_env("BP_JVM_VERSION", "latest")
        .detect();
    assert_ne!(outcome.process.exit_code, 0);
    assert_ne!(outcome.process.exit_code, 100);
    assert!(
        outcome.process.stderr.starts_with(
            "ERROR: Invalid Java version request\n  BP_JVM_VERSION=\"latest\" is not a Java version"
        ),
        "{}",
        outcome.process.stderr
    );
}

fn layer_toml(outcome: &BuildOutcome, layer: &str) -> toml::Table {
    toml(&read(outcome.layers_dir.join(format!("{layer}.toml"))))
}

fn env_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                read(entry.path()),
            )
        })
        .collect()
}

/// Runs an exec.d program as the launcher does (output on fd 3), with `env` only.
fn run_exec_d(program: &Path, env: &BTreeMap<String, String>) -> (i32, String, String) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new("bash")
        .args(["-c", "exec \"$0\" 3>\"$1\""])
        .arg(program)
        .arg(out.path())
        .env_clear()
        .envs(env)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        read(out.path()),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn build_with_this_machines_jdk() {
    let app = fixture_app("java-maven-release-21");
    let outcome = ModuleRun::new(&buildpack(), &app).build();
    let stdout = &outcome.process.stdout;
    assert_eq!(
        outcome.process.exit_code, 0,
        "{stdout}{}",
        outcome.process.stderr
    );
    assert_eq!(outcome.layers, ["jdk", "jre", "memory-calculator"]);
    assert_eq!(outcome.launch, None, "not an executable JAR: no process");

    let java_home = java_home();
    let java_home_text = java_home.to_string_lossy().into_owned();
    assert!(stdout.starts_with(&header()), "{stdout}");
    for line in [
        "  Java version: 21 (from pom.xml)\n".to_string(),
        format!("  JDK: {java_home_text} (17."),
        "    WARNING: pom.xml asks for Java 21, but the build image's JDK is Java 17\n".to_string(),
        format!("    Writing env.build/JAVA_HOME.override = {java_home_text}\n"),
        "    SBOM: openjdk-jdk 17.".to_string(),
        "  Launch configuration (for the run image's JRE)\n".to_string(),
        "    Writing env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-17\n".to_string(),
        "    Writing env.launch/MALLOC_ARENA_MAX.default = 2\n".to_string(),
        "    Writing env.launch/JAVA_TOOL_OPTIONS.default = -XX:+ExitOnOutOfMemoryError\n"
            .to_string(),
        "    Installed memory-calculator/exec.d/memory-calculator".to_string(),
    ] {
        assert!(stdout.contains(&line), "missing {line:?} in:\n{stdout}");
    }

    // jdk: build only, JAVA_HOME for later buildpacks, the SBOM.
    let jdk = layer_toml(&outcome, "jdk");
    assert_eq!(
        jdk["types"],
        toml("build = true\nlaunch = false\ncache = false").into()
    );
    assert_eq!(
        jdk["metadata"]["java_home"].as_str(),
        Some(java_home_text.as_str())
    );
    assert_eq!(
        env_files(&outcome.layers_dir.join("jdk/env.build")),
        BTreeMap::from([("JAVA_HOME.override".to_string(), java_home_text.clone())])
    );
    let sbom: serde_json::Value =
        serde_json::from_str(&read(outcome.layers_dir.join("jdk.sbom.cdx.json"))).unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(sbom["specVersion"], "1.5");
    let release = read(java_home.join("release"));
    let version = release
        .lines()
        .find_map(|line| line.strip_prefix("JAVA_VERSION="))
        .unwrap()
        .trim_matches('"');
    assert_eq!(sbom["components"][0]["version"], version);
    assert_eq!(sbom["components"][0]["name"], "openjdk-jdk");

    // jre: launch defaults and the class counts.
    let jre = layer_toml(&outcome, "jre");
    assert_eq!(
        jre["types"],
        toml("build = false\nlaunch = true\ncache = false").into()
    );
    let jvm_classes = jre["metadata"]["jvm_class_count"].as_integer().unwrap();
    assert!(jvm_classes > 15_000, "{jvm_classes}");
    let launch_env = env_files(&outcome.layers_dir.join("jre/env.launch"));
    assert_eq!(
        launch_env,
        BTreeMap::from([
            (
                "JAVA_HOME.default".to_string(),
                "/usr/lib/jvm/jre-17".to_string()
            ),
            ("MALLOC_ARENA_MAX.default".to_string(), "2".to_string()),
            (
                "JAVA_TOOL_OPTIONS.default".to_string(),
                "-XX:+ExitOnOutOfMemoryError".to_string()
            ),
            (
                "BPI_APPLICATION_PATH.default".to_string(),
                app.to_string_lossy().into_owned()
            ),
            // A source app has no classes yet (the Maven build comes after this buildpack).
            (
                "BPI_APPLICATION_CLASS_COUNT.default".to_string(),
                "0".to_string()
            ),
            (
                "BPI_JVM_CLASS_COUNT.default".to_string(),
                jvm_classes.to_string()
            ),
        ])
    );
}

#[test]
fn the_exec_d_program_sizes_the_jvm_memory() {
    let app = fixture_app("java-maven-release-21");
    let outcome = ModuleRun::new(&buildpack(), &app).build();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    let launch_env = env_files(&outcome.layers_dir.join("jre/env.launch"));
    // memory-calculator: the packaged exec.d program, executable, and it runs.
    let program = outcome
        .layers_dir
        .join("memory-calculator/exec.d/memory-calculator");
    let mode = std::fs::metadata(&program).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        layer_toml(&outcome, "memory-calculator")["types"],
        toml("build = false\nlaunch = true\ncache = false").into()
    );
    let env: BTreeMap<String, String> = launch_env
        .iter()
        .map(|(file, value)| (file.trim_end_matches(".default").to_string(), value.clone()))
        .collect();
    let (code, output, stderr) = run_exec_d(&program, &env);
    assert_eq!(code, 0, "{stderr}");
    let output = toml(&output);
    let options = output["JAVA_TOOL_OPTIONS"].as_str().unwrap();
    assert!(
        options.starts_with("-XX:+ExitOnOutOfMemoryError -XX:MaxDirectMemorySize=10M -Xmx"),
        "{options}"
    );
    for flag in [
        "-XX:MaxMetaspaceSize=",
        "-XX:ReservedCodeCacheSize=240M",
        "-Xss1M",
        "-XX:ActiveProcessorCount=",
    ] {
        assert!(options.contains(flag), "{flag} missing in {options}");
    }
    assert_eq!(output.len(), 1, "{output:?}");
    assert!(
        stderr.contains("Calculated JVM Memory Configuration: -XX:MaxDirectMemorySize=10M -Xmx"),
        "{stderr}"
    );
}

#[test]
fn memory_calculator_fails_clearly_when_memory_is_too_small() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-gradle-toolchain-17")).build();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    let program = outcome
        .layers_dir
        .join("memory-calculator/exec.d/memory-calculator");
    let env = BTreeMap::from([
        ("BPI_JVM_CLASS_COUNT".to_string(), "25000".to_string()),
        ("BPL_JVM_THREAD_COUNT".to_string(), "100000".to_string()),
    ]);
    let (code, output, stderr) = run_exec_d(&program, &env);
    assert_eq!(code, 1);
    assert_eq!(output, "");
    assert!(
        stderr.starts_with(
            "ERROR: memory-calculator: unable to calculate memory configuration: fixed memory regions require "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("-Xss1M * 100000 threads"), "{stderr}");
}

#[test]
fn build_of_an_exploded_jar_sets_the_process_and_class_path() {
    let app = prebuilt_jar_app();
    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    assert_eq!(
        outcome.process.exit_code, 0,
        "{}{}",
        outcome.process.stdout, outcome.process.stderr
    );
    assert_eq!(
        outcome.layers,
        ["class-path", "jdk", "jre", "memory-calculator"]
    );
    let app_path = app.path().to_string_lossy().into_owned();
    assert_eq!(
        outcome.launch,
        Some(toml(
            r#"
            [[processes]]
            type = "executable-jar"
            command = ["java"]
            args = ["Hello"]

            [[processes]]
            type = "task"
            command = ["java"]
            args = ["Hello"]

            [[processes]]
            type = "web"
            command = ["java"]
            args = ["Hello"]
            default = true
            "#
        ))
    );
    let class_path_env = env_files(&outcome.layers_dir.join("class-path/env.launch"));
    assert_eq!(
        class_path_env,
        BTreeMap::from([
            ("CLASSPATH.prepend".to_string(), app_path.clone()),
            ("CLASSPATH.delim".to_string(), ":".to_string()),
        ])
    );
    let jre = layer_toml(&outcome, "jre");
    assert_eq!(jre["metadata"]["app_class_count"].as_integer(), Some(1));
    assert!(
        outcome
            .process
            .stdout
            .contains("  Java version: 17 (from MANIFEST.MF)\n"),
        "{}",
        outcome.process.stdout
    );
    assert!(outcome.process.stdout.contains(
        "  Process types (Paketo's Java buildpacks may replace them):\n    executable-jar, task, web (default): java Hello\n"
    ));

    // The web process works as the launcher would run it: the exec.d program's options, the
    // class path, `java Hello` in the app directory.
    let program = outcome
        .layers_dir
        .join("memory-calculator/exec.d/memory-calculator");
    let mut env: BTreeMap<String, String> = env_files(&outcome.layers_dir.join("jre/env.launch"))
        .into_iter()
        .map(|(file, value)| (file.trim_end_matches(".default").to_string(), value))
        .collect();
    let (code, output, stderr) = run_exec_d(&program, &env);
    assert_eq!(code, 0, "{stderr}");
    env.insert(
        "JAVA_TOOL_OPTIONS".to_string(),
        toml(&output)["JAVA_TOOL_OPTIONS"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    env.insert("CLASSPATH".to_string(), app_path);
    env.remove("JAVA_HOME"); // the RPM JRE path does not exist here
    env.insert("PATH".to_string(), std::env::var("PATH").unwrap());
    let run = Command::new("java")
        .arg("Hello")
        .current_dir(app.path())
        .env_clear()
        .envs(&env)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "Hello from Java 17\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stderr).starts_with(
        "Picked up JAVA_TOOL_OPTIONS: -XX:+ExitOnOutOfMemoryError -XX:MaxDirectMemorySize=10M"
    ));
}

#[test]
fn build_of_a_root_jar_runs_it_with_java_jar() {
    let classes = tempfile::tempdir().unwrap();
    compile_hello(classes.path());
    let app = tempfile::tempdir().unwrap();
    let jar = app.path().join("hello.jar");
    let status = Command::new("jar")
        .args(["--create", "--file"])
        .arg(&jar)
        .args(["--main-class", "Hello", "-C"])
        .arg(classes.path())
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());

    let detect = ModuleRun::new(&buildpack(), app.path()).detect();
    assert_eq!(detect.process.exit_code, 0, "{}", detect.process.stderr);
    assert_eq!(detect.plan, Some(requirements(None)));

    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    let processes = outcome.launch.as_ref().unwrap()["processes"]
        .as_array()
        .unwrap()
        .clone();
    let web = processes
        .iter()
        .find(|process| process["type"].as_str() == Some("web"))
        .unwrap();
    assert_eq!(
        web["args"],
        toml::Value::Array(vec![
            "-jar".into(),
            jar.to_string_lossy().into_owned().into()
        ])
    );
    assert_eq!(web["default"].as_bool(), Some(true));
    assert!(!outcome.layers.contains(&"class-path".to_string()));
    // The JAR's classes count as the app's.
    assert_eq!(
        layer_toml(&outcome, "jre")["metadata"]["app_class_count"].as_integer(),
        Some(1)
    );
}

#[test]
fn build_without_a_jdk_fails_clearly() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-maven-release-21"))
        .lifecycle_env("PATH", "/nonexistent/bin")
        .build();
    assert_ne!(outcome.process.exit_code, 0);
    let stderr = &outcome.process.stderr;
    assert!(
        stderr.starts_with("ERROR: No JDK in the build image\n  javac is not on PATH"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("Add paketo-community/ubi-java-extension to the builder's order-extensions"),
        "{stderr}"
    );
    assert!(outcome.layers.is_empty(), "{:?}", outcome.layers);
    assert_eq!(outcome.launch, None);
}

#[test]
fn build_leaves_jdk_and_jre_to_another_provider() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-maven-release-21"))
        .lifecycle_env("PATH", "/nonexistent/bin")
        .buildpack_plan(
            "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\n\n\
             [[entries]]\nname = \"jre\"\n[entries.metadata]\nlaunch = true\n",
        )
        .build();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert!(outcome.layers.is_empty(), "{:?}", outcome.layers);
    assert!(
        outcome.process.stdout.contains(
            "  The build plan still holds jdk and jre: another buildpack of the group provides them"
        ),
        "{}",
        outcome.process.stdout
    );
}

#[test]
fn build_with_only_the_jre_from_the_extension() {
    // The extension satisfied `jre` (a JRE run image); another buildpack installs the JDK.
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-sdkmanrc"))
        .lifecycle_env("PATH", "/nonexistent/bin")
        .buildpack_plan("[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\n")
        .build();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert_eq!(outcome.layers, ["jre", "memory-calculator"]);
    let launch_env = env_files(&outcome.layers_dir.join("jre/env.launch"));
    // The major comes from the request (.sdkmanrc); the JVM's classes are counted at launch.
    assert_eq!(launch_env["JAVA_HOME.default"], "/usr/lib/jvm/jre-17");
    assert!(!launch_env.contains_key("BPI_JVM_CLASS_COUNT.default"));
}

/// Detect, killed after 30 s: the process (`None` when it hung) and how long it ran.
fn detect_bounded(app: &Path) -> (Option<Process>, Duration) {
    ModuleRun::new(&buildpack(), app).run_bounded("detect", cnb_harness::HANG_GUARD)
}

/// Detect failed with an error (not 0, not 100 "not a JVM app"): its stderr.
fn detect_error(app: &Path) -> String {
    let (process, took) = detect_bounded(app);
    let process = process.unwrap_or_else(|| panic!("detect hung ({took:?})"));
    assert!(
        ![0, 100].contains(&process.exit_code),
        "{} {}",
        process.exit_code,
        process.stdout
    );
    assert!(process.stdout.len() < 1000, "{}", process.stdout);
    assert!(process.stderr.len() < 1000, "{}", process.stderr);
    process.stderr
}

#[test]
fn detect_fails_clearly_on_app_files_that_are_fifos() {
    for file in VersionSource::ALL
        .into_iter()
        .filter_map(VersionSource::file)
    {
        let app = tempfile::tempdir().unwrap();
        // A JVM app whatever the FIFO is (a FIFO is not a marker file).
        std::fs::write(app.path().join("app.jar"), "").unwrap();
        let fifo = app.path().join(file);
        mkfifo(&fifo);
        let stderr = detect_error(app.path());
        assert!(
            stderr.starts_with(&format!(
                "ERROR: Cannot read {path}\n  cannot read the app's Java version: {path} is a \
                 FIFO, not a regular file.",
                path = fifo.display()
            )),
            "{file}: {stderr}"
        );
    }
}

/// A FIFO or a directory named `pom.xml`, a FIFO `build.gradle.kts` or `META-INF/MANIFEST.MF`
/// made detect exit 100 ("not a JVM app") where the extension, reading the same file for the
/// version, gives an error: detect now gives that error (`jvm_version`'s, the extension's).
#[test]
fn detect_errors_on_a_jvm_app_file_that_is_no_regular_file() {
    for (file, directory) in [
        ("pom.xml", false),
        ("pom.xml", true),
        ("build.gradle.kts", false),
        ("META-INF/MANIFEST.MF", false),
    ] {
        let app = tempfile::tempdir().unwrap();
        let path = app.path().join(file);
        if directory {
            std::fs::create_dir(&path).unwrap();
        } else {
            mkfifo(&path);
        }
        let stderr = detect_error(app.path());
        let extension_error = jvm_version::requested_version(app.path(), None)
            .unwrap_err()
            .to_string();
        assert!(
            stderr.starts_with(&format!(
                "ERROR: Cannot read {}\n  {extension_error}.\n",
                path.display()
            )),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn detect_fails_on_a_pom_expansion_bomb() {
    // The 641-byte pom of issue 13: detect ran past 30 s building a 200 MB string. The work is
    // bounded by the substitution and size limits: the error says which one stopped it.
    let app = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("tests/fixtures/ubi-java/pom-expansion-bomb.xml"),
        app.path().join("pom.xml"),
    )
    .unwrap();
    let stderr = detect_error(app.path());
    assert!(
        stderr.starts_with(
            "ERROR: Invalid Java version request\n  pom.xml sets the Java version with \
             <maven.compiler.release>, but its ${...} property references expand to more than \
             1024 bytes"
        ),
        "{stderr}"
    );
}

#[test]
fn detect_quotes_a_long_java_version_cut_and_refuses_a_huge_one() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("pom.xml"), "<project/>").unwrap();
    std::fs::write(app.path().join(".java-version"), "1".repeat(60_000)).unwrap();
    let stderr = detect_error(app.path());
    assert!(stderr.contains("… (cut, 60000 bytes in all)"), "{stderr}");
    // 10 MB printed 20 MB before.
    std::fs::write(app.path().join(".java-version"), "1".repeat(10 << 20)).unwrap();
    let stderr = detect_error(app.path());
    assert!(
        stderr.contains(".java-version is larger than 65536 bytes, the most read from it"),
        "{stderr}"
    );
}

#[test]
fn detect_refuses_a_java_version_linked_out_of_the_app() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:secret-hash:19000\n").unwrap();
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("pom.xml"), "<project/>").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("shadow"),
        app.path().join(".java-version"),
    )
    .unwrap();
    let stderr = detect_error(app.path());
    assert!(stderr.contains("outside the app directory"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
}

#[test]
fn build_refuses_a_main_class_that_is_a_jvm_option() {
    let app = prebuilt_jar_app();
    std::fs::write(
        app.path().join("META-INF/MANIFEST.MF"),
        "Manifest-Version: 1.0\nBuild-Jdk-Spec: 17\nMain-Class: -XX:+PrintFlagsFinal\n",
    )
    .unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    assert_ne!(outcome.process.exit_code, 0, "{}", outcome.process.stdout);
    assert_eq!(outcome.launch, None);
    assert!(
        outcome.process.stderr.starts_with(
            "ERROR: Invalid Main-Class in META-INF/MANIFEST.MF\n  Main-Class: \
             \"-XX:+PrintFlagsFinal\" is not a Java class name"
        ),
        "{}",
        outcome.process.stderr
    );
}
