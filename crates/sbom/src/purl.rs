//! Package URLs (`pkg:<type>/<namespace>/<name>@<version>?<qualifiers>`), percent-encoded as the
//! purl specification asks: every byte but ASCII letters, digits and `.-_~` is encoded (so an
//! RPM release's `+` becomes `%2B`); the namespace keeps its `/` separators.
//!
//! Qualifiers are written in the order they are added (callers add them in the order their
//! documents have always had).

use std::fmt;

/// A package URL.
///
/// ```
/// let purl = sbom::purl::Purl::new("golang", "uuid")
///     .namespace("github.com/google")
///     .version("v1.6.0+incompatible");
/// assert_eq!(purl.to_string(), "pkg:golang/github.com/google/uuid@v1.6.0%2Bincompatible");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    kind: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// `pkg:<kind>/<name>`.
    #[must_use]
    pub fn new(kind: &str, name: &str) -> Self {
        Self {
            kind: kind.to_string(),
            namespace: None,
            name: name.to_string(),
            version: None,
            qualifiers: Vec::new(),
        }
    }

    /// The purl of a path-named package (a Go module: `github.com/google/uuid`): the last
    /// segment is the name, the segments before it the namespace.
    #[must_use]
    pub fn from_path(kind: &str, path: &str) -> Self {
        match path.rsplit_once('/') {
            Some((namespace, name)) => Self::new(kind, name).namespace(namespace),
            None => Self::new(kind, path),
        }
    }

    /// Sets the namespace (`/`-separated segments).
    #[must_use]
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string());
        self
    }

    /// Sets the version.
    #[must_use]
    pub fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_string());
        self
    }

    /// Adds the qualifier `key=value` after those already added.
    #[must_use]
    pub fn qualifier(mut self, key: &str, value: &str) -> Self {
        self.qualifiers.push((key.to_string(), value.to_string()));
        self
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.kind)?;
        if let Some(namespace) = &self.namespace {
            for segment in namespace.split('/') {
                write!(f, "{}/", encode(segment))?;
            }
        }
        f.write_str(&encode(&self.name))?;
        if let Some(version) = &self.version {
            write!(f, "@{}", encode(version))?;
        }
        for (index, (key, value)) in self.qualifiers.iter().enumerate() {
            let separator = if index == 0 { '?' } else { '&' };
            write!(f, "{separator}{key}={}", encode(value))?;
        }
        Ok(())
    }
}

/// Percent-encodes everything but ASCII letters, digits and `.-_~`.
#[must_use]
pub fn encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".-_~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_are_encoded() {
        assert_eq!(encode("17.0.10+7"), "17.0.10%2B7");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn golang_purls() {
        assert_eq!(
            Purl::from_path("golang", "a/b+c")
                .version("v1.0.0+incompatible")
                .to_string(),
            "pkg:golang/a/b%2Bc@v1.0.0%2Bincompatible"
        );
        assert_eq!(
            Purl::from_path("golang", "stdlib")
                .version("1.26.8")
                .to_string(),
            "pkg:golang/stdlib@1.26.8"
        );
        assert_eq!(
            Purl::from_path("golang", "example.com/local").to_string(),
            "pkg:golang/example.com/local"
        );
    }

    #[test]
    fn qualifiers_in_the_order_added() {
        assert_eq!(
            Purl::new("rpm", "nodejs")
                .namespace("redhat")
                .version("20.11.1-1.module+el8")
                .qualifier("arch", "x86_64")
                .qualifier("epoch", "1")
                .to_string(),
            "pkg:rpm/redhat/nodejs@20.11.1-1.module%2Bel8?arch=x86_64&epoch=1"
        );
        assert_eq!(
            Purl::new("generic", "openjdk-jdk")
                .version("17.0.10")
                .qualifier("arch", "amd64")
                .to_string(),
            "pkg:generic/openjdk-jdk@17.0.10?arch=amd64"
        );
    }
}
