//! Build: the layers, processes and class path of each kind of app, the exec.d memory
//! calculator, and the failures when the JDK or JRE is missing.

use crate::common::{buildpack, java_home};
use crate::support::{
    compile_hello, env_files, header, layer_toml, prebuilt_jar_app, read, requirements, toml,
};
use cnb_harness::command::run_ok;
use cnb_harness::exec_d::run_exec_d;
use cnb_harness::processes::process_of_type;
use cnb_harness::{ModuleRun, Outcome, Process, assert_contains, fixture_app};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn build_with_this_machines_jdk() {
    let app = fixture_app("java-maven-release-21");
    let outcome = ModuleRun::new(&buildpack(), &app).build();
    let stdout = &outcome.process.stdout;
    outcome.assert_success();
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
        assert_contains!(stdout, line);
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
    outcome.assert_success();
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
    let (process, output) = run_exec_d(&program, &[], &env);
    process.assert_success();
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
        assert_contains!(options, flag);
    }
    assert_eq!(output.len(), 1, "{output:?}");
    assert_contains!(
        process.stderr,
        "Calculated JVM Memory Configuration: -XX:MaxDirectMemorySize=10M -Xmx"
    );
    // Its warnings are written as every module's (cnb-output), without a header at launch.
    let mut deprecated = env.clone();
    deprecated.insert("BPL_JVM_HEADROOM".to_string(), "5".to_string());
    let (process, _) = run_exec_d(&program, &[], &deprecated);
    process.assert_success();
    assert!(
        process.stderr.starts_with(
            "WARNING: BPL_JVM_HEADROOM is deprecated and will be removed, please switch to \
             BPL_JVM_HEAD_ROOM\nCalculated JVM Memory Configuration: "
        ),
        "{}",
        process.stderr
    );
}

#[test]
fn memory_calculator_fails_clearly_when_memory_is_too_small() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-gradle-toolchain-17")).build();
    outcome.assert_success();
    let program = outcome
        .layers_dir
        .join("memory-calculator/exec.d/memory-calculator");
    let env = BTreeMap::from([
        ("BPI_JVM_CLASS_COUNT".to_string(), "25000".to_string()),
        ("BPL_JVM_THREAD_COUNT".to_string(), "100000".to_string()),
    ]);
    let (
        Process {
            exit_code, stderr, ..
        },
        output,
    ) = run_exec_d(&program, &[], &env);
    assert_eq!(exit_code, 1, "{stderr}");
    assert_eq!(output, "");
    assert!(
        stderr.starts_with(
            "ERROR: memory-calculator: unable to calculate memory configuration: fixed memory regions require "
        ),
        "{stderr}"
    );
    assert_contains!(stderr, "-Xss1M * 100000 threads");
}

#[test]
fn build_of_an_exploded_jar_sets_the_process_and_class_path() {
    let app = prebuilt_jar_app();
    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    outcome.assert_success();
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
    assert_contains!(
        outcome.process.stdout,
        "  Java version: 17 (from MANIFEST.MF)\n"
    );
    assert_contains!(
        outcome.process.stdout,
        "  Process types (Paketo's Java buildpacks may replace them):\n    executable-jar, task, web (default): java Hello\n"
    );

    // The web process works as the launcher would run it: the exec.d program's options, the
    // class path, `java Hello` in the app directory.
    let program = outcome
        .layers_dir
        .join("memory-calculator/exec.d/memory-calculator");
    let mut env: BTreeMap<String, String> = env_files(&outcome.layers_dir.join("jre/env.launch"))
        .into_iter()
        .map(|(file, value)| (file.trim_end_matches(".default").to_string(), value))
        .collect();
    let (process, output) = run_exec_d(&program, &[], &env);
    process.assert_success();
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
    let _ = run_ok(
        Command::new("jar")
            .args(["--create", "--file"])
            .arg(&jar)
            .args(["--main-class", "Hello", "-C"])
            .arg(classes.path())
            .arg("."),
    );

    let detect = ModuleRun::new(&buildpack(), app.path()).detect();
    detect.assert_success();
    assert_eq!(detect.plan, Some(requirements(None)));

    let outcome = ModuleRun::new(&buildpack(), app.path()).build();
    outcome.assert_success();
    let web = process_of_type(outcome.launch.as_ref().unwrap(), "web");
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
    outcome.process.assert_module_error(
        "No JDK in the build image",
        &[
            "\n  javac is not on PATH",
            "Add paketo-community/ubi-java-extension to the builder's order-extensions",
        ],
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
    outcome.assert_success();
    assert!(outcome.layers.is_empty(), "{:?}", outcome.layers);
    assert_contains!(
        outcome.process.stdout,
        "  The build plan still holds jdk and jre: another buildpack of the group provides them"
    );
}

#[test]
fn build_with_only_the_jre_from_the_extension() {
    // The extension satisfied `jre` (a JRE run image); another buildpack installs the JDK.
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-sdkmanrc"))
        .lifecycle_env("PATH", "/nonexistent/bin")
        .buildpack_plan("[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\n")
        .build();
    outcome.assert_success();
    assert_eq!(outcome.layers, ["jre", "memory-calculator"]);
    let launch_env = env_files(&outcome.layers_dir.join("jre/env.launch"));
    // The major comes from the request (.sdkmanrc); the JVM's classes are counted at launch.
    assert_eq!(launch_env["JAVA_HOME.default"], "/usr/lib/jvm/jre-17");
    assert!(!launch_env.contains_key("BPI_JVM_CLASS_COUNT.default"));
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
    outcome.process.assert_module_error(
        "Invalid Main-Class in META-INF/MANIFEST.MF",
        &["\n  Main-Class: \"-XX:+PrintFlagsFinal\" is not a Java class name"],
    );
    assert_eq!(outcome.launch, None);
}
