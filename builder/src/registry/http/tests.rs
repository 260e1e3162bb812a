use super::super::answers::check_token;
use super::{
    HeaderMap, HeaderValue, Http, Url, bearer_challenge, error_detail, header, parse_token,
    retry_after,
};

/// The parsers of what a registry sends (a token answer, a `WWW-Authenticate` challenge,
/// an error body) never panic, and what they return for a message stays bounded.
#[test]
fn fuzz_registry_answers() {
    let seeds = [
        r#"{"token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":300}"#,
        r#"{"access_token":"abc","token":""}"#,
        r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#,
        r#"Basic realm="test", Bearer realm="http://127.0.0.1:1/token""#,
        r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#,
        "<html>502 Bad Gateway</html>",
        "120",
        "Wed, 21 Oct 2015 07:28:00 GMT",
    ];
    fuzz_check::fuzz_text(
        "registry answers (token, WWW-Authenticate, Retry-After, error body)",
        &seeds,
        |input| {
            let _ = parse_token(input.as_bytes());
            let _ = bearer_challenge(input);
            if let Ok(value) = HeaderValue::from_str(input) {
                let mut headers = HeaderMap::new();
                headers.insert(header::RETRY_AFTER, value);
                let _ = retry_after(&headers);
            }
            for cut in [false, true] {
                let (codes, detail) = error_detail(input.as_bytes(), cut);
                assert!(detail.len() < 8000, "{detail}");
                assert!(!detail.contains('\u{1b}'), "{detail}");
                let _ = codes;
            }
        },
    );
}

/// Docker Hub's token service is trusted without an option; another host, or plain HTTP,
/// only when named.
#[test]
fn credentials_go_to_the_registry_or_a_trusted_realm_over_https() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let may = |options: &crate::registry::RegistryOptions, reference: &str, realm: &str| {
        let reference = crate::registry::parse_reference(reference).unwrap();
        Http::new(options)
            .unwrap()
            .may_send_credentials(&reference, &Url::parse(realm).unwrap())
            .map_err(|error| error.to_string())
    };
    let default = crate::registry::RegistryOptions::default();
    for hub in [
        "ubuntu",
        "docker.io/library/ubuntu",
        "registry-1.docker.io/a/b",
    ] {
        may(&default, hub, "https://auth.docker.io/token").unwrap();
        let error = may(&default, hub, "http://auth.docker.io/token").unwrap_err();
        assert!(error.contains("plain HTTP"), "{error}");
    }
    may(&default, "ghcr.io/a/b", "https://ghcr.io/token").unwrap();
    may(
        &default,
        "registry.gitlab.com/a/b",
        "https://gitlab.com/jwt/auth",
    )
    .unwrap();
    for foreign in ["https://auth.docker.io/token", "https://ghcr.io:8443/token"] {
        let error = may(&default, "ghcr.io/a/b", foreign).unwrap_err();
        assert!(error.contains("--registry-trust-realm ghcr.io="), "{error}");
    }
    let trusting = crate::registry::RegistryOptions {
        trusted_realms: vec!["ghcr.io=auth.example:8443".parse().unwrap()],
        ..default
    };
    may(&trusting, "ghcr.io/a/b", "https://auth.example:8443/t").unwrap();
    assert!(may(&trusting, "quay.io/a/b", "https://auth.example:8443/t").is_err());
}

#[test]
fn a_token_with_a_control_character_is_refused_quoted() {
    for bad in ["a\nb", "a\u{1}b", "a b", "é"] {
        let message = check_token(bad).unwrap_err().to_string();
        assert!(message.contains(&format!("{bad:?}")), "{message}");
    }
    check_token("eyJhbGciOi.J9-_~+/=").unwrap();
}
