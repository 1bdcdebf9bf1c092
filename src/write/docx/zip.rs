//! The package: a plain zip (no zip64, no extra fields) with a fixed timestamp and the parts
//! in the order they are added, so the same parts give the same bytes on every build.
//! XML is deflated; PNGs and fonts, already compressed, are stored.

/// 1980-01-01 00:00, the earliest time a zip can hold (DOS date: day 1, month 1, year 0).
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// How an entry's bytes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }
}

struct Entry {
    name: String,
    method: Method,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// A zip being written into memory.
#[derive(Default)]
pub struct Zip {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
}

impl Zip {
    pub fn new() -> Zip {
        Zip::default()
    }

    /// Adds one part. Names are the package's own (ASCII); a docx stays far below 4 GB.
    pub fn add(&mut self, name: &str, data: &[u8], method: Method) {
        debug_assert!(!self.entries.iter().any(|e| e.name == name), "part {name} added twice");
        let crc = crc32fast::hash(data);
        let deflated;
        let body = match method {
            Method::Stored => data,
            Method::Deflated => {
                deflated = miniz_oxide::deflate::compress_to_vec(data, 6);
                &deflated[..]
            }
        };
        let entry = Entry {
            name: name.to_string(),
            method,
            crc,
            compressed: body.len() as u32,
            size: data.len() as u32,
            offset: self.bytes.len() as u32,
        };
        let b = &mut self.bytes;
        put32(b, 0x0403_4b50);
        put16(b, 20); // version needed: 2.0 (deflate)
        put16(b, 0); // flags
        put16(b, method.code());
        put16(b, DOS_TIME);
        put16(b, DOS_DATE);
        put32(b, entry.crc);
        put32(b, entry.compressed);
        put32(b, entry.size);
        put16(b, entry.name.len() as u16);
        put16(b, 0); // extra field length
        b.extend_from_slice(entry.name.as_bytes());
        b.extend_from_slice(body);
        self.entries.push(entry);
    }

    /// The central directory and its end record after the parts: the finished file.
    pub fn finish(mut self) -> Vec<u8> {
        let start = self.bytes.len() as u32;
        let b = &mut self.bytes;
        for e in &self.entries {
            put32(b, 0x0201_4b50);
            put16(b, 20); // made by: 2.0, MS-DOS attributes
            put16(b, 20);
            put16(b, 0);
            put16(b, e.method.code());
            put16(b, DOS_TIME);
            put16(b, DOS_DATE);
            put32(b, e.crc);
            put32(b, e.compressed);
            put32(b, e.size);
            put16(b, e.name.len() as u16);
            put16(b, 0); // extra
            put16(b, 0); // comment
            put16(b, 0); // disk
            put16(b, 0); // internal attributes
            put32(b, 0); // external attributes
            put32(b, e.offset);
            b.extend_from_slice(e.name.as_bytes());
        }
        let size = b.len() as u32 - start;
        put32(b, 0x0605_4b50);
        put16(b, 0);
        put16(b, 0);
        put16(b, self.entries.len() as u16);
        put16(b, self.entries.len() as u16);
        put32(b, size);
        put32(b, start);
        put16(b, 0); // comment
        self.bytes
    }
}

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Reads a zip written by [`Zip`] back: (name, bytes) in order, checking each CRC.
    pub(crate) fn read(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) as usize;
        let end = zip.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
        let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
        let mut parts = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(at), 0x0201_4b50);
            let (method, crc, csize, name_len, offset) =
                (u16_at(at + 10), u32_at(at + 16), u32_at(at + 20), u16_at(at + 28), u32_at(at + 42));
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
            let data_at = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
            let body = &zip[data_at..data_at + csize];
            let data = if method == 8 { miniz_oxide::inflate::decompress_to_vec(body).unwrap() } else { body.to_vec() };
            assert_eq!(crc32fast::hash(&data) as usize, crc, "CRC of {name}");
            parts.push((name, data));
            at += 46 + name_len;
        }
        parts
    }

    #[test]
    fn parts_come_back_in_order_with_their_bytes() {
        let mut zip = Zip::new();
        zip.add("[Content_Types].xml", b"<Types/>", Method::Deflated);
        zip.add("word/media/a.png", &[0x89, b'P', b'N', b'G', 0, 1, 2], Method::Stored);
        zip.add("word/document.xml", "<w:document>中文</w:document>".repeat(50).as_bytes(), Method::Deflated);
        let bytes = zip.finish();
        let parts = read(&bytes);
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["[Content_Types].xml", "word/media/a.png", "word/document.xml"]);
        assert_eq!(parts[1].1, [0x89, b'P', b'N', b'G', 0, 1, 2]);
        assert!(String::from_utf8(parts[2].1.clone()).unwrap().starts_with("<w:document>中文"));
    }

    #[test]
    fn the_same_parts_give_the_same_bytes() {
        let make = || {
            let mut zip = Zip::new();
            zip.add("a.xml", b"<a/>", Method::Deflated);
            zip.add("b.bin", b"\x00\x01", Method::Stored);
            zip.finish()
        };
        assert_eq!(make(), make());
        // The fixed timestamp: 1980-01-01 00:00 in every local header.
        let bytes = make();
        assert_eq!(&bytes[10..14], &[0, 0, 0x21, 0]);
    }
}
