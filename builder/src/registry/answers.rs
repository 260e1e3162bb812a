//! The parsers of a registry's answers: error bodies, `WWW-Authenticate` challenges and token
//! services' answers. Each reads bytes the registry chose, so each is fuzzed (`tests.rs`) and
//! quotes what it reports bounded.

use super::http::ERROR_BODY_LIMIT;
use anyhow::{Context, bail};
use reqwest::header::HeaderValue;
use serde::Deserialize;
use untrusted_input::{quoted, text_lossy};

#[derive(Deserialize)]
struct Envelope {
    errors: Vec<EnvelopeError>,
}

#[derive(Deserialize)]
struct EnvelopeError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// An error body's codes and message: a JSON envelope's codes, and its first codes and
/// messages quoted; else the body quoted (`cut`: it was longer than what was read).
pub(super) fn error_detail(body: &[u8], cut: bool) -> (Vec<String>, String) {
    let envelope = if cut {
        None
    } else {
        serde_json::from_slice::<Envelope>(body).ok()
    };
    match envelope {
        Some(envelope) if !envelope.errors.is_empty() => (
            envelope.errors.iter().map(|e| e.code.clone()).collect(),
            envelope
                .errors
                .iter()
                .take(4)
                .map(|e| format!("{} {}", quoted(&e.code), quoted(&e.message)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => (
            Vec::new(),
            if body.is_empty() {
                "(no body)".to_string()
            } else if cut {
                format!(
                    "{} (more than {ERROR_BODY_LIMIT} bytes, not read further)",
                    quoted(&text_lossy(body))
                )
            } else {
                quoted(&text_lossy(body))
            },
        ),
    }
}

/// The realm and service of the first bearer challenge of a `WWW-Authenticate` value.
pub(super) fn bearer_challenge(value: &str) -> Option<(Option<String>, Option<String>)> {
    let challenges = http_auth::parse_challenges(value).ok()?;
    let challenge = challenges
        .iter()
        .find(|challenge| challenge.scheme.eq_ignore_ascii_case("bearer"))?;
    let param = |name: &str| {
        challenge
            .params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.to_unescaped())
    };
    Some((param("realm"), param("service")))
}

/// The token of a token service's answer (`token`, else `access_token`), checked.
pub(super) fn parse_token(body: &[u8]) -> anyhow::Result<String> {
    let answer: TokenAnswer = serde_json::from_slice(body).map_err(|error| {
        anyhow::anyhow!(
            "the answer is not a token ({}): {}",
            quoted(&error.to_string()),
            quoted(&text_lossy(body))
        )
    })?;
    let token = answer
        .token
        .filter(|token| !token.is_empty())
        .or(answer.access_token)
        .context("the answer holds no token")?;
    check_token(&token)?;
    Ok(token)
}

/// A bearer token must be a header value: visible ASCII only (RFC 6750's b64token is
/// narrower still). The client crate built the header with an unwrap and panicked.
pub(super) fn check_token(token: &str) -> anyhow::Result<()> {
    if token.bytes().all(|byte| byte.is_ascii_graphic()) && HeaderValue::from_str(token).is_ok() {
        Ok(())
    } else {
        bail!(
            "the token is not a header value (it holds a control character, a space or a non-ASCII character): {}",
            quoted(token)
        )
    }
}
