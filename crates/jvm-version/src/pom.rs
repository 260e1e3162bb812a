//! The Java version a Maven `pom.xml` compiles for, found with a small, tolerant XML scanner.
//!
//! Not a validating XML parser: it reads elements, text, comments, CDATA, processing
//! instructions and doctypes, recovers from unclosed or stray tags, and never fails. It is enough
//! for the few elements read here, and it is linear in the input: every character is looked at
//! a bounded number of times. (A strict XML crate would refuse the malformed poms this scanner
//! reads what it can from; Maven is the judge of a pom's validity, not detect.)
//!
//! `${...}` references are resolved within the pom, with the work and the result bounded: at
//! most [`MAX_SUBSTITUTIONS`] substitutions and [`MAX_EXPANSION`] bytes per setting, so that
//! properties referencing each other (a "billion laughs" pom) are an error, not a hang.

use crate::work;
use std::collections::BTreeMap;
use std::fmt;

/// Elements nested deeper than this are skipped (keeps malformed input from building an
/// unbounded tree).
const MAX_DEPTH: usize = 64;
/// `${...}` references are resolved at most this deep (property cycles end there).
const MAX_RESOLUTION_DEPTH: usize = 16;
/// The most bytes a version setting may expand to (a Java version is a few characters).
pub const MAX_EXPANSION: usize = 1024;
/// The most `${...}` substitutions resolving one setting may make.
pub const MAX_SUBSTITUTIONS: usize = 1000;

/// The plugin whose `<configuration>` is read.
const COMPILER_PLUGIN: &str = "maven-compiler-plugin";

/// Why a setting's `${...}` references cannot be expanded within the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpansionError {
    /// The expanded value is longer than [`MAX_EXPANSION`] bytes.
    TooLarge,
    /// Expanding it takes more than [`MAX_SUBSTITUTIONS`] substitutions.
    TooManySubstitutions,
}

impl fmt::Display for ExpansionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(
                f,
                "its ${{...}} property references expand to more than {MAX_EXPANSION} bytes"
            ),
            Self::TooManySubstitutions => write!(
                f,
                "expanding its ${{...}} property references takes more than \
                 {MAX_SUBSTITUTIONS} substitutions"
            ),
        }
    }
}

impl std::error::Error for ExpansionError {}

/// A version setting of a pom: where it is, and its value with `${...}` resolved.
pub(crate) type Setting = (String, Result<String, ExpansionError>);

/// The version settings of a pom, most authoritative first, as `(where, value)` with `${...}`
/// references resolved against the pom's own `<properties>`. Settings whose references cannot
/// be resolved here (e.g. a property of a parent pom, a cycle) are left out; settings whose
/// expansion exceeds the bounds are an [`ExpansionError`].
///
/// The order is what the Maven compiler plugin uses: its `<configuration>` overrides the
/// `maven.compiler.*` properties, `release` wins over `target`, which wins over `source`; Spring
/// Boot's `java.version` property comes last.
pub(crate) fn version_settings(text: &str) -> Vec<Setting> {
    let document = parse(text);
    let Some(project) = document.child("project") else {
        return Vec::new();
    };
    let properties: BTreeMap<&str, &str> = project
        .child("properties")
        .map(|properties| {
            properties
                .children
                .iter()
                .map(|property| (property.name.as_str(), property.text.trim()))
                .collect()
        })
        .unwrap_or_default();
    let plugin_configuration = project.child("build").and_then(|build| {
        let plugins = build.child("plugins").into_iter().chain(
            build
                .child("pluginManagement")
                .and_then(|management| management.child("plugins")),
        );
        plugins
            .flat_map(|plugins| plugins.children_named("plugin"))
            .filter(|plugin| {
                plugin
                    .child("artifactId")
                    .is_some_and(|id| id.text.trim() == COMPILER_PLUGIN)
            })
            .find_map(|plugin| plugin.child("configuration"))
    });

    let mut settings = Vec::new();
    for key in ["release", "target", "source"] {
        if let Some(value) = plugin_configuration
            .and_then(|configuration| configuration.child(key))
            .map(|element| element.text.trim())
        {
            settings.push((format!("{COMPILER_PLUGIN} <{key}>"), value));
        }
        let property = format!("maven.compiler.{key}");
        if let Some(value) = properties.get(property.as_str()) {
            settings.push((format!("<{property}>"), value));
        }
    }
    if let Some(value) = properties.get("java.version") {
        settings.push(("<java.version>".to_string(), value));
    }
    settings
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .filter_map(|(place, value)| Some((place, resolve(value, &properties).transpose()?)))
        .collect()
}

/// `value` with every `${name}` replaced by the property's (resolved) value; `Ok(None)` if a
/// reference is unknown, unterminated or too deep (a cycle).
fn resolve(
    value: &str,
    properties: &BTreeMap<&str, &str>,
) -> Result<Option<String>, ExpansionError> {
    let mut expander = Expander {
        properties,
        substitutions: 0,
        out: String::new(),
    };
    Ok(expander
        .expand(value, 0)?
        .then(|| expander.out.trim().to_string()))
}

/// Expands references into `out`, counting the substitutions.
struct Expander<'a> {
    properties: &'a BTreeMap<&'a str, &'a str>,
    substitutions: usize,
    out: String,
}

impl Expander<'_> {
    /// Appends `value` expanded; `Ok(false)` when a reference cannot be resolved.
    fn expand(&mut self, value: &str, depth: usize) -> Result<bool, ExpansionError> {
        if depth > MAX_RESOLUTION_DEPTH {
            return Ok(false);
        }
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            self.push(&rest[..start])?;
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Ok(false);
            };
            let Some(replacement) = self.properties.get(after[..end].trim()) else {
                return Ok(false);
            };
            self.substitutions += 1;
            if self.substitutions > MAX_SUBSTITUTIONS {
                return Err(ExpansionError::TooManySubstitutions);
            }
            if !self.expand(replacement, depth + 1)? {
                return Ok(false);
            }
            rest = &after[end + 1..];
        }
        self.push(rest)?;
        Ok(true)
    }

    fn push(&mut self, text: &str) -> Result<(), ExpansionError> {
        if self.out.len() + text.len() > MAX_EXPANSION {
            return Err(ExpansionError::TooLarge);
        }
        self.out.push_str(text);
        Ok(())
    }
}

/// An element: its local name (namespace prefix dropped), its text and its child elements.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }
}

/// Parses `text` into a document element whose children are the top-level elements.
fn parse(text: &str) -> Element {
    // stack[0] is the document; the last element is the one being filled.
    let mut stack: Vec<Element> = vec![Element::default()];
    // How many open tags deeper than MAX_DEPTH were skipped: as many end tags are skipped too
    // (a count, not their names, so that each end tag costs the same however deep the input).
    let mut skipped: usize = 0;
    let mut rest = text;
    work::count(text.len());
    while !rest.is_empty() {
        work::count(1);
        let Some(open) = rest.find('<') else {
            append_text(&mut stack, rest);
            break;
        };
        append_text(&mut stack, &rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            if let Some(current) = stack.last_mut() {
                current.text.push_str(&after[..end]);
            }
            rest = after.get(end + 3..).unwrap_or("");
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').unwrap_or(after.len());
            close(&mut stack, &mut skipped, local_name(after[..end].trim()));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let after = &rest[1..];
            let end = tag_end(after);
            let tag = &after[..end];
            rest = after.get(end + 1..).unwrap_or("");
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = local_name(
                tag.split(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or_default(),
            );
            if name.is_empty() {
                // A lone '<': keep it as text.
                append_text(&mut stack, "<");
                continue;
            }
            if stack.len() > MAX_DEPTH || skipped > 0 {
                if !self_closing {
                    skipped += 1;
                }
                continue;
            }
            let element = Element {
                name: name.to_string(),
                ..Element::default()
            };
            if self_closing {
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            } else {
                stack.push(element);
            }
        }
    }
    // Close whatever is still open at the end of the input.
    while stack.len() > 1 {
        pop_into_parent(&mut stack);
    }
    stack.pop().unwrap_or_default()
}

/// The end of a start tag: the first `>` outside a quoted attribute value (or the end).
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (index, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '>') => return index,
            _ => {}
        }
    }
    tag.len()
}

fn local_name(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn append_text(stack: &mut [Element], text: &str) {
    if let Some(current) = stack.last_mut()
        && !text.is_empty()
    {
        current.text.push_str(&decode_entities(text));
    }
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Handles `</name>`: ends one skipped element if any is open, else closes the innermost open
/// element of that name and any open inside it (at most [`MAX_DEPTH`] are open); an end tag
/// that matches nothing is ignored.
fn close(stack: &mut Vec<Element>, skipped: &mut usize, name: &str) {
    if *skipped > 0 {
        *skipped -= 1;
        return;
    }
    work::count(stack.len());
    if let Some(position) = stack.iter().skip(1).rposition(|open| open.name == name) {
        while stack.len() > position + 1 {
            pop_into_parent(stack);
        }
    }
}

fn pop_into_parent(stack: &mut Vec<Element>) {
    work::count(1);
    if stack.len() > 1
        && let Some(element) = stack.pop()
        && let Some(parent) = stack.last_mut()
    {
        parent.children.push(element);
    }
}

/// A pom whose `maven.compiler.release` is `${p0}`, where each of `levels` properties
/// references the next `references` times and the last is `leaf`: the pom of issue 13 is
/// `property_bomb(9, 10, "lol")`, 641 bytes for 10^9 substitutions.
#[cfg(test)]
pub(crate) fn property_bomb(levels: usize, references: usize, leaf: &str) -> String {
    use std::fmt::Write;
    let mut properties = format!("<p{levels}>{leaf}</p{levels}>");
    for level in 0..levels {
        let value = format!("${{p{}}}", level + 1).repeat(references);
        let _ = write!(properties, "<p{level}>{value}</p{level}>");
    }
    format!(
        "<project><properties><maven.compiler.release>${{p0}}</maven.compiler.release>\
         {properties}</properties></project>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pom: &str) -> Vec<(String, String)> {
        version_settings(pom)
            .into_iter()
            .map(|(place, value)| (place, value.unwrap()))
            .collect()
    }

    fn pair(place: &str, value: &str) -> (String, String) {
        (place.to_string(), value.to_string())
    }

    #[test]
    fn properties_in_priority_order() {
        let pom = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <properties>
    <java.version>11</java.version>
    <maven.compiler.source>1.8</maven.compiler.source>
    <maven.compiler.target>17</maven.compiler.target>
    <maven.compiler.release>21</maven.compiler.release>
  </properties>
</project>"#;
        assert_eq!(
            settings(pom),
            [
                pair("<maven.compiler.release>", "21"),
                pair("<maven.compiler.target>", "17"),
                pair("<maven.compiler.source>", "1.8"),
                pair("<java.version>", "11"),
            ]
        );
    }

    #[test]
    fn compiler_plugin_configuration_wins_and_references_resolve() {
        let pom = r"<project>
  <properties>
    <jdk>${jdk.major}</jdk>
    <jdk.major>17</jdk.major>
    <maven.compiler.release>11</maven.compiler.release>
  </properties>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-surefire-plugin</artifactId>
        <configuration><release>8</release></configuration>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
        <configuration>
          <release>${jdk}</release>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>";
        assert_eq!(
            settings(pom),
            [
                pair("maven-compiler-plugin <release>", "17"),
                pair("<maven.compiler.release>", "11"),
            ]
        );
    }

    #[test]
    fn plugin_management_is_read_too() {
        let pom = "<project><build><pluginManagement><plugins><plugin>\
                   <artifactId>maven-compiler-plugin</artifactId>\
                   <configuration><source>1.8</source><target>1.8</target></configuration>\
                   </plugin></plugins></pluginManagement></build></project>";
        assert_eq!(
            settings(pom),
            [
                pair("maven-compiler-plugin <target>", "1.8"),
                pair("maven-compiler-plugin <source>", "1.8"),
            ]
        );
    }

    #[test]
    fn comments_cdata_and_profiles() {
        let pom = r"<project>
  <!-- <properties><maven.compiler.release>8</maven.compiler.release></properties> -->
  <properties>
    <!-- the release: -->
    <maven.compiler.release><![CDATA[21]]></maven.compiler.release>
  </properties>
  <profiles><profile><properties><java.version>8</java.version></properties></profile></profiles>
</project>";
        assert_eq!(settings(pom), [pair("<maven.compiler.release>", "21")]);
    }

    #[test]
    fn unresolvable_and_cyclic_references_are_left_out() {
        let pom = "<project><properties>\
                   <maven.compiler.release>${parent.java}</maven.compiler.release>\
                   <maven.compiler.target>${a}</maven.compiler.target><a>${b}</a><b>${a}</b>\
                   <maven.compiler.source>${unterminated</maven.compiler.source>\
                   <java.version>17</java.version>\
                   </properties></project>";
        assert_eq!(settings(pom), [pair("<java.version>", "17")]);
    }

    #[test]
    fn garbage_is_reported_as_is() {
        let pom = "<project><properties><maven.compiler.release>latest</maven.compiler.release></properties></project>";
        assert_eq!(settings(pom), [pair("<maven.compiler.release>", "latest")]);
    }

    #[test]
    fn malformed_input_never_panics() {
        let inputs = [
            "",
            "<",
            "<<<>>>",
            "</project>",
            "<project",
            "<project><properties><java.version>17",
            "<project><properties><java.version>17</properties></project>",
            "<project><!-- unterminated",
            "<project><![CDATA[ unterminated",
            "<project a='>' b=\"<\"><properties><java.version>21</java.version></properties>",
            "<project>&amp;&lt;&bogus;</project>",
            "\u{0}\u{fffd}<é:ü>ß</é:ü>",
            "<?xml",
            "<!DOCTYPE",
        ];
        for input in inputs {
            let _ = settings(input);
        }
        // Unclosed elements are closed at the end, so the property is still found.
        assert_eq!(
            settings("<project><properties><java.version>17"),
            [pair("<java.version>", "17")]
        );
        assert_eq!(
            settings(
                "<project a='>' b=\"<\"><properties><java.version>21</java.version></properties>"
            ),
            [pair("<java.version>", "21")]
        );
        // A stray end tag closes the open elements inside its match.
        assert_eq!(
            settings("<project><properties><java.version>17</properties></project>"),
            [pair("<java.version>", "17")]
        );
    }

    #[test]
    fn a_property_expansion_bomb_is_an_error_in_bounded_time() {
        let pom = property_bomb(9, 10, "lol");
        assert_eq!(
            pom,
            include_str!("../../../tests/fixtures/ubi-java/pom-expansion-bomb.xml")
        );
        // The work is bounded by counting substitutions and bytes: the bounds are the errors.
        let settings = version_settings(&pom);
        assert_eq!(
            settings,
            [(
                "<maven.compiler.release>".to_string(),
                Err(ExpansionError::TooLarge)
            )]
        );
        // Empty leaves: the work is bounded even when the result stays small.
        assert_eq!(
            version_settings(&property_bomb(9, 10, ""))[0].1,
            Err(ExpansionError::TooManySubstitutions)
        );
        // Few references, a large result.
        assert_eq!(
            version_settings(&property_bomb(4, 4, &"x".repeat(100)))[0].1,
            Err(ExpansionError::TooLarge)
        );
        // Within the bounds, references still resolve.
        assert_eq!(
            version_settings(&property_bomb(3, 2, "1"))[0].1,
            Ok("11111111".to_string())
        );
        assert_eq!(
            ExpansionError::TooManySubstitutions.to_string(),
            "expanding its ${...} property references takes more than 1000 substitutions"
        );
        assert_eq!(
            ExpansionError::TooLarge.to_string(),
            "its ${...} property references expand to more than 1024 bytes"
        );
    }

    #[test]
    fn unmatched_end_tags_are_linear() {
        // Deep open tags then as many end tags that match none of them (a minute on 700 KB
        // before): the work counted on 8 times the tags is at most 24 times the work.
        let pom = |n: usize| {
            format!(
                "<project><properties><java.version>17</java.version></properties>{}{}</project>",
                "<a>".repeat(n),
                "</b>".repeat(2 * n)
            )
        };
        assert_eq!(settings(&pom(70_000)), [pair("<java.version>", "17")]);
        let work = |pom: &str| work::counted(|| drop(version_settings(pom)));
        fuzz_check::assert_linear("unmatched end tags", pom, 2_000, work);
        fuzz_check::assert_linear("open tags", |n| "<a>".repeat(n), 2_000, work);
        fuzz_check::assert_linear(
            "end tags closing deep nesting",
            |n| format!("{}{}", "<a><b>".repeat(n), "</a>".repeat(n)),
            2_000,
            work,
        );
    }

    #[test]
    fn fuzz_pom() {
        let seeds = [
            include_str!("../../../tests/fixtures/apps/java-maven-release-21/pom.xml"),
            include_str!("../../../tests/fixtures/apps/java-maven-http/pom.xml"),
            &property_bomb(9, 10, "lol"),
            &property_bomb(3, 2, "1"),
            "<project><build><pluginManagement><plugins><plugin>\
             <artifactId>maven-compiler-plugin</artifactId><configuration><release>${r}</release>\
             </configuration></plugin></plugins></pluginManagement></build>\
             <properties><r><![CDATA[17]]></r><!-- c --></properties></project>",
        ];
        fuzz_check::fuzz_text("pom.xml (with ${...} expansion)", &seeds, |input| {
            let _ = version_settings(input);
        });
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "<a>".repeat(100_000);
        let pom = format!(
            "<project><properties><java.version>17</java.version></properties>{deep}</project>"
        );
        assert_eq!(settings(&pom), [pair("<java.version>", "17")]);
    }
}
