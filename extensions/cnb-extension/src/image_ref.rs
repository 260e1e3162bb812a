//! Container image references, parsed by the grammar of the OCI distribution reference
//! (`[domain[:port]/]path[:tag][@digest]`), so that only a real reference can reach a `FROM` line.

use std::fmt;
use std::str::FromStr;

/// The longest repository name (domain and path) a registry accepts.
const MAX_NAME_LENGTH: usize = 255;
/// The longest tag the reference grammar accepts.
const MAX_TAG_LENGTH: usize = 128;

/// A parsed image reference such as `paketobuildpacks/run-nodejs-20-ubi8-base`,
/// `localhost:5000/run:20` or `registry.access.redhat.com/ubi8/ubi-minimal@sha256:…`.
///
/// Parsing follows the reference grammar of the distribution spec: lower-case path components
/// separated by `/`, an optional registry domain (recognised as Docker does: the first component
/// contains `.` or `:`, or is `localhost`), an optional tag and an optional digest. Anything else
/// (whitespace, shell syntax, a second line, `${...}`) is rejected.
///
/// ```
/// use cnb_extension::ImageReference;
///
/// let image: ImageReference = "localhost:5000/paketo/run-nodejs-20:latest".parse().unwrap();
/// assert_eq!(image.domain(), Some("localhost:5000"));
/// assert_eq!(image.path(), "paketo/run-nodejs-20");
/// assert_eq!(image.tag(), Some("latest"));
///
/// assert!("run image; rm -rf /".parse::<ImageReference>().is_err());
/// assert!("ubuntu\nRUN id".parse::<ImageReference>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageReference {
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageReference {
    /// The registry domain (with port) when the reference names one.
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The repository path, e.g. `paketobuildpacks/run-nodejs-20-ubi8-base`.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag, without the `:`.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, e.g. `sha256:0123…`.
    #[must_use]
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }
}

impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(domain) = &self.domain {
            write!(f, "{domain}/")?;
        }
        f.write_str(&self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReferenceError {
    /// The rejected input, verbatim.
    pub input: String,
    /// What was wrong with it.
    pub reason: String,
}

impl fmt::Display for ImageReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an image reference ({}); expected [registry[:port]/]path[:tag][@algorithm:hex], \
             with lower-case path components",
            self.input, self.reason
        )
    }
}

impl std::error::Error for ImageReferenceError {}

impl FromStr for ImageReference {
    type Err = ImageReferenceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| ImageReferenceError {
            input: input.to_string(),
            reason,
        };
        if input.is_empty() {
            return Err(error("it is empty".to_string()));
        }
        if let Some(c) = input
            .chars()
            .find(|c| !(c.is_ascii_graphic() && *c != '"' && *c != '\'' && *c != '\\'))
        {
            return Err(error(format!("it contains the character {c:?}")));
        }

        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(error)?;
                (rest, Some(digest.to_string()))
            }
            None => (input, None),
        };

        // A tag follows the last ':' that comes after the last '/'; a ':' before it is a port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                validate_tag(tag).map_err(error)?;
                (&rest[..last_slash + i], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.len() > MAX_NAME_LENGTH {
            return Err(error(format!(
                "the name is longer than {MAX_NAME_LENGTH} characters"
            )));
        }

        let (domain, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                validate_domain(first).map_err(error)?;
                (Some(first.to_string()), remainder)
            }
            _ => (None, name),
        };
        for component in path.split('/') {
            validate_path_component(component).map_err(error)?;
        }

        Ok(Self {
            domain,
            path: path.to_string(),
            tag,
            digest,
        })
    }
}

fn validate_path_component(component: &str) -> Result<(), String> {
    // [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    let bytes = component.as_bytes();
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let invalid = || {
        Err(format!(
            "path component {component:?} must be lower-case letters and digits, separated by '.', '_', '__' or dashes"
        ))
    };
    if bytes.is_empty()
        || !bytes.first().copied().is_some_and(alphanumeric)
        || !bytes.last().copied().is_some_and(alphanumeric)
    {
        return invalid();
    }
    let mut separator = String::new();
    for &b in bytes {
        if alphanumeric(b) {
            if !(separator.is_empty()
                || separator == "."
                || separator == "_"
                || separator == "__"
                || separator.bytes().all(|s| s == b'-'))
            {
                return invalid();
            }
            separator.clear();
        } else if matches!(b, b'.' | b'_' | b'-') {
            separator.push(char::from(b));
        } else {
            return invalid();
        }
    }
    Ok(())
}

fn validate_domain(domain: &str) -> Result<(), String> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("registry port {port:?} must be digits"));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if host.split('.').all(valid_label) {
        Ok(())
    } else {
        Err(format!(
            "registry {host:?} must be host name labels of letters, digits and inner dashes"
        ))
    }
}

fn validate_tag(tag: &str) -> Result<(), String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let valid = tag.len() <= MAX_TAG_LENGTH
        && tag.as_bytes().first().copied().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "tag {tag:?} must be 1 to {MAX_TAG_LENGTH} letters, digits, '_', '.' or '-', not starting with '.' or '-'"
        ))
    }
}

fn validate_digest(digest: &str) -> Result<(), String> {
    let invalid = || {
        Err(format!(
            "digest {digest:?} must be algorithm:hex with at least 32 hex digits"
        ))
    };
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return invalid();
    };
    let algorithm_ok = algorithm
        .split(['-', '_', '+', '.'])
        .all(|part| part.as_bytes().first().is_some_and(u8::is_ascii_alphabetic))
        && algorithm
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_+.".contains(&b));
    if algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        invalid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ImageReference, ImageReferenceError> {
        s.parse()
    }

    #[test]
    fn accepts_the_references_extensions_use() {
        for (input, domain, path, tag) in [
            (
                "paketobuildpacks/run-nodejs-20-ubi8-base",
                None,
                "paketobuildpacks/run-nodejs-20-ubi8-base",
                None,
            ),
            ("ubuntu", None, "ubuntu", None),
            (
                "docker.io/paketobuildpacks/ubi-10-run-nodejs-24-base:latest",
                Some("docker.io"),
                "paketobuildpacks/ubi-10-run-nodejs-24-base",
                Some("latest"),
            ),
            (
                "localhost/run-java-17:test",
                Some("localhost"),
                "run-java-17",
                Some("test"),
            ),
            (
                "localhost:5000/a/b__c/d-e.f:v1.2_3",
                Some("localhost:5000"),
                "a/b__c/d-e.f",
                Some("v1.2_3"),
            ),
            ("Registry/x", Some("Registry"), "x", None),
        ] {
            let image = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(image.domain(), domain, "{input}");
            assert_eq!(image.path(), path, "{input}");
            assert_eq!(image.tag(), tag, "{input}");
            assert_eq!(image.to_string(), input);
        }
    }

    #[test]
    fn accepts_digests() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let image = parse(&format!("quay.io/x/y:1@{digest}")).unwrap();
        assert_eq!(image.digest(), Some(digest.as_str()));
        assert_eq!(image.tag(), Some("1"));
    }

    #[test]
    fn rejects_injection_and_malformed_references() {
        for input in [
            "",
            "ubuntu\nRUN id",
            "ubuntu RUN",
            "ubuntu;id",
            "${base_image}",
            "$(id)",
            "Ubuntu",
            "a//b",
            "/ubuntu",
            "ubuntu/",
            "ubuntu:",
            "ubuntu:.tag",
            "ubuntu:tag:more",
            "ubuntu@sha256:abc",
            "ubuntu@sha256",
            "localhost:port/x",
            "-registry.io/x",
            "a--",
            "a..b",
            "a___b",
            "x\"y",
            "x'y",
            "ubuntu\\",
        ] {
            assert!(parse(input).is_err(), "{input:?} must be rejected");
        }
    }

    #[test]
    fn errors_name_the_input_and_the_expected_form() {
        let message = parse("Run Image").unwrap_err().to_string();
        assert!(message.contains("\"Run Image\""), "{message}");
        assert!(
            message.contains("expected [registry[:port]/]path"),
            "{message}"
        );
    }

    #[test]
    fn rejects_overlong_names_and_tags() {
        assert!(parse(&"a".repeat(256)).is_err());
        assert!(parse(&"a".repeat(255)).is_ok());
        assert!(parse(&format!("a:{}", "t".repeat(129))).is_err());
        assert!(parse(&format!("a:{}", "t".repeat(128))).is_ok());
    }
}
