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

/// The patches that turn the page `old` into `new`; `None` when a reload is needed (the head
/// or the page around the body changed, a script changed, or the text is not understood).
pub fn diff(old: &str, new: &str) -> Option<Vec<Patch>> {
    let (old_outside, old_body) = split_body(old)?;
    let (new_outside, new_body) = split_body(new)?;
    if old_outside != new_outside {
        return None;
    }
    let mut patches = Vec::new();
    match level(old_body, new_body, &mut Vec::new(), &mut patches)? {
        true => Some(patches),
        false => None,
    }
}

/// The page without its body's content, and the body's content.
fn split_body(page: &str) -> Option<((&str, &str), &str)> {
    let open = page.find("<body")?;
    let inner = open + page[open..].find('>')? + 1;
    let close = page.rfind("</body>")?;
    (inner <= close).then(|| ((&page[..inner], &page[close..]), &page[inner..close]))
}

/// One element at the top level of a fragment.
struct Element<'a> {
    tag: &'a str,
    start_tag: &'a str,
    inner: &'a str,
    whole: &'a str,
}

/// Compares the children of two versions of an element. `Some(true)`: `patches` now turns
/// one into the other; `Some(false)`: not child by child (replace the element whole);
/// `None`: only a reload is faithful.
fn level(old: &str, new: &str, at: &mut Vec<usize>, patches: &mut Vec<Patch>) -> Option<bool> {
    let (Some((a, a_text)), Some((b, b_text))) = (children(old), children(new)) else { return Some(false) };
    if a.len() != b.len() || a_text != b_text {
        return Some(false);
    }
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x.whole == y.whole {
            continue;
        }
        at.push(i);
        let inside = x.start_tag == y.start_tag && CONTAINERS.contains(&x.tag) && level(x.inner, y.inner, at, patches)?;
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

/// The elements at the top level of a fragment, and the text between them (a level of
/// whitespace only, or `None` when there is other text or the fragment is not understood).
fn children(fragment: &str) -> Option<(Vec<Element<'_>>, Vec<&str>)> {
    let (mut elements, mut texts, mut pos) = (Vec::new(), Vec::new(), 0);
    while let Some(offset) = fragment[pos..].find('<') {
        let start = pos + offset;
        texts.push(&fragment[pos..start]);
        if fragment[start..].starts_with("<!--") {
            return None;
        }
        let (tag, start_end, end) = element(fragment, start)?;
        elements.push(Element {
            tag,
            start_tag: &fragment[start..start_end],
            inner: &fragment[start_end..end.saturating_sub(tag.len() + 3).max(start_end)],
            whole: &fragment[start..end],
        });
        pos = end;
    }
    texts.push(&fragment[pos..]);
    texts.iter().all(|t| t.trim().is_empty()).then_some((elements, texts))
}

/// The element starting at `start`: its tag name, where its start tag ends, where it ends.
fn element(s: &str, start: usize) -> Option<(&str, usize, usize)> {
    let (name, start_end, closed) = start_tag(s, start)?;
    if closed || VOID.contains(&name) {
        return Some((name, start_end, start_end));
    }
    if name == "script" || name == "style" {
        let end = start_end + s[start_end..].find(&format!("</{name}>"))? + name.len() + 3;
        return Some((name, start_end, end));
    }
    let mut pos = start_end;
    loop {
        let next = pos + s[pos..].find('<')?;
        if s[next..].starts_with("</") {
            let close = next + s[next..].find('>')?;
            return (&s[next + 2..close] == name).then_some((name, start_end, close + 1));
        }
        if s[next..].starts_with("<!--") {
            pos = next + s[next..].find("-->")? + 3;
            continue;
        }
        pos = element(s, next)?.2;
    }
}

/// The start tag at `start`: its name, where it ends, and whether it closes itself (`/>`).
fn start_tag(s: &str, start: usize) -> Option<(&str, usize, bool)> {
    let rest = &s[start + 1..];
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))?;
    if name_len == 0 {
        return None;
    }
    let mut quote = None;
    for (i, c) in rest.char_indices().skip(name_len) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some((&rest[..name_len], start + 1 + i + 1, rest[..i].ends_with('/'))),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!("<!DOCTYPE html><html><head><title>t</title></head><body>\n{body}\n</body></html>")
    }

    #[test]
    fn a_changed_paragraph_is_the_one_patch() {
        let old = page("<nav><ol><li>a</li><li>b</li></ol></nav>\n<main id=\"main\">\n<h2 id=\"x\">一</h2>\n<p>甲 <span class=\"num\">1</span></p>\n<figure><svg viewBox=\"0 0 1 1\"><g/></svg></figure>\n</main>");
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
