//! The main section of a JAR manifest (`META-INF/MANIFEST.MF`).

/// The path of the manifest in an app directory (an exploded JAR) or inside a JAR.
pub const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";

/// The attributes of a manifest's main section, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    attributes: Vec<(String, String)>,
}

impl Manifest {
    /// Parses a manifest leniently: `Name: value` lines, continuation lines (starting with one
    /// space) joined to the line before, the main section ending at the first empty line. Lines
    /// without `:` are skipped; nothing fails.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut lines: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                break;
            }
            match (line.strip_prefix(' '), lines.last_mut()) {
                (Some(continuation), Some(last)) => last.push_str(continuation),
                _ => lines.push(line.to_string()),
            }
        }
        let attributes = lines
            .into_iter()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                let name = name.trim();
                (!name.is_empty()).then(|| (name.to_string(), value.trim().to_string()))
            })
            .collect();
        Self { attributes }
    }

    /// The value of the first attribute named `name` (names are case-insensitive, as the JAR
    /// specification says), `None` when absent or empty.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_continuations_and_sections() {
        let manifest = Manifest::parse(
            "Manifest-Version: 1.0\r\nMain-Class: com.example.VeryLong\r\n ClassName\r\nbuild-jdk-spec:  17 \r\nNo colon here\r\nEmpty:\r\n\r\nName: other/section\r\nMain-Class: not.This\r\n",
        );
        assert_eq!(
            manifest.get("Main-Class"),
            Some("com.example.VeryLongClassName")
        );
        assert_eq!(manifest.get("Build-Jdk-Spec"), Some("17"));
        assert_eq!(manifest.get("Empty"), None);
        assert_eq!(manifest.get("Name"), None);
        assert_eq!(manifest.get("Missing"), None);
    }

    #[test]
    fn garbage_is_an_empty_manifest() {
        assert_eq!(Manifest::parse("\u{0}\u{1}binary"), Manifest::default());
        assert_eq!(Manifest::parse(""), Manifest::default());
        assert_eq!(
            Manifest::parse(" leading continuation"),
            Manifest::parse("x")
        );
    }
}
