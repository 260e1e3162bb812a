//! Quoting untrusted values in messages: a version string or a setting can be megabytes long
//! or hold control characters, so a message shows a bounded, escaped prefix.

/// How many characters of a value [`quoted`] shows.
pub const QUOTE_LIMIT: usize = 64;

/// `value` quoted for a message (control characters escaped, as Rust's `{:?}` shows them),
/// cut after [`QUOTE_LIMIT`] characters with the value's whole size said.
///
/// ```
/// use cnb_output::quoted;
///
/// assert_eq!(quoted("20; id"), r#""20; id""#);
/// assert_eq!(quoted("a\nb"), r#""a\nb""#);
/// let long = "x".repeat(1000);
/// assert_eq!(
///     quoted(&long),
///     format!("{:?}… (cut, 1000 bytes in all)", "x".repeat(64))
/// );
/// ```
#[must_use]
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTE_LIMIT) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}… (cut, {} bytes in all)", &value[..cut], value.len()),
    }
}

/// `value` as it is when it is short and one plain line (a number or a JSON or TOML fragment
/// that already shows its own quotes), else [`quoted`].
///
/// ```
/// use cnb_output::bounded;
///
/// assert_eq!(bounded("20"), "20");
/// assert_eq!(bounded(r#"["node","x"]"#), r#"["node","x"]"#);
/// assert_eq!(bounded("a\nb"), r#""a\nb""#);
/// assert!(bounded(&"x".repeat(1000)).ends_with("… (cut, 1000 bytes in all)"));
/// ```
#[must_use]
pub fn bounded(value: &str) -> String {
    if value.chars().count() <= QUOTE_LIMIT && !value.chars().any(char::is_control) {
        value.to_string()
    } else {
        quoted(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_quoted_whole() {
        assert_eq!(quoted(""), r#""""#);
        assert_eq!(quoted(&"é".repeat(64)), format!("{:?}", "é".repeat(64)));
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let value = "é".repeat(65);
        assert_eq!(
            quoted(&value),
            format!("{:?}… (cut, 130 bytes in all)", "é".repeat(64))
        );
    }

    #[test]
    fn a_ten_megabyte_value_gives_a_short_message() {
        let value = "1".repeat(10 << 20);
        assert!(quoted(&value).len() < 120);
    }
}
