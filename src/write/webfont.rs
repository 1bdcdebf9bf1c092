//! A web font of exactly the characters a page uses, for `report-standalone.html`: the
//! bundled OpenType font cut by Typst's subsetter (the one the PDF uses) to those glyphs,
//! with the two tables a browser needs and a PDF does not, which the subsetter leaves out:
//! a character map (`cmap`, format 4) and `OS/2` (copied from the full font).

use std::collections::BTreeSet;

use ab_glyph::Font;

/// An OpenType font (CFF outlines) with the glyphs of `chars` that the font has.
/// [`subset`], remembering the last cut: `serve` renders the page on every save, and a save
/// seldom brings a character the page did not have.
pub fn subset_remembered(font: &[u8], chars: &BTreeSet<char>) -> Result<std::sync::Arc<Vec<u8>>, String> {
    use std::sync::{Arc, Mutex};
    static LAST: Mutex<Option<(u128, Arc<Vec<u8>>)>> = Mutex::new(None);
    let text: String = chars.iter().collect();
    let key = xxhash_rust::xxh3::xxh3_128(font) ^ xxhash_rust::xxh3::xxh3_128(text.as_bytes()).rotate_left(1);
    if let Some((k, cut)) = LAST.lock().ok().and_then(|last| last.clone())
        && k == key
    {
        return Ok(cut);
    }
    let cut = Arc::new(subset(font, chars)?);
    if let Ok(mut last) = LAST.lock() {
        *last = Some((key, cut.clone()));
    }
    Ok(cut)
}

pub fn subset(font: &[u8], chars: &BTreeSet<char>) -> Result<Vec<u8>, String> {
    let face = ab_glyph::FontRef::try_from_slice(font).map_err(|e| format!("not a usable OpenType font: {e}"))?;
    let mut remapper = subsetter::GlyphRemapper::new();
    // Characters in order, each with its glyph in the subset: a format-4 segment per run.
    let mut map: Vec<(u16, u16)> = Vec::new();
    for &c in chars {
        let gid = face.glyph_id(c).0;
        if gid == 0 || (c as u32) > 0xFFFF {
            continue;
        }
        map.push((c as u16, remapper.remap(gid)));
    }
    let cut = subsetter::subset(font, 0, &remapper).map_err(|e| format!("could not subset the font: {e}"))?;
    let mut tables = tables(&cut).ok_or("the subset font has no table directory")?;
    let os2 = tables_of(font, b"OS/2").ok_or("the font has no OS/2 table")?;
    tables.push((*b"OS/2", os2.to_vec()));
    tables.push((*b"cmap", cmap(&map)));
    Ok(assemble(&cut[0..4], tables))
}

/// The tables of an OpenType font, by tag.
fn tables(font: &[u8]) -> Option<Vec<([u8; 4], Vec<u8>)>> {
    let count = u16::from_be_bytes(font.get(4..6)?.try_into().ok()?) as usize;
    (0..count)
        .map(|i| {
            let record = font.get(12 + 16 * i..28 + 16 * i)?;
            let tag: [u8; 4] = record[0..4].try_into().ok()?;
            let offset = u32::from_be_bytes(record[8..12].try_into().ok()?) as usize;
            let length = u32::from_be_bytes(record[12..16].try_into().ok()?) as usize;
            Some((tag, font.get(offset..offset + length)?.to_vec()))
        })
        .collect()
}

fn tables_of<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let count = u16::from_be_bytes(font.get(4..6)?.try_into().ok()?) as usize;
    (0..count).find_map(|i| {
        let record = font.get(12 + 16 * i..28 + 16 * i)?;
        if &record[0..4] != tag {
            return None;
        }
        let offset = u32::from_be_bytes(record[8..12].try_into().ok()?) as usize;
        let length = u32::from_be_bytes(record[12..16].try_into().ok()?) as usize;
        font.get(offset..offset + length)
    })
}

/// A `cmap` with one subtable, platform 3 (Windows) encoding 1 (Unicode BMP), format 4.
fn cmap(map: &[(u16, u16)]) -> Vec<u8> {
    // Runs of consecutive characters with consecutive glyphs share a segment.
    let mut segments: Vec<(u16, u16, u16)> = Vec::new(); // (start, end, first glyph)
    for &(c, g) in map {
        match segments.last_mut() {
            Some((start, end, first)) if c == *end + 1 && g == *first + (c - *start) => *end = c,
            _ => segments.push((c, c, g)),
        }
    }
    segments.push((0xFFFF, 0xFFFF, 0));
    let n = segments.len() as u16;
    let power = 1u16 << (15 - n.leading_zeros().min(15));
    let (search, selector) = (2 * power, power.trailing_zeros() as u16);
    let mut sub = Vec::new();
    let length = 16 + 8 * n;
    for v in [4, length, 0, 2 * n, search, selector, 2 * n - search] {
        sub.extend(v.to_be_bytes());
    }
    segments.iter().for_each(|s| sub.extend(s.1.to_be_bytes()));
    sub.extend(0u16.to_be_bytes());
    segments.iter().for_each(|s| sub.extend(s.0.to_be_bytes()));
    // The last segment maps 0xFFFF to glyph 0: a delta of 1.
    segments.iter().for_each(|s| sub.extend(if s.0 == 0xFFFF { 1u16 } else { s.2.wrapping_sub(s.0) }.to_be_bytes()));
    segments.iter().for_each(|_| sub.extend(0u16.to_be_bytes()));
    let mut out = Vec::new();
    for v in [0u16, 1, 3, 1] {
        out.extend(v.to_be_bytes());
    }
    out.extend(12u32.to_be_bytes());
    out.extend(sub);
    out
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Writes an OpenType font from its tables: sorted by tag, 4-byte aligned, with checksums
/// and the head table's checksum adjustment.
fn assemble(version: &[u8], mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|(tag, _)| *tag);
    let n = tables.len() as u16;
    let power = 1u16 << (15 - n.leading_zeros().min(15));
    let mut out = version.to_vec();
    for v in [n, 16 * power, power.trailing_zeros() as u16, 16 * n - 16 * power] {
        out.extend(v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &mut tables {
        if tag == b"head" && data.len() >= 12 {
            data[8..12].fill(0);
            head_at = Some(offset);
        }
        out.extend(*tag);
        out.extend(checksum(data).to_be_bytes());
        out.extend((offset as u32).to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

/// Base64 (RFC 4648, padded), for a `data:` URL.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_subset_of_the_bundled_font_draws_exactly_its_characters() {
        let font = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/NotoSansSC-subset.otf")).unwrap();
        let chars: BTreeSet<char> = "区块链 2023 年（亿元）".chars().collect();
        let cut = subset(&font, &chars).unwrap();
        assert!(cut.len() < 20_000, "{} bytes", cut.len());
        let (full, small) = (ab_glyph::FontRef::try_from_slice(&font).unwrap(), ab_glyph::FontRef::try_from_slice(&cut).unwrap());
        for c in chars.iter().filter(|c| **c != ' ') {
            let (a, b) = (full.glyph_id(*c), small.glyph_id(*c));
            assert_ne!(b.0, 0, "{c} is in the subset");
            assert_eq!(full.h_advance_unscaled(a), small.h_advance_unscaled(b), "{c} keeps its width");
        }
        assert_eq!(small.glyph_id('中').0, 0, "a character the page does not use is not in it");
        assert_eq!(subset(&font, &chars).unwrap(), cut, "deterministic");
    }

    #[test]
    fn the_character_map_finds_each_glyph() {
        let map = [(0x41, 1), (0x42, 2), (0x4E2D, 3), (0x6587, 9)];
        let table = cmap(&map);
        let sub = &table[12..];
        let n = (u16::from_be_bytes([sub[6], sub[7]]) / 2) as usize;
        assert_eq!(n, 4, "A-B share a segment, then 中, 文 and the end");
        let at = |array: usize, i: usize| {
            let o = 14 + array * (2 * n) + if array > 0 { 2 } else { 0 } + 2 * i;
            u16::from_be_bytes([sub[o], sub[o + 1]])
        };
        let lookup = |c: u16| (0..n).find(|&i| at(0, i) >= c && at(1, i) <= c).map(|i| c.wrapping_add(at(2, i)));
        for (c, g) in map {
            assert_eq!(lookup(c), Some(g), "U+{c:04X}");
        }
        assert_eq!(u16::from_be_bytes([sub[2], sub[3]]) as usize, sub.len(), "the subtable's length");
    }
}
