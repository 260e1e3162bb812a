//! The Java version a Gradle build script (Groovy or Kotlin DSL) compiles for.
//!
//! A scanner over the script with comments removed, not an interpreter: it finds literal
//! versions in the usual declarations and leaves out any that are computed (a variable, a
//! version catalog entry).

use crate::work;

/// The version declarations of a build script, most authoritative first, as `(where, value)`:
///
/// 1. the toolchain: `languageVersion = JavaLanguageVersion.of(17)`, `.of("21")`,
///    `languageVersion.set(JavaLanguageVersion.of(17))`;
/// 2. the Kotlin plugin's shorthand for it: `jvmToolchain(17)`;
/// 3. `targetCompatibility`, then `sourceCompatibility`: `= JavaVersion.VERSION_17`,
///    `JavaVersion.VERSION_1_8`, `'17'`, `"1.8"`, `17`, `JavaVersion.toVersion("17")`.
///
/// Within each kind, the first literal declaration in the file is taken.
pub(crate) fn version_settings(script: &str) -> Vec<(String, String)> {
    let code = strip_comments(script);
    let mut settings = Vec::new();
    if let Some(value) =
        occurrences(&code, "languageVersion").find_map(|rest| toolchain_version(rest.trim_start()))
    {
        settings.push(("languageVersion".to_string(), value));
    }
    if let Some(value) =
        occurrences(&code, "jvmToolchain").find_map(|rest| call_argument(rest.trim_start()))
    {
        settings.push(("jvmToolchain".to_string(), value));
    }
    for key in ["targetCompatibility", "sourceCompatibility"] {
        if let Some(value) = occurrences(&code, key).find_map(compatibility_version) {
            settings.push((key.to_string(), value));
        }
    }
    settings
}

/// The text after each occurrence of the identifier `word` (not part of a longer identifier),
/// at most [`DECLARATION_WINDOW`] bytes of it: a declaration is read within that window, so
/// each occurrence costs a bounded amount of work however long the script.
fn occurrences<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    work::count(code.len());
    code.match_indices(word).filter_map(move |(index, _)| {
        let before = code[..index].chars().next_back();
        let after = &code[index + word.len()..];
        let is_identifier = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        let standalone =
            !before.is_some_and(is_identifier) && !after.chars().next().is_some_and(is_identifier);
        let declaration = window(after, DECLARATION_WINDOW);
        work::count(declaration.len());
        standalone.then_some(declaration)
    })
}

/// `= JavaLanguageVersion.of(X)` or `.set(JavaLanguageVersion.of(X))`.
fn toolchain_version(rest: &str) -> Option<String> {
    let value = if let Some(assigned) = rest.strip_prefix('=') {
        assigned.trim_start()
    } else {
        let set = rest.strip_prefix('.')?.trim_start().strip_prefix("set")?;
        set.trim_start().strip_prefix('(')?.trim_start()
    };
    let of = value.strip_prefix("JavaLanguageVersion")?.trim_start();
    let of = of.strip_prefix('.')?.trim_start().strip_prefix("of")?;
    call_argument(of.trim_start())
}

/// How far after its name a declaration is read (`= JavaLanguageVersion.of("21")` and the like,
/// with room for whitespace): a bounded look keeps the scan linear however many unterminated
/// declarations a script holds.
const DECLARATION_WINDOW: usize = 256;

/// How far after a call's `(` its literal value is looked for: a literal is a few characters.
const LITERAL_WINDOW: usize = 64;

/// The first `size` bytes of `text` (cut on a character boundary).
fn window(text: &str, size: usize) -> &str {
    let mut end = text.len().min(size);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The literal single argument of a call: `(17)`, `("21")`, `('21')`.
fn call_argument(rest: &str) -> Option<String> {
    let inside = window(rest.strip_prefix('(')?, LITERAL_WINDOW);
    let end = inside.find(')')?;
    literal(inside[..end].trim())
}

/// A number or a quoted string; `None` for anything computed.
fn literal(value: &str) -> Option<String> {
    for quote in ['"', '\''] {
        if let Some(quoted) = value
            .strip_prefix(quote)
            .and_then(|inner| inner.strip_suffix(quote))
        {
            return (!quoted.contains(['$', quote])).then(|| quoted.trim().to_string());
        }
    }
    value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
        .then(|| {
            value
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
                .collect()
        })
}

/// `= JavaVersion.VERSION_17`, `= JavaVersion.toVersion(17)`, `= '17'`, `= 17` (also Groovy's
/// `sourceCompatibility 17` without `=`).
fn compatibility_version(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let value = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    if let Some(member) = value
        .strip_prefix("JavaVersion")
        .map(str::trim_start)
        .and_then(|member| member.strip_prefix('.'))
    {
        let member = member.trim_start();
        if let Some(argument) = member.strip_prefix("toVersion") {
            return call_argument(argument.trim_start());
        }
        let constant: String = member
            .strip_prefix("VERSION_")?
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // VERSION_1_8 -> 1.8, VERSION_17 -> 17 (VERSION_HIGHER and the like are not versions).
        return constant
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
            .then(|| constant.replace('_', "."));
    }
    let value = window(value, LITERAL_WINDOW);
    let end = value.find(['\n', ';', ')', '}']).unwrap_or(value.len());
    literal(value[..end].trim())
}

/// The script with `//` and `/* */` comments replaced by a space, string literals kept (so
/// `"https://..."` stays intact).
fn strip_comments(script: &str) -> String {
    work::count(script.len());
    let mut code = String::with_capacity(script.len());
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(open) = quote {
            code.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    code.push(escaped);
                }
            } else if c == open || c == '\n' {
                quote = None;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for skipped in chars.by_ref() {
                    if previous == '*' && skipped == '/' {
                        break;
                    }
                    previous = skipped;
                }
                code.push(' ');
            }
            ('"' | '\'', _) => {
                quote = Some(c);
                code.push(c);
            }
            _ => code.push(c),
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(place: &str, value: &str) -> (String, String) {
        (place.to_string(), value.to_string())
    }

    #[test]
    fn kotlin_toolchain_forms() {
        for (script, value) in [
            (
                "java { toolchain { languageVersion = JavaLanguageVersion.of(17) } }",
                "17",
            ),
            (
                "java {\n  toolchain {\n    languageVersion = JavaLanguageVersion.of(\"21\")\n  }\n}",
                "21",
            ),
            (
                "java.toolchain.languageVersion.set(JavaLanguageVersion.of(11))",
                "11",
            ),
            (
                "languageVersion . set ( JavaLanguageVersion . of ( 17 ) )",
                "17",
            ),
            (
                "java { toolchain { languageVersion = JavaLanguageVersion.of('21') } }",
                "21",
            ),
        ] {
            assert_eq!(
                version_settings(script),
                [pair("languageVersion", value)],
                "{script}"
            );
        }
    }

    #[test]
    fn groovy_compatibility_and_kotlin_jvm_toolchain() {
        let script = "plugins { id 'java' }\n\
                      sourceCompatibility = '1.8'\n\
                      targetCompatibility = JavaVersion.VERSION_11\n\
                      kotlin { jvmToolchain(17) }\n";
        assert_eq!(
            version_settings(script),
            [
                pair("jvmToolchain", "17"),
                pair("targetCompatibility", "11"),
                pair("sourceCompatibility", "1.8"),
            ]
        );
        for (script, value) in [
            (
                "java { sourceCompatibility = JavaVersion.VERSION_1_8 }",
                "1.8",
            ),
            ("sourceCompatibility 17\n", "17"),
            (
                "java.sourceCompatibility = JavaVersion.toVersion(\"21\")",
                "21",
            ),
        ] {
            let expected = [pair("sourceCompatibility", value)];
            assert_eq!(version_settings(script), expected, "{script}");
        }
    }

    #[test]
    fn comments_are_ignored_and_strings_kept() {
        let script = "// languageVersion = JavaLanguageVersion.of(8)\n\
                      /* languageVersion = JavaLanguageVersion.of(11) */\n\
                      repositories { maven { url = uri(\"https://repo.example/x\") } }\n\
                      java { toolchain { languageVersion = JavaLanguageVersion.of(21) } } // trailing\n";
        assert_eq!(version_settings(script), [pair("languageVersion", "21")]);
    }

    #[test]
    fn computed_versions_are_left_out() {
        let script = "val javaVersion = 17\n\
                      java { toolchain { languageVersion = JavaLanguageVersion.of(javaVersion) } }\n\
                      java { toolchain { languageVersion.set(JavaLanguageVersion.of(libs.versions.java.get())) } }\n\
                      kotlin { jvmToolchain(\"${'$'}{javaVersion}\") }\n\
                      sourceCompatibility = JavaVersion.VERSION_HIGHER\n\
                      targetCompatibility = project.javaVersion\n\
                      java { toolchain { languageVersion = JavaLanguageVersion.of(17) } }\n";
        // The first two toolchain declarations are computed; the last one is a literal.
        assert_eq!(version_settings(script), [pair("languageVersion", "17")]);
    }

    #[test]
    fn identifiers_must_stand_alone_and_garbage_is_reported() {
        assert!(version_settings("mylanguageVersion = JavaLanguageVersion.of(17)").is_empty());
        assert_eq!(
            version_settings("languageVersion = JavaLanguageVersion.of(\"latest\")"),
            [pair("languageVersion", "latest")]
        );
    }

    #[test]
    fn unterminated_declarations_are_linear() {
        // Each declaration looked for its `)` to the end of the script (6 s on 1.3 MB before):
        // the work counted on 8 times the declarations is at most 24 times the work.
        let work = |script: &str| work::counted(|| drop(version_settings(script)));
        let script = format!(
            "{}\njava {{ toolchain {{ languageVersion = JavaLanguageVersion.of(21) }} }}",
            "jvmToolchain(".repeat(100_000)
        );
        assert_eq!(version_settings(&script), [pair("languageVersion", "21")]);
        for declaration in [
            "jvmToolchain(",
            "sourceCompatibility = '",
            "sourceCompatibility = JavaVersion.VERSION_",
            "languageVersion = JavaLanguageVersion.of(",
            "languageVersion.set(",
            "targetCompatibility = JavaVersion.toVersion(",
        ] {
            fuzz_check::assert_linear(
                declaration,
                |n| format!("{}{declaration}", declaration.repeat(n)),
                2_000,
                work,
            );
        }
    }

    #[test]
    fn malformed_scripts_never_panic() {
        for script in [
            "",
            "languageVersion",
            "languageVersion =",
            "languageVersion = JavaLanguageVersion.of(",
            "languageVersion.set(",
            "jvmToolchain(",
            "sourceCompatibility",
            "sourceCompatibility = JavaVersion.",
            "/* unterminated",
            "\"unterminated string",
            "'\\",
            "é languageVersion=JavaLanguageVersion.of(ü)",
        ] {
            let _ = version_settings(script);
        }
    }
}
