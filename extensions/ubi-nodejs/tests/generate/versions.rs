//! Which Node.js the extension installs, from which request, and which run image the app gets.

use crate::support::{
    INSTALL, INVALID_REQUEST, NODEJS, STACK_ID, UBI8, UBI9, app, generate_ubi8, hand_off,
    install_step, log_end_ubi8, plan, unsatisfiable,
};
use cnb_harness::{ModuleRun, TargetEnv, assert_contains};

#[test]
fn ubi8_from_the_stack_id_with_package_json_engines() {
    let (module, _dir, catalogue) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .target(TargetEnv::linux_amd64("rhel", "8.10"))
        .buildpack_plan(&plan(&[(None, ""), (Some("package.json"), "~22")]))
        .generate();
    outcome.assert_dockerfiles();
    let install = format!(
        "microdnf -y module enable nodejs:22 && {INSTALL} make gcc-toolset-13-gcc \
         gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime libatomic_ops git openssl-devel \
         python3.12 nodejs npm nodejs-nodemon nss_wrapper-libs which && \
         ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/gcc /usr/bin/gcc && \
         ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/g++ /usr/bin/g++ && microdnf clean all"
    );
    assert_eq!(
        outcome.build_dockerfile.unwrap(),
        NODEJS.build_dockerfile(&install_step(&install), &hand_off(22, UBI8))
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-22-ubi8-base\n")
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "{start}\
             \x20   Using the highest-priority request: package.json -> \"~22\"\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 16, 18, 20, 22, 24 (default 24)\n\
             \x20   \"~22\" matches Node.js 22\n\
             {end}",
            catalogue.display(),
            start = NODEJS.log_start(&["package.json -> \"~22\"", "<unknown> -> \"\""]),
            end = log_end_ubi8(22)
        )
    );
    assert_eq!(outcome.process.stderr, "");
}

#[test]
fn ubi10_from_the_target_with_nvmrc() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi10.json");
    let outcome = ModuleRun::new(&module, app("node-nvmrc"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(&[(Some(".nvmrc"), "24.*")]))
        .generate();
    outcome.assert_dockerfiles();
    let install = format!(
        "{INSTALL} make gcc gcc-c++ git openssl-devel nodejs24 nodejs-nodemon nodejs24-npm \
         nss_wrapper-libs which python3 && ln -sf /usr/bin/node-24 /usr/bin/node && \
         ln -sf /usr/bin/npm-24 /usr/bin/npm && ln -sf /usr/bin/npx-24 /usr/bin/npx && \
         microdnf clean all"
    );
    assert_eq!(
        outcome.build_dockerfile.unwrap(),
        NODEJS.build_dockerfile(
            &install_step(&install),
            &hand_off(24, "io.buildpacks.stacks.ubi10")
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/ubi-10-run-nodejs-24-base\n")
    );
    let stdout = &outcome.process.stdout;
    assert_contains!(
        stdout,
        "    Stack io.buildpacks.stacks.ubi10 (from target distro rhel \"10.0\")\n"
    );
    assert_contains!(
        stdout,
        "\n  Installing with microdnf:\n    make gcc gcc-c++ git openssl-devel nodejs24 "
    );
}

/// On UBI 9: which request wins (`BP_NODE_VERSION` over the app's files, an exact version for
/// the stream of its major, the catalogue's default), and which run image (Paketo's naming, the
/// catalogue's full reference, `BP_UBI_RUN_IMAGE_OVERRIDE` unless empty), each said in the log.
#[test]
fn the_request_the_catalogue_and_the_override_choose_the_stream_and_the_run_image() {
    const LOCAL: &str = "images-ubi9-local-run-images.json";
    let exact = [(Some(".node-version"), "20.11.1")];
    let bp_node_version_first = [
        (Some(".node-version"), "<0"),
        (Some("package.json"), "<0"),
        (Some("BP_NODE_VERSION"), "=20"),
        (Some(".nvmrc"), "<0"),
    ];
    let none = [(None, "")];
    let twenty = [(Some("BP_NODE_VERSION"), "20")];
    for (catalogue, app_name, requests, override_image, major, image, logged) in [
        (
            "images-ubi9.json",
            "node-node-version",
            &exact[..],
            None,
            20,
            "paketobuildpacks/run-nodejs-20-ubi9-base",
            &[
                "    \"20.11.1\" matches a release of Node.js 20: UBI ships one build per major, so \
               the patch level comes from the distribution's Node.js 20 stream\n\n  Selected \
               Node.js major version 20\n",
            ][..],
        ),
        (
            "images-ubi9.json",
            "node-npm-engines",
            &bp_node_version_first,
            None,
            20,
            "paketobuildpacks/run-nodejs-20-ubi9-base",
            &[
                "      BP_NODE_VERSION -> \"=20\"\n      package.json -> \"<0\"\n      .nvmrc -> \
               \"<0\"\n      .node-version -> \"<0\"\n",
            ],
        ),
        (
            LOCAL,
            "empty-app",
            &none,
            None,
            22,
            "localhost/paketo/run-nodejs-22-ubi9-base:0.0.42",
            &[
                "    No version requested: using the default, 22\n",
                "  Run image localhost/paketo/run-nodejs-22-ubi9-base:0.0.42 (from run_image of \
                 nodejs-22 in the catalogue)\n",
            ],
        ),
        (
            LOCAL,
            "empty-app",
            &twenty,
            Some("localhost/my/run-node:20"),
            20,
            "localhost/my/run-node:20",
            &[
                "  Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-node:20\n",
            ],
        ),
        // An empty override is ignored.
        (
            LOCAL,
            "empty-app",
            &twenty,
            Some(""),
            20,
            "localhost/paketo/run-nodejs-20-ubi9-base:0.0.42",
            &[],
        ),
    ] {
        let (module, _dir, _) = NODEJS.with_fixture_catalogue(catalogue);
        let mut run = ModuleRun::new(&module, app(app_name))
            .lifecycle_env(STACK_ID, UBI9)
            .buildpack_plan(&plan(requests));
        if let Some(override_image) = override_image {
            run = run.platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", override_image);
        }
        let outcome = run.generate();
        outcome.assert_dockerfiles();
        assert_contains!(
            outcome.build_dockerfile.as_deref().unwrap(),
            format!(" && microdnf -y module enable nodejs:{major} && "),
            "{requests:?}"
        );
        assert_eq!(
            outcome.run_dockerfile.as_deref(),
            Some(format!("FROM {image}\n").as_str()),
            "{requests:?} {override_image:?}"
        );
        for line in logged {
            assert_contains!(outcome.process.stdout, line, "{requests:?}");
        }
    }
}

#[test]
fn an_unsupported_version_names_the_request_its_source_and_the_majors() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    let outcome = generate_ubi8(&module, "node-npm-engines", "BP_NODE_VERSION", "~14");
    outcome.assert_error(
        &unsatisfiable("~14"),
        &[
            "  Supported versions are: [16, 18, 20, 22, 24].",
            "The constraint comes from BP_NODE_VERSION",
        ],
    );
    // The log went as far as the candidates.
    assert_contains!(outcome.process.stdout, "      BP_NODE_VERSION -> \"~14\"\n");
}

/// Issue 13: nvm aliases in `.nvmrc` resolve against the stack's catalogue, and the log says
/// how; an unknown LTS codename is an error that lists the known ones.
#[test]
fn nvm_aliases_resolve_against_the_catalogue() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    for (alias, major, meaning) in [
        ("lts/*", 24, "the newest LTS (even) major offered"),
        ("node", 24, "the newest major offered"),
        ("stable", 24, "the newest major offered"),
        ("lts/iron", 20, "the LTS line iron"),
        ("lts/hydrogen", 18, "the LTS line hydrogen"),
    ] {
        let outcome = generate_ubi8(&module, "node-nvmrc", ".nvmrc", alias);
        outcome.assert_dockerfiles();
        assert_eq!(
            outcome.run_dockerfile.as_deref(),
            Some(format!("FROM paketobuildpacks/run-nodejs-{major}-ubi8-base\n").as_str())
        );
        let logged = format!(
            "    {alias:?} is the nvm alias {alias}, for {meaning}: Node.js {major}\n\n  \
             Selected Node.js major version {major}\n"
        );
        assert_contains!(outcome.process.stdout, logged);
    }
    let outcome = generate_ubi8(&module, "node-nvmrc", ".nvmrc", "lts/nope");
    outcome.assert_error(
        INVALID_REQUEST,
        &[
            "  the Node.js version \"lts/nope\" requested by .nvmrc names the LTS line \
             \"nope\", which nvm does not know.",
            "krypton (24)",
        ],
    );
    // A line the stack does not offer.
    let outcome = generate_ubi8(&module, "node-nvmrc", ".nvmrc", "lts/fermium");
    outcome.assert_error(&unsatisfiable("lts/fermium"), &[]);
}
