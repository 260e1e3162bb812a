//! Where credentials go (token realms on other hosts, plain HTTP), descriptor `urls` never
//! fetched, the digest a registry answers for a push, and retries of 429 and 5xx answers.

use crate::hostile::{Answer, Body, HostileRegistry};
use crate::{
    MANIFEST, TIMEOUTS, empty_image, options, pull, pull_error, pull_error_with, push, v2_open,
    with_options,
};
use cnb_harness::{assert_contains, assert_not_contains};
use packager::registry::{PulledImage, RegistryOptions, Timeouts};
use std::path::Path;
use std::time::Duration;

/// An auth file in `dir` with credentials for `registry`, and client options that read it.
fn with_credentials(server: &HostileRegistry, dir: &Path) -> RegistryOptions {
    let mut options = options(server, TIMEOUTS, dir);
    let auth = serde_json::json!({"auths": {server.host.as_str(): {"username": "me", "password": "secret"}}});
    std::fs::write(options.auth_file.as_ref().unwrap(), auth.to_string()).unwrap();
    options.trusted_realms = Vec::new();
    options
}

/// A registry whose bearer challenge names the token realm `realm`.
fn challenging(realm: &str) -> HostileRegistry {
    HostileRegistry::start(vec![(
        "GET /v2/",
        Answer::json(401, "{}").header(
            "WWW-Authenticate",
            &format!(r#"Bearer realm="{realm}",service="hostile""#),
        ),
    )])
}

fn pull_with(options: RegistryOptions, server: &HostileRegistry) -> anyhow::Result<PulledImage> {
    let reference = server.image("stack/build:latest");
    with_options(options, move |registry| {
        registry.pull(&reference, &oci_layout::platform("linux", "amd64", None))
    })
}

#[test]
fn credentials_go_to_a_token_realm_on_another_host_or_over_plain_http_only_when_named() {
    let realm = HostileRegistry::start(vec![(
        "GET /token",
        Answer::json(200, r#"{"token":"abc"}"#),
    )]);
    let realm_url = format!("http://{}/token", realm.host);
    let server = challenging(&realm_url);
    let dir = tempfile::tempdir().unwrap();

    // Another host (here another port), not trusted: nothing reaches it.
    let message = format!(
        "{:#}",
        pull_with(with_credentials(&server, dir.path()), &server).unwrap_err()
    );
    assert_eq!(realm.count("GET"), 0, "{message}");
    assert_contains!(message, server.host);
    assert_contains!(message, realm.host);
    assert_contains!(
        message,
        format!("--registry-trust-realm {}={}", server.host, realm.host)
    );

    // Trusted, but plain HTTP to a host not named insecure: refused too.
    let mut trusted = with_credentials(&server, dir.path());
    trusted.trusted_realms = vec![format!("{}={}", server.host, realm.host).parse().unwrap()];
    let message = format!("{:#}", pull_with(trusted.clone(), &server).unwrap_err());
    assert_eq!(realm.count("GET"), 0, "{message}");
    assert_contains!(message, "not sent over plain HTTP");
    assert_contains!(message, format!("--insecure-registry {} ", realm.host));

    // Trusted and named insecure: the token is asked for (the manifest then 404s).
    trusted.insecure.push(realm.host.clone());
    let message = format!("{:#}", pull_with(trusted, &server).unwrap_err());
    assert_eq!(realm.count("GET /token?"), 1, "{message}");
    assert_contains!(message, "no such image");

    // Without credentials, any realm is asked for an anonymous token.
    let anonymous = options(&server, TIMEOUTS, dir.path());
    let message = format!("{:#}", pull_with(anonymous, &server).unwrap_err());
    assert_eq!(realm.count("GET /token?"), 2, "{message}");
    assert_contains!(message, "no such image");
}

#[test]
fn a_trusted_realm_that_is_not_registry_equals_host_is_refused_naming_it() {
    for bad in ["docker.io", "a=http://b", "=b", "a=b c"] {
        let message = bad
            .parse::<packager::registry::TrustedRealm>()
            .unwrap_err()
            .to_string();
        assert_contains!(message, "<registry>=<realm-host>");
        assert_contains!(message, format!("{bad:?}"));
    }
}

#[test]
fn a_descriptors_urls_are_never_fetched() {
    let elsewhere = HostileRegistry::start(vec![(
        "GET /*",
        Answer::new(200, Body::Bytes(b"FOREIGN ANSWER".to_vec())),
    )]);
    let digest = format!("sha256:{}", "a".repeat(64));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest,
            "size": 14,
            "urls": [format!("http://{}/config", elsewhere.host)]
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": digest,
            "size": 14,
            "urls": [format!("http://{}/layer", elsewhere.host)]
        }]
    })
    .to_string();
    // The config blob 404s (unrouted): the client crate then fetched its `urls`.
    let (message, _server) = pull_error(vec![v2_open(), (MANIFEST, Answer::json(200, &manifest))]);
    assert_eq!(elsewhere.count(""), 0, "{message}");
    assert_not_contains!(message, "FOREIGN");
    assert_contains!(message, "no such image");
}

fn push_routes(manifest_answer: Answer) -> Vec<(&'static str, Answer)> {
    vec![
        v2_open(),
        ("HEAD /v2/out/image/blobs/*", Answer::empty(200)),
        ("PUT /v2/out/image/manifests/latest", manifest_answer),
    ]
}

#[test]
fn the_digest_a_registry_answers_for_a_pushed_manifest_must_be_ours() {
    let ours = empty_image().documents("latest").unwrap().1.digest;
    let theirs = format!("sha256:{}", "b".repeat(64));
    let server = HostileRegistry::start(push_routes(
        Answer::empty(201).header("Docker-Content-Digest", &theirs),
    ));
    let message = format!("{:#}", push(&server).unwrap_err());
    assert_contains!(message, ours);
    assert_contains!(message, theirs);
    assert_contains!(message, "PUT the manifest latest");

    // Escapes and floods in the header are quoted bounded.
    let server = HostileRegistry::start(push_routes(Answer::empty(201).header(
        "Docker-Content-Digest",
        &format!("{}{}", "\u{1b}[2J", "x".repeat(5000)),
    )));
    let message = format!("{:#}", push(&server).unwrap_err());
    assert_not_contains!(message, "\u{1b}");
    assert!(message.len() < 1000, "{message}");

    // Ours, or none: pushed.
    for answer in [
        Answer::empty(201).header("Docker-Content-Digest", &ours),
        Answer::empty(201),
    ] {
        let server = HostileRegistry::start(push_routes(answer));
        assert_eq!(push(&server).unwrap(), ours);
    }
}

/// A registry serving an image of no layers: its manifest (tag `latest`) and config routes.
fn image_routes(manifest: Vec<Answer>, config: Vec<Answer>) -> Vec<(&'static str, Answer)> {
    let config_bytes =
        br#"{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = oci_layout::sha256_digest(config_bytes);
    let document = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_bytes.len()
        },
        "layers": []
    })
    .to_string();
    let config_route: &'static str =
        Box::leak(format!("GET /v2/stack/build/blobs/{config_digest}").into_boxed_str());
    let mut routes = vec![v2_open()];
    routes.extend(manifest.into_iter().map(|answer| (MANIFEST, answer)));
    routes.push((MANIFEST, Answer::json(200, &document)));
    routes.extend(config.into_iter().map(|answer| (config_route, answer)));
    routes.push((
        config_route,
        Answer::new(200, Body::Bytes(config_bytes.to_vec())),
    ));
    routes
}

#[test]
fn a_registry_that_asks_to_retry_later_is_asked_again() {
    // 429 with Retry-After: 1 twice, then the manifest; the config 503 once, then served.
    let later = || {
        Answer::json(
            429,
            r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
        )
        .header("Retry-After", "1")
    };
    let server = HostileRegistry::start(image_routes(
        vec![later(), later()],
        vec![Answer::empty(503).header("Retry-After", "0")],
    ));
    let pulled = pull(&server, TIMEOUTS);
    assert!(pulled.is_ok(), "{pulled:?}");
    assert_eq!(server.count(MANIFEST), 3);
    assert_eq!(server.count("GET /v2/stack/build/blobs/"), 2);

    // A connection closed before the answer, twice (backoff of a millisecond): asked again.
    let server = HostileRegistry::start(image_routes(
        vec![Answer::new(200, Body::Close), Answer::new(200, Body::Close)],
        Vec::new(),
    ));
    let pulled = pull(&server, TIMEOUTS);
    assert!(pulled.is_ok(), "{pulled:?}");
    assert_eq!(server.count(MANIFEST), 3);
}

#[test]
fn a_registry_that_keeps_failing_is_given_up_on_after_the_attempts() {
    let attempts = packager::registry::DEFAULT_ATTEMPTS;
    let (message, server) = pull_error(vec![
        v2_open(),
        (MANIFEST, Answer::new(503, Body::Bytes(b"down".to_vec()))),
    ]);
    assert_eq!(server.count(MANIFEST), attempts as usize, "{message}");
    assert_contains!(message, "503 Service Unavailable");
    assert_contains!(message, format!("after {attempts} attempts"));
    assert_contains!(message, "GET the manifest latest");

    // A wait longer than the packager's longest: not retried, the wait named.
    let (message, server) = pull_error(vec![
        v2_open(),
        (MANIFEST, Answer::empty(429).header("Retry-After", "86400")),
    ]);
    assert_eq!(server.count(MANIFEST), 1, "{message}");
    assert_contains!(message, "429 Too Many Requests");
    assert_contains!(message, "retry in 86400 s");

    // A wait past the operation's deadline: not waited for.
    let (message, server) = pull_error_with(
        vec![
            v2_open(),
            (MANIFEST, Answer::empty(503).header("Retry-After", "50")),
        ],
        Timeouts {
            idle: Duration::from_secs(2),
            deadline: Duration::from_secs(40),
        },
    );
    assert_eq!(server.count(MANIFEST), 1, "{message}");
    assert_contains!(message, "would pass the deadline of 40 s");

    // An HTTP date: a date past is no wait.
    let server = HostileRegistry::start(image_routes(
        vec![Answer::empty(503).header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")],
        Vec::new(),
    ));
    let pulled = pull(&server, TIMEOUTS);
    assert!(pulled.is_ok(), "{pulled:?}");
    assert_eq!(server.count(MANIFEST), 2);

    // A POST (starting an upload) is not idempotent: asked once.
    let server = HostileRegistry::start(vec![
        v2_open(),
        ("HEAD /v2/out/image/blobs/*", Answer::empty(404)),
        ("POST /v2/out/image/blobs/uploads/", Answer::empty(503)),
    ]);
    let message = format!("{:#}", push(&server).unwrap_err());
    assert_eq!(server.count("POST"), 1, "{message}");
    assert_contains!(message, "503");
}
