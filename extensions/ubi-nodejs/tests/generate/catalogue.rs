//! The stack's catalogue: its problems name the file, majors the extension cannot install are
//! skipped with the reason, and the default comes from it.

use crate::support::{NODEJS, UBI8, UBI9, generate, generate_ubi8, log_end_ubi8, unsatisfiable};
use cnb_harness::assert_contains;
use std::path::Path;

#[test]
fn a_major_the_stack_cannot_install_is_skipped() {
    // The ubi9 packages start at 18: a catalogue listing 16 (even as its default) does not make
    // it installable; it is skipped and the default is the newest major installed.
    let (module, _dir, _) = NODEJS.with_catalogue_json(
        r#"{"images": [{"name": "nodejs-16", "is_default_run_image": true}, {"name": "nodejs-20"}]}"#,
    );
    let outcome = generate(&module, "empty-app", UBI9, &[(None, "")]);
    outcome.assert_dockerfiles();
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-20-ubi9-base\n")
    );
    assert_contains!(
        outcome.process.stdout,
        "      Skipped nodejs-16 (the catalogue's default): older than the Node.js majors \
             this extension installs on io.buildpacks.stacks.ubi9 (18, 20, 22, 24)\n"
    );
}

/// Issue 21: a stack offering Node.js 22, 24 and 26 (default 24) on ubi8, where this
/// extension installs up to 24. `>=20`, `*`, `node` and `lts/*` selected 26 and failed with
/// "unsupported Node.js version 26 for image io.buildpacks.stacks.ubi8", although 24 satisfies
/// each of them. Now 26 is skipped, with the reason in the log, and each gets 24.
#[test]
fn a_future_major_of_the_stack_is_skipped_and_requests_get_the_newest_installed() {
    let (module, _dir, catalogue) = NODEJS.with_fixture_catalogue("images-ubi8-future-26.json");
    for (source, request) in [
        ("package.json", ">=20"),
        ("package.json", "*"),
        (".nvmrc", "node"),
        (".nvmrc", "lts/*"),
        ("BP_NODE_VERSION", "24"),
    ] {
        let outcome = generate_ubi8(&module, "node-npm-engines", source, request);
        outcome.assert_dockerfiles();
        assert_eq!(
            outcome.run_dockerfile.as_deref(),
            Some("FROM paketobuildpacks/run-nodejs-24-ubi8-base\n"),
            "{request}"
        );
        assert!(
            outcome
                .build_dockerfile
                .as_deref()
                .unwrap()
                .contains(" && microdnf -y module enable nodejs:24 && "),
            "{request}"
        );
    }
    let outcome = generate_ubi8(&module, "node-npm-engines", "package.json", ">=20");
    assert_eq!(
        outcome.process.stdout,
        format!(
            "{start}\
             \x20   Using the highest-priority request: package.json -> \">=20\"\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 22, 24 (default 24)\n\
             \x20     Skipped nodejs-26: newer than the Node.js majors this extension installs \
             on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)\n\
             \x20   \">=20\" matches Node.js 24\n\
             {end}",
            catalogue.display(),
            start = NODEJS.log_start(&["package.json -> \">=20\""]),
            end = log_end_ubi8(24)
        )
    );

    // Only the skipped major satisfies it: the error says so.
    let outcome = generate_ubi8(&module, "node-npm-engines", "package.json", "^26");
    outcome.assert_error(
        &unsatisfiable("^26"),
        &[
            "  Supported versions are: [22, 24]. The constraint comes from package.json.\n",
            "  The stack's catalogue also lists nodejs-26, which satisfies it, but it is newer \
             than the Node.js majors this extension installs on io.buildpacks.stacks.ubi8 (16, \
             18, 20, 22, 24).\n",
        ],
    );

    // The LTS line of 26, by a codename the list does not hold yet (its initial follows
    // krypton's): understood as 26, which this stack offers but this extension cannot install.
    let outcome = generate_ubi8(&module, "node-nvmrc", ".nvmrc", "lts/lithium");
    outcome.assert_error(
        &unsatisfiable("lts/lithium"),
        &["  The stack's catalogue also lists nodejs-26, which satisfies it, but it is newer "],
    );
}

/// Issue 21: with nothing requested, the log said `Using the highest-priority request:
/// <unknown> -> ""` before `No version requested: using the default, ...`; only the second
/// line is logged now. With a future default (26, skipped), the default is the newest major
/// installed.
#[test]
fn no_request_logs_only_the_default_even_a_skipped_one() {
    let (module, _dir, catalogue) =
        NODEJS.with_fixture_catalogue("images-ubi8-future-default-26.json");
    let outcome = generate(&module, "empty-app", UBI8, &[(None, "")]);
    outcome.assert_dockerfiles();
    assert_eq!(
        outcome.process.stdout,
        format!(
            "{start}\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 22, 24 (default 24, the newest: the \
             catalogue's default is skipped)\n\
             \x20     Skipped nodejs-26 (the catalogue's default): newer than the Node.js majors \
             this extension installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)\n\
             \x20   No version requested: using the default, 24\n\
             {end}",
            catalogue.display(),
            start = NODEJS.log_start(&["<unknown> -> \"\""]),
            end = log_end_ubi8(24)
        )
    );

    // The same on a stack whose default is installed: no "Using the highest-priority request".
    let (module, _dir, catalogue) = NODEJS.with_fixture_catalogue("images-ubi9.json");
    let outcome = generate(
        &module,
        "empty-app",
        UBI9,
        &[(None, ""), (Some(".nvmrc"), "default")],
    );
    outcome.assert_dockerfiles();
    assert!(
        outcome.process.stdout.starts_with(&format!(
            "{start}\
             \x20   Stack io.buildpacks.stacks.ubi9 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 20, 22, 24 (default 24)\n\
             \x20   No version requested: using the default, 24\n\
             \n\
             \x20 Selected Node.js major version 24\n",
            catalogue.display(),
            start = NODEJS.log_start(&[".nvmrc -> \"default\"", "<unknown> -> \"\""])
        )),
        "{}",
        outcome.process.stdout
    );
}

/// Issue 21: a catalogue of legacy majors only (10 and 12) passed the catalogue check, then
/// every request failed on an install error. Now the error says that this extension installs
/// none of them.
#[test]
fn a_catalogue_of_legacy_majors_only_is_a_clear_error() {
    let (module, _dir, catalogue) = NODEJS.with_fixture_catalogue("images-ubi8-legacy-10-12.json");
    for request in ["", "lts/*", "node", "lts/erbium", "12"] {
        let outcome = generate_ubi8(&module, "node-nvmrc", ".nvmrc", request);
        outcome.assert_error(
            "Cannot use the stack's Node.js catalogue",
            &[&format!(
                "  the Node.js version catalogue {} lists Node.js 10, 12, none of which this \
                 extension can install: nodejs-10: older than the Node.js majors this extension \
                 installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24); nodejs-12 (the \
                 catalogue's default): older than ",
                catalogue.display()
            )],
        );
    }
}

#[test]
fn catalogue_problems_name_the_file() {
    let (module, _dir) = NODEJS.with_catalogue(Path::new("/nonexistent/images.json"));
    let outcome = generate(&module, "empty-app", UBI8, &[(None, "")]);
    outcome.assert_error(
        "Cannot use the stack's Node.js catalogue",
        &["  the Node.js version catalogue /nonexistent/images.json does not exist"],
    );
    for (json, expected) in [
        (
            "images:\n  - nodejs-20\n",
            "is not valid: expected value at line 1 column 1",
        ),
        (
            r#"{"images": [{"name": "nodejs-20"}]}"#,
            "marks none of its Node.js images (nodejs-20) as the default",
        ),
    ] {
        let (module, _dir, catalogue) = NODEJS.with_catalogue_json(json);
        let outcome = generate(&module, "empty-app", UBI8, &[(None, "")]);
        let expected = format!(
            "  the Node.js version catalogue {} {expected}",
            catalogue.display()
        );
        outcome.assert_error("Cannot use the stack's Node.js catalogue", &[&expected]);
    }
}
