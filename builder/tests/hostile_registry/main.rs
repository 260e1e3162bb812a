//! The registry client against a hostile registry of the tests' own (tests/support/hostile.rs):
//! stalls and trickles end in a timeout error naming the registry and the step, floods in an
//! error naming the cap, malformed tokens and upload locations in an error (not a panic), and
//! whatever the registry says reaches messages quoted and bounded.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "../support/hostile.rs"]
mod hostile;

mod trust_and_retries;

use cnb_harness::{assert_contains, assert_not_contains};
use hostile::{Answer, Body, HostileRegistry};
use packager::registry::{
    CONFIG_LIMIT, MANIFEST_LIMIT, PulledImage, Registry, RegistryOptions, Retries, TOKEN_LIMIT,
    Timeouts,
};
use std::path::Path;
use std::time::Duration;

/// Short timeouts, so that a stalled registry ends the test soon; the deadline far enough
/// above the idle timeout that a loaded machine does not swap which one ends a stall.
const TIMEOUTS: Timeouts = Timeouts {
    idle: Duration::from_secs(2),
    deadline: Duration::from_secs(30),
};

/// For a registry that trickles: only the deadline can end it.
const DEADLINE_ONLY: Timeouts = Timeouts {
    idle: Duration::from_mins(1),
    deadline: Duration::from_secs(3),
};

/// The options of a client for `server` (plain HTTP, no credentials, no retry waits longer
/// than a few milliseconds unless the registry asks for them).
fn options(server: &HostileRegistry, timeouts: Timeouts, cache: &Path) -> RegistryOptions {
    let auth_file = cache.join("auth.json");
    std::fs::write(&auth_file, "{}").unwrap();
    RegistryOptions {
        cache_dir: Some(cache.to_path_buf()),
        insecure: vec![server.host.clone()],
        auth_file: Some(auth_file),
        timeouts,
        retries: Retries {
            base: Duration::from_millis(1),
            ..Retries::default()
        },
        ..RegistryOptions::default()
    }
}

/// Runs `operation` with a registry client for `server`; a hang guard far above the
/// timeouts: the failure mode of a client without them, not a measure of time.
fn with_client<T: Send + 'static>(
    server: &HostileRegistry,
    timeouts: Timeouts,
    cache: &Path,
    operation: impl FnOnce(&Registry) -> T + Send + 'static,
) -> T {
    with_options(options(server, timeouts, cache), operation)
}

fn with_options<T: Send + 'static>(
    options: RegistryOptions,
    operation: impl FnOnce(&Registry) -> T + Send + 'static,
) -> T {
    // A hang is the failure this file guards against: the harness's guard ends the test then.
    cnb_harness::within_hang_guard("the registry client", move || {
        let registry = Registry::new(&options).unwrap();
        operation(&registry)
    })
}

fn pull(server: &HostileRegistry, timeouts: Timeouts) -> anyhow::Result<PulledImage> {
    let cache = tempfile::tempdir().unwrap();
    let reference = server.image("stack/build:latest");
    with_client(server, timeouts, cache.path(), move |registry| {
        registry.pull(&reference, &oci_layout::platform("linux", "amd64", None))
    })
}

fn pull_error(routes: Vec<(&str, Answer)>) -> (String, HostileRegistry) {
    pull_error_with(routes, TIMEOUTS)
}

fn pull_error_with(routes: Vec<(&str, Answer)>, timeouts: Timeouts) -> (String, HostileRegistry) {
    let server = HostileRegistry::start(routes);
    let message = format!("{:#}", pull(&server, timeouts).unwrap_err());
    assert_not_contains!(message, "panicked");
    (message, server)
}

fn v2_open() -> (&'static str, Answer) {
    ("GET /v2/", Answer::json(200, "{}"))
}

/// `/v2/` answered with a bearer challenge naming the token realm `/token` of the registry
/// itself.
fn token_challenge() -> (&'static str, Answer) {
    (
        "GET /v2/",
        Answer::json(401, "{}").header(
            "WWW-Authenticate",
            r#"Bearer realm="http://{host}/token",service="hostile""#,
        ),
    )
}

const MANIFEST: &str = "GET /v2/stack/build/manifests/latest";

#[test]
fn a_registry_that_stalls_or_never_answers_times_out_naming_the_registry_and_step() {
    // Headers, then nothing.
    let (message, server) = pull_error(vec![v2_open(), (MANIFEST, Answer::new(200, Body::Stall))]);
    assert_contains!(message, "timed out");
    assert_contains!(message, "GET the manifest latest");
    assert_contains!(message, server.host);

    // /v2/ never answered.
    let (message, server) = pull_error(vec![("GET /v2/", Answer::new(200, Body::NoAnswer))]);
    assert_contains!(message, "timed out");
    assert_contains!(message, "GET /v2/");
    assert_contains!(message, server.host);

    // A byte every second: never idle for long, so the operation's deadline ends it.
    let (message, _server) = pull_error_with(
        vec![
            v2_open(),
            (
                MANIFEST,
                Answer::new(
                    200,
                    Body::Trickle {
                        every: Duration::from_secs(1),
                    },
                ),
            ),
        ],
        DEADLINE_ONLY,
    );
    assert_contains!(message, "timed out");
    assert_contains!(message, "deadline of 3 s");
    assert_contains!(message, "GET the manifest latest");
}

#[test]
fn floods_end_in_an_error_naming_the_cap() {
    // An endless manifest (no Content-Length): cut at the cap as it streams.
    let (message, _server) = pull_error(vec![
        v2_open(),
        (MANIFEST, Answer::new(200, Body::Endless(b' '))),
    ]);
    assert_contains!(
        message,
        format!("larger than the cap of {MANIFEST_LIMIT} bytes")
    );

    // A token one byte over its cap, declared or endless.
    for body in [
        Body::Repeat {
            byte: b' ',
            len: TOKEN_LIMIT + 1,
        },
        Body::Endless(b' '),
    ] {
        let (message, _server) = pull_error(vec![
            token_challenge(),
            ("GET /token", Answer::new(200, body)),
        ]);
        assert_contains!(
            message,
            format!("larger than the cap of {TOKEN_LIMIT} bytes")
        );
        assert_contains!(message, "/token");
    }

    // A 100 MB error body: a short message.
    let (message, _server) = pull_error(vec![
        v2_open(),
        (
            MANIFEST,
            Answer::new(
                500,
                Body::Repeat {
                    byte: b'A',
                    len: 100 << 20,
                },
            ),
        ),
    ]);
    assert_contains!(message, "500");
    assert_contains!(message, "not read further");
    assert!(message.len() < 1000, "{} bytes: {message}", message.len());
}

/// An image manifest whose config descriptor says `size`.
fn manifest_with_config(size: u64) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{}","size":{size}}},"layers":[]}}"#,
        "a".repeat(64)
    )
}

#[test]
fn a_blob_is_cut_off_at_its_descriptors_size_and_an_absurd_size_refused_up_front() {
    let config = format!("GET /v2/stack/build/blobs/sha256:{}", "a".repeat(64));
    let server = HostileRegistry::start(vec![
        v2_open(),
        (
            MANIFEST,
            Answer::json(200, &manifest_with_config(106))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
        ),
        (&config, Answer::new(200, Body::Endless(b'x'))),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let reference = server.image("stack/build:latest");
    let cache_dir = cache.path().to_path_buf();
    let message = format!(
        "{:#}",
        with_client(&server, TIMEOUTS, &cache_dir, move |registry| registry
            .pull(&reference, &oci_layout::platform("linux", "amd64", None)))
        .unwrap_err()
    );
    assert_contains!(message, "larger than its descriptor's 106 bytes");
    // Nothing but the manifest is kept (no partial download).
    let kept: Vec<u64> = std::fs::read_dir(cache.path().join("blobs/sha256"))
        .unwrap()
        .map(|entry| entry.unwrap().metadata().unwrap().len())
        .collect();
    assert_eq!(kept, [manifest_with_config(106).len() as u64], "{kept:?}");

    // A config declared as 2^63-1 bytes: refused before it is asked for.
    let server = HostileRegistry::start(vec![
        v2_open(),
        (
            MANIFEST,
            Answer::json(200, &manifest_with_config(i64::MAX as u64)),
        ),
        (&config, Answer::new(200, Body::Endless(b'x'))),
    ]);
    let message = format!("{:#}", pull(&server, TIMEOUTS).unwrap_err());
    assert_contains!(message, format!("more than the cap of {CONFIG_LIMIT}"));
    assert!(
        !server
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.contains("/blobs/")),
        "the blob was not asked for"
    );
}

#[test]
fn a_token_holding_a_control_character_is_an_error_naming_the_realm() {
    for token in [r#""a\nb""#, r#""a\u0001b""#] {
        let (message, server) = pull_error(vec![
            token_challenge(),
            (
                "GET /token",
                Answer::json(200, &format!(r#"{{"token":{token}}}"#)),
            ),
        ]);
        assert_contains!(message, "is not a header value");
        assert_contains!(message, format!("http://{}/token", server.host));
    }
}

/// A linux/amd64 image of no layers, to push.
fn empty_image() -> oci_layout::Image {
    oci_layout::Image {
        config: serde_json::json!({"os": "linux", "architecture": "amd64", "rootfs": {"type": "layers", "diff_ids": []}}),
        layers: Vec::new(),
    }
}

/// Pushes [`empty_image`] to `server` as `out/image:latest`.
fn push(server: &HostileRegistry) -> anyhow::Result<String> {
    let cache = tempfile::tempdir().unwrap();
    let reference = server.image("out/image:latest");
    with_client(server, TIMEOUTS, cache.path(), move |registry| {
        registry.push(&empty_image(), &reference)
    })
}

/// The routes of a registry without any blob of `out/image`, that answers the first upload
/// request with `status` and `Location: <location>`; then `more`.
fn upload_routes<'a>(
    status: u16,
    location: &str,
    more: impl IntoIterator<Item = (&'a str, Answer)>,
) -> Vec<(&'a str, Answer)> {
    let mut routes = vec![
        v2_open(),
        ("HEAD /v2/out/image/blobs/*", Answer::empty(404)),
        (
            "POST /v2/out/image/blobs/uploads/",
            Answer::empty(status).header("Location", location),
        ),
    ];
    routes.extend(more);
    routes
}

#[test]
fn an_upload_answered_with_200_and_a_relative_location_is_resolved_not_a_panic() {
    let server = HostileRegistry::start(upload_routes(
        200,
        "session-1?state=x",
        [
            (
                "PUT /v2/out/image/blobs/uploads/session-1",
                Answer::empty(201),
            ),
            ("PUT /v2/out/image/manifests/latest", Answer::empty(201)),
        ],
    ));
    let pushed = push(&server);
    assert!(pushed.is_ok(), "{pushed:?}");
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests.iter().any(|line| line
            .starts_with("PUT /v2/out/image/blobs/uploads/session-1?state=x&digest=sha256%3A")),
        "{requests:?}"
    );

    // The client crate's panic: a chunked upload's PATCH answered 200 made it start over
    // monolithically, and parse that session's relative Location with an unwrap. Uploads
    // here are monolithic, the Location resolved.
    let server = HostileRegistry::start(upload_routes(
        202,
        "/v2/out/image/blobs/uploads/first",
        [
            (
                "POST /v2/out/image/blobs/uploads/",
                Answer::empty(202).header("Location", "second"),
            ),
            (
                "PATCH /v2/out/image/blobs/uploads/first",
                Answer::empty(200),
            ),
            ("PUT /v2/out/image/blobs/uploads/*", Answer::empty(201)),
            ("PUT /v2/out/image/manifests/latest", Answer::empty(201)),
        ],
    ));
    let pushed = push(&server);
    assert!(pushed.is_ok(), "{pushed:?}");

    // A Location that is no HTTP URL: an error naming it.
    let server = HostileRegistry::start(upload_routes(202, "file:///etc/passwd", []));
    let message = format!("{:#}", push(&server).unwrap_err());
    assert_contains!(message, "\"file:///etc/passwd\"");
}

const ESCAPES: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[1;32mBuilder created successfully";

#[test]
fn what_a_registry_says_is_quoted() {
    // A plain error body, and a JSON envelope's code and message.
    let envelope =
        serde_json::json!({"errors": [{"code": ESCAPES, "message": ESCAPES}]}).to_string();
    for body in [ESCAPES.to_string(), envelope] {
        let (message, _server) = pull_error(vec![
            v2_open(),
            (MANIFEST, Answer::new(500, Body::Bytes(body.into_bytes()))),
        ]);
        assert_not_contains!(message, "\u{1b}");
        assert_not_contains!(message, "\u{7}");
        assert_contains!(message, r"\u{1b}[2J");
    }

    // The token realm's error body.
    let (message, _server) = pull_error(vec![
        token_challenge(),
        (
            "GET /token",
            Answer::new(401, Body::Bytes(ESCAPES.as_bytes().to_vec())),
        ),
    ]);
    assert_not_contains!(message, "\u{1b}");
    assert_contains!(message, "refused the credentials");

    // The platforms of an index: quoted, at most eight named.
    let entry = |arch: &str| {
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", "b".repeat(64)),
            "size": 10,
            "platform": {"os": "linux", "architecture": arch}
        })
    };
    let mut manifests = vec![entry(ESCAPES)];
    manifests.extend((0..10_000).map(|_| entry("s390x")));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests
    })
    .to_string();
    assert!(index.len() as u64 <= MANIFEST_LIMIT);
    let (message, _server) = pull_error(vec![v2_open(), (MANIFEST, Answer::json(200, &index))]);
    assert_not_contains!(message, "\u{1b}");
    assert_contains!(message, "9993 more");
    assert!(message.len() < 2000, "{} bytes: {message}", message.len());
}
