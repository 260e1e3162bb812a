//! Container image references, parsed by the grammar of the OCI distribution reference
//! (`[domain[:port]/]path[:tag][@digest]`), so that only a real reference can reach a `FROM` line.

use crate::untrusted::quoted;
use std::fmt;
use std::str::FromStr;

/// The longest repository path the reference grammar accepts.
const MAX_NAME_LENGTH: usize = 255;
/// The longest tag the reference grammar accepts.
const MAX_TAG_LENGTH: usize = 128;
/// The longest input parsed at all: a path (255), a tag (128) and a sha512 digest (135)
/// leave about 500 characters for the registry, far more than a host name (253) and a port.
const MAX_REFERENCE_LENGTH: usize = 1024;
/// The digest algorithms Docker (go-digest) supports, with their lengths in hex digits.
const DIGEST_ALGORITHMS: [(&str, usize); 3] = [("sha256", 64), ("sha384", 96), ("sha512", 128)];

/// A parsed image reference such as `paketobuildpacks/run-nodejs-20-ubi8-base`,
/// `localhost:5000/run:20` or `registry.access.redhat.com/ubi8/ubi-minimal@sha256:…`.
///
/// Parsing follows the reference grammar of `github.com/distribution/reference` as Docker
/// applies it: lower-case path components separated by `/` (at most 255 characters in all), an
/// optional registry (recognised as Docker does: the first component contains `.` or `:`, is
/// `localhost` or has upper-case letters; host name labels or an IPv6 address in brackets, and a
/// port from 1 to 65535), an optional tag (at most 128 characters) and an optional digest of an
/// algorithm Docker supports with its exact length of lower-case hex (`sha256`: 64, `sha384`: 96,
/// `sha512`: 128). `scratch` (reserved: no image can be pulled by that name) and a bare 64-digit
/// image id are refused, and so is anything longer than 1024 characters or holding anything else
/// (whitespace, shell syntax, a second line, `${...}`). Parsing takes linear time.
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
            "{} is not an image reference ({}); expected [registry[:port]/]path[:tag][@algorithm:hex], \
             with lower-case path components",
            quoted(&self.input),
            self.reason
        )
    }
}

impl std::error::Error for ImageReferenceError {}

impl FromStr for ImageReference {
    type Err = ImageReferenceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        parse(input).map_err(|reason| ImageReferenceError {
            input: input.to_string(),
            reason,
        })
    }
}

/// The reference grammar, in one pass over at most [`MAX_REFERENCE_LENGTH`] bytes.
fn parse(input: &str) -> Result<ImageReference, String> {
    if input.is_empty() {
        return Err("it is empty".to_string());
    }
    if input.len() > MAX_REFERENCE_LENGTH {
        return Err(format!(
            "it is longer than {MAX_REFERENCE_LENGTH} characters"
        ));
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-:/@+[]".contains(*c)))
    {
        return Err(format!("it contains the character {c:?}"));
    }
    if input.len() == 64 && input.bytes().all(is_lower_hex) {
        return Err("64 hexadecimal digits are an image id, not a repository name".to_string());
    }

    let (rest, digest) = match input.split_once('@') {
        Some((rest, digest)) => {
            validate_digest(digest)?;
            (rest, Some(digest.to_string()))
        }
        None => (input, None),
    };

    // A tag follows the last ':' that comes after the last '/'; a ':' before it is a port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let tag = &rest[last_slash + i + 1..];
            validate_tag(tag)?;
            (&rest[..last_slash + i], Some(tag.to_string()))
        }
        None => (rest, None),
    };

    // The first component is the registry when Docker would read it so: it holds '.' or ':'
    // (a host name, an address, a port), is `localhost`, or has upper-case letters.
    let (domain, path) = match name.split_once('/') {
        Some((first, remainder))
            if first.contains(['.', ':', '['])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            validate_domain(first)?;
            (Some(first.to_string()), remainder)
        }
        _ => (None, name),
    };
    if path.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "the repository path is longer than {MAX_NAME_LENGTH} characters"
        ));
    }
    for component in path.split('/') {
        validate_path_component(component)?;
    }
    let docker_hub = matches!(
        domain.as_deref(),
        None | Some("docker.io" | "index.docker.io")
    );
    if docker_hub && matches!(path, "scratch" | "library/scratch") {
        return Err("'scratch' is a reserved name, not an image that can be pulled".to_string());
    }

    Ok(ImageReference {
        domain,
        path: path.to_string(),
        tag,
        digest,
    })
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn validate_path_component(component: &str) -> Result<(), String> {
    // [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    let bytes = component.as_bytes();
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let invalid = || {
        Err(format!(
            "path component {} must be lower-case letters and digits, separated by '.', '_', '__' or dashes",
            quoted(component)
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

/// `host[:port]`: host name labels, or an IPv6 address in brackets; a port from 1 to 65535.
fn validate_domain(domain: &str) -> Result<(), String> {
    let port = if domain.starts_with('[') {
        let Some(end) = domain.find(']') else {
            return Err(format!("registry {} has no closing ']'", quoted(domain)));
        };
        let (host, after) = domain.split_at(end + 1);
        let address = &host[1..host.len() - 1];
        if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(format!(
                "registry {} must be an IPv6 address of hex digits and ':' in brackets",
                quoted(host)
            ));
        }
        match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(format!("registry {} is malformed", quoted(domain))),
        }
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        };
        let valid_label = |label: &str| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !host.split('.').all(valid_label) {
            return Err(format!(
                "registry {} must be host name labels of letters, digits and inner dashes",
                quoted(host)
            ));
        }
        port
    };
    if let Some(port) = port {
        let valid = port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port
                .parse::<u32>()
                .is_ok_and(|port| (1..=65535).contains(&port));
        if !valid {
            return Err(format!(
                "registry port {} must be a number from 1 to 65535",
                quoted(port)
            ));
        }
    }
    Ok(())
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
            "tag {} must be 1 to {MAX_TAG_LENGTH} letters, digits, '_', '.' or '-', not starting with '.' or '-'",
            quoted(tag)
        ))
    }
}

/// `algorithm:hex` as the grammar defines it, with the algorithms Docker (go-digest) supports
/// and their exact lengths of lower-case hex: any other algorithm is refused, as Docker
/// refuses it ("unsupported digest algorithm").
fn validate_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "digest {} must be algorithm:hex, e.g. sha256:<64 hex digits>",
            quoted(digest)
        ));
    };
    let component = |part: &str| {
        part.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && part.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    let grammatical = algorithm.split(['-', '_', '+', '.']).all(component)
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(&(_, digits)) = DIGEST_ALGORITHMS
        .iter()
        .find(|(name, _)| *name == algorithm)
    else {
        return Err(if grammatical {
            format!(
                "digest algorithm {} is not supported: expected sha256, sha384 or sha512",
                quoted(algorithm)
            )
        } else {
            format!(
                "digest {} must be algorithm:hex, e.g. sha256:<64 hex digits>",
                quoted(digest)
            )
        });
    };
    if hex.len() == digits && hex.bytes().all(is_lower_hex) {
        Ok(())
    } else {
        Err(format!(
            "a {algorithm} digest is {digits} lower-case hex digits, not {}",
            quoted(hex)
        ))
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
    fn digests_follow_the_registered_algorithms_and_their_lengths() {
        for (algorithm, digits) in [("sha256", 64), ("sha384", 96), ("sha512", 128)] {
            let good = format!("quay.io/x/y@{algorithm}:{}", "0a".repeat(digits / 2));
            assert!(parse(&good).is_ok(), "{good}");
            for bad_hex in [
                "a".repeat(digits - 1),
                "a".repeat(digits + 1),
                "A".repeat(digits),
                "g".repeat(digits),
            ] {
                let bad = format!("quay.io/x/y@{algorithm}:{bad_hex}");
                assert!(parse(&bad).is_err(), "{bad}");
            }
        }
        // The cases of issue 13: short, huge, upper-case, unsupported algorithms.
        for (input, reason) in [
            (
                format!("ubuntu@sha256:{}", "a".repeat(32)),
                "a sha256 digest is 64 lower-case hex digits",
            ),
            (
                format!("ubuntu@sha256:{}", "a".repeat(100_000)),
                "it is longer than 1024 characters",
            ),
            (
                format!("ubuntu@sha256:{}", "A".repeat(64)),
                "a sha256 digest is 64 lower-case hex digits",
            ),
            (
                format!("ubuntu@md5:{}", "a".repeat(32)),
                "digest algorithm \"md5\" is not supported",
            ),
            (
                format!("ubuntu@sha256+b64:{}", "a".repeat(64)),
                "digest algorithm \"sha256+b64\" is not supported",
            ),
            ("ubuntu@md5:abc".to_string(), "must be algorithm:hex"),
            ("ubuntu@1sha:abc".to_string(), "must be algorithm:hex"),
        ] {
            let error = parse(&input).unwrap_err();
            assert!(error.reason.contains(reason), "{input}: {error}");
        }
    }

    #[test]
    fn ports_are_1_to_65535_and_ipv6_registries_are_accepted() {
        for good in [
            "localhost:1/x",
            "localhost:65535/x",
            "[::1]/x",
            "[::1]:5000/x:t",
            "[2001:db8::1]:443/a/b@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            let image = parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(image.to_string(), good);
        }
        assert_eq!(
            parse("[::1]:5000/x:t").unwrap().domain(),
            Some("[::1]:5000")
        );
        for bad in [
            "localhost:99999999/x",
            "localhost:65536/x",
            "localhost:0/x",
            "localhost:/x",
            "[::1/x",
            "[]/x",
            "[::g]/x",
            "[::1]x/y",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(
            parse("localhost:99999999/x")
                .unwrap_err()
                .reason
                .contains("from 1 to 65535")
        );
    }

    #[test]
    fn scratch_and_image_ids_are_refused() {
        for bad in [
            "scratch",
            "scratch:latest",
            "library/scratch",
            "docker.io/library/scratch",
            "index.docker.io/scratch",
            &"0123456789abcdef".repeat(4),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for good in ["quay.io/scratch", "me/scratch", "scratchy"] {
            assert!(parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn errors_quote_a_bounded_prefix_of_the_input() {
        let long = format!("{}!", "a".repeat(1000));
        let message = parse(&long).unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");
        assert!(message.contains("(cut, 1001 bytes in all)"), "{message}");
    }

    #[test]
    fn fuzz_image_reference() {
        let digest = format!("sha256:{}", "e3b0c44298fc1c149afbf4c8996fb924".repeat(2));
        let seeds = [
            "paketobuildpacks/run-nodejs-20-ubi8-base".to_string(),
            "docker.io/paketobuildpacks/ubi-10-run-nodejs-24-base:latest".to_string(),
            "localhost:5000/a/b__c/d-e.f:v1.2_3".to_string(),
            format!("quay.io/x/y:1@{digest}"),
            format!("[2001:db8::1]:443/a/b@{digest}"),
            format!(
                "registry.access.redhat.com/ubi8/ubi-minimal@sha512:{}",
                "ab".repeat(64)
            ),
        ];
        let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
        fuzz_check::fuzz_text("image reference (cnb-extension)", &seeds, |input| {
            if let Ok(image) = parse(input) {
                // What parses prints back as the input, and parses again.
                assert_eq!(image.to_string(), input);
                assert!(!input.contains(['\n', ' ', '$', '"', '\'']));
            }
        });
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
        assert!(parse(&format!("registry.io/{}", "a".repeat(255))).is_ok());
        assert!(parse(&format!("a:{}", "t".repeat(129))).is_err());
        assert!(parse(&format!("a:{}", "t".repeat(128))).is_ok());
    }
}
