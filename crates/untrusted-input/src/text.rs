//! Text from untrusted bytes: every text file a module reads is decoded here, so that each
//! accepts what editors write, a leading byte order mark included.

/// The byte order mark (U+FEFF) in UTF-8, which some editors (Windows Notepad, some IDEs) write
/// at the start of a file. UTF-8 needs none; a reader that kept it would see it as part of the
/// first word (`\u{feff}17` is no Java version).
const BYTE_ORDER_MARK_UTF8: &[u8] = "\u{feff}".as_bytes();

/// `bytes` as text, without a leading byte order mark; invalid UTF-8 sequences are replaced
/// (U+FFFD), so that a message can quote them.
#[must_use]
pub fn text_lossy(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK_UTF8).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// `bytes` as UTF-8 text, without a leading byte order mark; `None` when they are not UTF-8.
#[must_use]
pub fn text_utf8(mut bytes: Vec<u8>) -> Option<String> {
    if bytes.starts_with(BYTE_ORDER_MARK_UTF8) {
        bytes.drain(..BYTE_ORDER_MARK_UTF8.len());
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leading_byte_order_mark_is_dropped() {
        assert_eq!(BYTE_ORDER_MARK_UTF8, [0xef, 0xbb, 0xbf]);
        for (bytes, text) in [
            (&b"\xef\xbb\xbf"[..], ""),
            (b"\xef\xbb\xbf20\r\n", "20\r\n"),
            (b"20", "20"),
            (b"", ""),
            // Only a leading one, and only one: the rest is the file's.
            (b"2\xef\xbb\xbf0", "2\u{feff}0"),
            (b"\xef\xbb\xbf\xef\xbb\xbf20", "\u{feff}20"),
        ] {
            assert_eq!(text_lossy(bytes), text, "{bytes:?}");
            assert_eq!(
                text_utf8(bytes.to_vec()).as_deref(),
                Some(text),
                "{bytes:?}"
            );
        }
        // A truncated mark is no mark.
        assert_eq!(text_lossy(b"\xef\xbb20"), "\u{fffd}20");
        assert_eq!(text_utf8(b"\xef\xbb20".to_vec()), None);
    }
}
