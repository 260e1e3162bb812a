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
//!
//! - [`builders`]: the builders made by pack and by the packager, and every definition;
//! - [`apps`]: the Node.js, Java and Go apps built and run, and the versions users ask for.
//! - [`mirror`]: restricted networks: the user's RPM mirror by binding, its CA, a proxy, and
//!   what fails without them; no secret in any layer or cache.

// Helpers outside the tests are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod apps;
mod builders;
mod mirror;
mod support;

use e2e_tests::ServicesGuard;
use libtest_mimic::{Arguments, Failed, Trial};

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
            builders::builders_made_by_pack_and_by_packager_inspect_the_same,
        ),
        trial(
            "node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image",
            apps::node_app_gets_node_from_its_module_stream_and_runs_on_the_node_run_image,
        ),
        trial(
            "java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image",
            apps::java_jar_gets_the_jdk_from_microdnf_and_runs_on_the_java_run_image,
        ),
        trial(
            "go_app_builds_static_and_runs_on_the_static_run_image",
            apps::go_app_builds_static_and_runs_on_the_static_run_image,
        ),
        trial(
            "versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate",
            apps::versions_the_stack_lacks_or_that_inject_shell_stop_the_build_in_generate,
        ),
        trial(
            "versions_and_run_image_the_app_asks_for_are_used",
            apps::versions_and_run_image_the_app_asks_for_are_used,
        ),
        trial(
            "every_builder_definition_is_made_by_pack_and_by_the_packager",
            builders::every_builder_definition_is_made_by_pack_and_by_the_packager,
        ),
        trial(
            "mirror_node_app_installs_from_an_https_mirror_binding_trusting_its_ca",
            mirror::node_app_installs_from_an_https_mirror_binding_trusting_its_ca,
        ),
        trial(
            "mirror_node_app_reaches_the_mirror_only_through_the_proxy",
            mirror::node_app_reaches_the_mirror_only_through_the_proxy,
        ),
        trial(
            "mirror_java_jar_installs_from_a_file_mirror_binding",
            mirror::java_jar_installs_from_a_file_mirror_binding,
        ),
        trial(
            "mirror_without_a_reachable_repository_the_build_fails_in_the_extender_with_our_message",
            mirror::without_a_reachable_repository_the_build_fails_in_the_extender_with_our_message,
        ),
    ];
    let conclusion = libtest_mimic::run(&arguments, trials);
    drop(services);
    conclusion.exit();
}
