//! The bundled font embedded in report.docx, as Word embeds fonts (ECMA-376 Part 1,
//! §17.8.1): the font file with its first 32 bytes XORed with a key, the key's GUID named in
//! fontTable.xml. Word and LibreOffice then set the text in the report's own font on a
//! machine without it; fontTable.xml also names the font's other name and its script (GB
//! 2312), from which a reader that ignores embedded fonts picks a Chinese sans-serif.

use sha2::{Digest, Sha256};

/// The family name the styles use (the bundled OTF's name table).
pub const FAMILY: &str = "Noto Sans CJK SC";
/// The same design's other published name, for readers that have it installed.
pub const ALT_NAME: &str = "Source Han Sans SC";

/// A font ready to embed: its obfuscated bytes and the key's GUID (`{8-4-4-4-12}`).
pub struct Embedded {
    pub key: String,
    pub bytes: Vec<u8>,
}

/// The key of a font: a GUID taken from the font's SHA-256, so the same font gives the same
/// key (and the same bytes) on every build.
pub fn key_for(font: &[u8]) -> String {
    let hash = Sha256::digest(font);
    let hex: String = hash[..16].iter().map(|b| format!("{b:02X}")).collect();
    format!("{{{}-{}-{}-{}-{}}}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The 16 key bytes of a GUID: its hex digits as bytes, in reverse order.
fn key_bytes(guid: &str) -> [u8; 16] {
    let hex: Vec<u8> = guid.bytes().filter(u8::is_ascii_hexdigit).collect();
    let mut key = [0u8; 16];
    for (i, pair) in hex.chunks(2).take(16).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
        key[15 - i] = digit(pair[0]) * 16 + digit(pair[1]);
    }
    key
}

/// XORs the first 32 bytes with the key (its own inverse: the same call de-obfuscates).
pub fn obfuscate(font: &[u8], guid: &str) -> Vec<u8> {
    let key = key_bytes(guid);
    let mut bytes = font.to_vec();
    for (i, b) in bytes.iter_mut().take(32).enumerate() {
        *b ^= key[i % 16];
    }
    bytes
}

/// A font file embedded under its own key.
pub fn embed(font: &[u8]) -> Embedded {
    let key = key_for(font);
    Embedded { bytes: obfuscate(font, &key), key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_bytes_are_the_guid_reversed() {
        let key = key_bytes("{00112233-4455-6677-8899-AABBCCDDEEFF}");
        assert_eq!(key, [0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00]);
    }

    #[test]
    fn obfuscation_touches_32_bytes_and_undoes_itself() {
        let font: Vec<u8> = (0..100u8).collect();
        let guid = key_for(&font);
        assert_eq!(guid.len(), 38);
        let hidden = obfuscate(&font, &guid);
        assert_ne!(hidden[..32], font[..32]);
        assert_eq!(hidden[32..], font[32..]);
        assert_eq!(obfuscate(&hidden, &guid), font);
        assert_eq!(embed(&font).key, guid, "the same font, the same key");
    }
}
