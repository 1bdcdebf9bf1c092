//! What changed between two versions of the served page, as elements to replace: the page
//! then parses a few kilobytes instead of the whole page with its inline charts. Works on
//! the text this program writes (well-formed HTML); anything it cannot vouch for gives no
//! patch, and the page falls back to fetching the whole new version.

use serde::Serialize;

/// One element to replace: where it is (indices among element children, from `<body>`),
/// its tag (checked before replacing) and its new HTML.
#[derive(Debug, Serialize, PartialEq)]
pub struct Patch {
    pub at: Vec<usize>,
    pub tag: String,
    pub html: String,
}

/// Elements whose children are compared one by one; anything else is replaced whole. Only
/// elements the HTML parser never restructures (a table gains a `tbody`, a paragraph is
/// closed by a block).
const CONTAINERS: [&str; 9] = ["body", "div", "main", "nav", "details", "ol", "ul", "section", "aside"];

/// Elements without an end tag.
const VOID: [&str; 10] = ["br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"];

/// The patches that turn the page `old` into `new`; `None` when there is no such list (the
/// head or the page around the body changed, a script changed, the structure changed at the
/// top, or the text is not understood): the page then compares the whole version, or reloads.
pub fn diff(old: &str, new: &str) -> Option<Vec<Patch>> {
    let (old_outside, old_body) = split_body(old)?;
    let (new_outside, new_body) = split_body(new)?;
    if old_outside != new_outside {
        return None;
    }
    let (Some(a), Some(b)) = (parse(old_body, 0, None)?.0, parse(new_body, 0, None)?.0) else { return None };
    let mut patches = Vec::new();
    compare(&a, &b, &mut Vec::new(), &mut patches)?.then_some(patches)
}

/// The page without its body's content, and the body's content.
fn split_body(page: &str) -> Option<((&str, &str), &str)> {
    let open = page.find("<body")?;
    let inner = open + page[open..].find('>')? + 1;
    let close = page.rfind("</body>")?;
    (inner <= close).then(|| ((&page[..inner], &page[close..]), &page[inner..close]))
}

/// An element: its tag, its start tag, its whole text, and its children when there is
/// nothing but elements and whitespace inside it.
struct Element<'a> {
    tag: &'a str,
    start_tag: &'a str,
    whole: &'a str,
    children: Option<Level<'a>>,
}

/// The elements inside an element, and the whitespace around them.
#[derive(Default)]
struct Level<'a> {
    elements: Vec<Element<'a>>,
    gaps: Vec<&'a str>,
}

/// Parses `s` from `pos` up to the end tag `</close>` (to the end of `s` for `None`), once
/// for the whole page: the level (`None` when it holds text or comments) and where it ends.
fn parse<'a>(s: &'a str, mut pos: usize, close: Option<&str>) -> Option<(Option<Level<'a>>, usize)> {
    let mut level = Some(Level::default());
    loop {
        let next = s[pos..].find('<').map(|o| pos + o);
        let gap = &s[pos..next.unwrap_or(s.len())];
        if !gap.trim().is_empty() {
            level = None;
        }
        if let Some(l) = level.as_mut() {
            l.gaps.push(gap);
        }
        let Some(next) = next else {
            return close.is_none().then_some((level, s.len()));
        };
        if s[next..].starts_with("</") {
            let end = next + s[next..].find('>')?;
            return (Some(&s[next + 2..end]) == close).then_some((level, end + 1));
        }
        if s[next..].starts_with("<!--") {
            pos = next + s[next..].find("-->")? + 3;
            level = None;
            continue;
        }
        let (tag, start_end, closed) = start_tag(s, next)?;
        let (children, end) = if closed || VOID.contains(&tag) {
            (Some(Level::default()), start_end)
        } else if tag == "script" || tag == "style" {
            (None, start_end + s[start_end..].find(&format!("</{tag}>"))? + tag.len() + 3)
        } else {
            parse(s, start_end, Some(tag))?
        };
        if let Some(l) = level.as_mut() {
            l.elements.push(Element { tag, start_tag: &s[next..start_end], whole: &s[next..end], children });
        }
        pos = end;
    }
}

/// Compares two versions of a level. `Some(true)`: `patches` now turns one into the other;
/// `Some(false)`: not element by element (replace the element around it whole); `None`:
/// only a reload is faithful.
fn compare(a: &Level, b: &Level, at: &mut Vec<usize>, patches: &mut Vec<Patch>) -> Option<bool> {
    if a.elements.len() != b.elements.len() || a.gaps != b.gaps {
        return Some(false);
    }
    for (i, (x, y)) in a.elements.iter().zip(&b.elements).enumerate() {
        if x.whole == y.whole {
            continue;
        }
        at.push(i);
        let inside = x.start_tag == y.start_tag
            && CONTAINERS.contains(&x.tag)
            && match (&x.children, &y.children) {
                (Some(p), Some(q)) => compare(p, q, at, patches)?,
                _ => false,
            };
        if !inside {
            if runs_script(x.whole) || runs_script(y.whole) {
                return None;
            }
            patches.push(Patch { at: at.clone(), tag: y.tag.to_string(), html: y.whole.to_string() });
        }
        at.pop();
    }
    Some(true)
}

/// Whether HTML holds a script that runs (a JSON data block does not).
fn runs_script(html: &str) -> bool {
    html.match_indices("<script").any(|(i, _)| {
        let tag = &html[i..i + html[i..].find('>').unwrap_or(0)];
        !tag.contains("application/json")
    })
}

/// The start tag at `start`: its name, where it ends, and whether it closes itself (`/>`).
/// Bytes, not characters: the delimiters are ASCII, which UTF-8 never uses inside a character.
fn start_tag(s: &str, start: usize) -> Option<(&str, usize, bool)> {
    let rest = &s.as_bytes()[start + 1..];
    let name_len = rest.iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))?;
    if name_len == 0 {
        return None;
    }
    let mut i = name_len;
    loop {
        i += rest[i..].iter().position(|c| matches!(c, b'>' | b'"' | b'\''))?;
        match rest[i] {
            b'>' => return Some((&s[start + 1..start + 1 + name_len], start + 1 + i + 1, rest[i - 1] == b'/')),
            quote => i += 1 + rest[i + 1..].iter().position(|c| *c == quote)? + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!("<!DOCTYPE html><html><head><title>t</title></head><body>\n{body}\n</body></html>")
    }

    #[test]
    fn a_changed_paragraph_is_the_one_patch() {
        let old = page(
            "<nav><ol><li>a</li><li>b</li></ol></nav>\n<main id=\"main\">\n<h2 id=\"x\">一</h2>\n<p>甲 <span class=\"num\">1</span></p>\n<figure><svg viewBox=\"0 0 1 1\"><g/></svg></figure>\n</main>",
        );
        let new = old.replace("甲 <span class=\"num\">1</span>", "甲 <span class=\"num\">2</span>");
        let patches = diff(&old, &new).unwrap();
        assert_eq!(patches, vec![Patch { at: vec![1, 1], tag: "p".into(), html: "<p>甲 <span class=\"num\">2</span></p>".into() }]);
    }

    #[test]
    fn the_contents_and_the_heading_change_together() {
        let old = page("<nav><ol><li>一</li><li>b</li></ol></nav>\n<main>\n<h2>一</h2>\n<p>x</p>\n</main>");
        let new = old.replace("一", "一改");
        let at: Vec<Vec<usize>> = diff(&old, &new).unwrap().into_iter().map(|p| p.at).collect();
        assert_eq!(at, vec![vec![0, 0, 0], vec![1, 0]]);
    }

    #[test]
    fn a_changed_head_or_script_or_structure_needs_a_reload() {
        let old = page("<main><p>x</p></main>\n<script>var a = 1;</script>");
        assert_eq!(diff(&old, &old.replace("<title>t", "<title>u")), None);
        assert_eq!(diff(&old, &old.replace("a = 1", "a = 2")), None);
        assert_eq!(diff(&old, &old.replace("</main>", "</main><p>new</p>")), None);
        // An added paragraph inside main replaces main whole; a chart's JSON is data.
        let json = page("<main><p>x</p><script type=\"application/json\" id=\"m\">{\"a\":1}</script></main>");
        let patches = diff(&json, &json.replace("\"a\":1", "\"a\":2")).unwrap();
        assert_eq!(patches[0].at, vec![0, 1]);
        assert_eq!(diff(&json, &json.replace("<p>x</p>", "<p>x</p><p>y</p>")).unwrap()[0].at, vec![0]);
    }

    #[test]
    fn the_real_page_gives_small_patches() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("output/2023/report.html");
        let old = std::fs::read_to_string(path).unwrap();
        let heading = "一、我国区块链发展总体现状";
        assert!(old.matches(heading).count() >= 2, "the heading is in the text and in the contents");
        let new = old.replace(heading, "一、我国区块链发展总体现状改");
        let patches = diff(&old, &new).expect("a heading edit needs no reload");
        assert!(!patches.is_empty());
        for p in &patches {
            assert!(p.html.contains("现状改"), "{p:?}");
            assert!(p.html.len() < 2000, "only the changed element is sent: {} bytes at {:?}", p.html.len(), p.at);
        }
        // Its charts' drawings are elements like any other.
        let svg = old.find("<svg").unwrap();
        let changed = format!("{}<svg data-test=\"1\"{}", &old[..svg], &old[svg + 4..]);
        assert_eq!(diff(&old, &changed).unwrap().len(), 1);
    }

    #[test]
    fn nothing_changed_is_no_patch() {
        let old = page("<main><p>x</p></main>");
        assert_eq!(diff(&old, &old), Some(Vec::new()));
    }
}
