//! Restricted networks (issue 23): the build image's own repository cannot be reached (the
//! stack's RPM repository is not mounted, as in an air-gapped site); the user's mirror comes as
//! an `rpm-repository` binding (`pack build --volume <dir>:/platform/bindings/<name>`), over
//! HTTPS with a private CA, or only through a proxy; without either the build fails in the
//! extender with our message. After each build, no layer, config or history line of the app
//! image, the run image or pack's caches of the app (the extender's cache holds the extended
//! build image's layers) holds the binding's or the proxy's credentials or the CA.

use crate::support::{assert_built_on, serve};
use cnb_harness::{Outcome, fixture_app};
use e2e_tests::mirror::{ConnectProxy, HttpsMirror, PROXIED_HOST, RepositoryBinding, TestCa};
use e2e_tests::{AppBuild, Builders, Endpoints, PackOutcome, Published, Stack};

/// A secret unique to this run (the registry's port).
fn secret(what: &str) -> String {
    let registry = &Endpoints::get().registry;
    let port = registry.rsplit(':').next().unwrap_or_default();
    format!("e2e-{what}-s3cret-{port}")
}

/// The prefix of pack's cache volumes of `app` (`pack-cache-<path with _>_latest-<hash>.<kind>`).
fn cache_volume_prefix(app: &AppBuild) -> String {
    let registry = &Endpoints::get().registry;
    let path = app
        .image
        .strip_prefix(&format!("{registry}/"))
        .and_then(|rest| rest.strip_suffix(":latest"))
        .unwrap();
    format!("pack-cache-{}_latest-", path.replace('/', "_"))
}

/// None of `secrets` is in pack's output (`build`), the app image, the run image or pack's
/// caches of the app.
fn assert_no_secrets(app: &AppBuild, run_image: &str, build: &PackOutcome, secrets: &[&str]) {
    build.assert_output_lacks(secrets);
    e2e_tests::mirror::assert_nowhere(secrets, &[&app.image, run_image], &cache_volume_prefix(app));
}

pub(crate) fn node_app_installs_from_an_https_mirror_binding_trusting_its_ca() {
    let stack = Stack::get();
    let published = Published::get();
    let ca = TestCa::new();
    let mirror = HttpsMirror::start(&ca);
    let password = secret("repo");
    let binding = RepositoryBinding::new(
        &format!("https://127.0.0.1:{}/", mirror.port),
        &password,
        Some(&ca.ca_pem()),
    );
    let app = AppBuild::new(
        "node-mirror",
        &fixture_app("node-npm-engines"),
        &Builders::get().pack,
    )
    .without_stack_repository()
    .volume(&binding.volume());
    let build = app.build();
    let (major, version) = (stack.value("NODE_MAJOR"), stack.value("NODE_VERSION"));
    build.assert_output_contains(&[
        "From the binding corp-mirror (rpm-repository, instead of the build image's repositories):",
        &format!(
            "corp-appstream (corp-appstream.repo): https://127.0.0.1:{}/",
            mirror.port
        ),
        "CA: ca.crt",
        &format!("nodejs-1:{version}-1.module+e2e.x86_64"),
        &format!("The ubi-nodejs-extension installed Node.js {major}"),
    ]);
    assert_built_on(&app.image, &published.node_run_image);
    assert_eq!(
        serve(&app, "/"),
        format!("hello world from Node.js v{version}\n")
    );
    let ca_line = ca.ca_fingerprint_line();
    assert_no_secrets(
        &app,
        &published.node_run_image,
        &build,
        &[&password, "e2e-repo-user", &ca_line],
    );
}

pub(crate) fn node_app_reaches_the_mirror_only_through_the_proxy() {
    let published = Published::get();
    let ca = TestCa::new();
    let mirror = HttpsMirror::start(&ca);
    let password = secret("repo");
    let proxy_password = secret("proxy");
    let proxy = ConnectProxy::start("e2e-proxy-user", &proxy_password);
    let binding = RepositoryBinding::new(
        &format!("https://{PROXIED_HOST}:{}/", mirror.port),
        &password,
        Some(&ca.ca_pem()),
    );
    let proxy_url = format!(
        "http://e2e-proxy-user:{proxy_password}@127.0.0.1:{}",
        proxy.port
    );
    let app = AppBuild::new(
        "node-proxy",
        &fixture_app("node-npm-engines"),
        &Builders::get().pack,
    )
    .without_stack_repository()
    .volume(&binding.volume())
    .env("HTTPS_PROXY", &proxy_url);
    let build = app.build();
    build.assert_output_contains(&[
        &format!("HTTPS_PROXY=http://***@127.0.0.1:{}", proxy.port),
        &format!("corp-appstream (corp-appstream.repo): https://{PROXIED_HOST}:"),
        "Installed:",
    ]);
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    assert!(
        tunnels.contains(&format!("{PROXIED_HOST}:{}", mirror.port)),
        "the proxy opened {tunnels:?}"
    );
    assert!(serve(&app, "/").starts_with("hello world from Node.js"));
    let ca_line = ca.ca_fingerprint_line();
    assert_no_secrets(
        &app,
        &published.node_run_image,
        &build,
        &[&password, &proxy_password, "e2e-proxy-user", &ca_line],
    );
}

pub(crate) fn java_jar_installs_from_a_file_mirror_binding() {
    let published = Published::get();
    let stack = Stack::get();
    let password = secret("repo");
    let binding = RepositoryBinding::new("file:///srv/corp-mirror-rpms", &password, None);
    let sources = tempfile::tempdir_in(e2e_tests::e2e_dir()).unwrap();
    let jar = crate::apps::maven_jar(sources.path());
    let app = AppBuild::new("java-mirror", &jar, &Builders::get().packager)
        .without_stack_repository()
        .volume(&format!(
            "{}:/srv/corp-mirror-rpms:ro",
            published.rpms.display()
        ))
        .volume(&binding.volume());
    let build = app.build();
    let major = stack.value("JAVA_MAJOR");
    build.assert_output_contains(&[
        "corp-appstream (corp-appstream.repo): file:///srv/corp-mirror-rpms",
        &format!("java-{major}-openjdk-headless-1:"),
    ]);
    assert_built_on(&app.image, &published.java_run_image);
    assert!(serve(&app, "/").starts_with("Hello from Java"));
    assert_no_secrets(
        &app,
        &published.java_run_image,
        &build,
        &[&password, "e2e-repo-user"],
    );
}

pub(crate) fn without_a_reachable_repository_the_build_fails_in_the_extender_with_our_message() {
    let builders = Builders::get();
    // Neither a mirror nor a proxy: the build image's own repository, unreachable.
    let app = AppBuild::new(
        "node-offline",
        &fixture_app("node-npm-engines"),
        &builders.pack,
    )
    .without_stack_repository();
    // pack exits 1 when the lifecycle fails.
    app.try_build()
        .assert_failure_with(
            1,
            "ERROR: cannot reach the RPM repository 'e2e-ubi8' (the repositories of the build \
             image), connecting directly (no HTTPS_PROXY or HTTP_PROXY given to the build).",
        )
        .assert_output_contains(&["microdnf said:"]);
    // A mirror whose certificate the build does not trust (no ca.crt).
    let ca = TestCa::new();
    let mirror = HttpsMirror::start(&ca);
    let binding = RepositoryBinding::new(
        &format!("https://127.0.0.1:{}/", mirror.port),
        &secret("repo"),
        None,
    );
    let app = AppBuild::new(
        "node-untrusted",
        &fixture_app("node-npm-engines"),
        &builders.pack,
    )
    .without_stack_repository()
    .volume(&binding.volume());
    app.try_build().assert_failure_with(
        1,
        "ERROR: the TLS certificate of the RPM repository 'corp-appstream' does not verify",
    );
}
