//! Bytes to text: byte-order marks, UTF-16, binary files.

/// Decode a file's bytes. UTF-8 (with or without BOM) and UTF-16 (with BOM) are accepted;
/// anything else is refused with a reason, so it can be reported as WF000.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes)".to_string());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(format!("not valid UTF-8 (line {line})"))
        }
    }
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> Result<String, String> {
    if bytes.len() % 2 != 0 {
        return Err("truncated UTF-16 text (odd number of bytes)".to_string());
    }
    let units = bytes.chunks_exact(2).map(|c| word([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| "invalid UTF-16 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bom_utf16_and_refuses_binary() {
        let cases: &[(&[u8], Result<&str, &str>)] = &[
            (b"FROM a\n", Ok("FROM a\n")),
            (b"\xEF\xBB\xBFFROM a", Ok("FROM a")),
            (b"\xFF\xFEF\x00R\x00", Ok("FR")),
            (b"\xFE\xFF\x00F\x00R", Ok("FR")),
            (b"\x7FELF\x00\x01", Err("binary file (contains NUL bytes)")),
            (b"a\nb\xFF", Err("not valid UTF-8 (line 2)")),
            (b"\xFF\xFEF", Err("truncated UTF-16 text (odd number of bytes)")),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input).as_deref(), want.map_err(str::to_string).as_deref());
        }
    }
}
