//! From the rendered templates to the document. The tera functions and filters print an
//! opaque token for each thing they place (`TOKEN_OPEN`, a letter, an index,
//! `TOKEN_CLOSE`: Unicode private-use characters) and keep its typed node in [`Placed`];
//! the rendered Markdown is then parsed once with pulldown-cmark, and each token becomes its
//! node. A token where its node cannot stand (a figure inside a sentence), a token that never
//! appears (a partial that no longer prints its figure) or Markdown the model has no node for
//! is an error naming the template and line: nothing degrades silently.

use std::path::PathBuf;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{Block, Contents, ContentsKind, CrossRef, Figure, Heading, Inline, Label, List, NumberSpan, Spaced, Style, Table};
use crate::error::{Error, InputError, Result};

pub const TOKEN_OPEN: char = '\u{E000}';
pub const TOKEN_CLOSE: char = '\u{E001}';
/// In a number's token, between its index and its text: the text stays visible to tera, so
/// a string filter after a number filter (`| replace(from="万", to="W")`) still edits it.
pub const TOKEN_TEXT: char = '\u{E002}';

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// `Placed::numbers[i]`
    Number(usize),
    /// `Placed::refs[i]`
    Ref(usize),
    /// `Placed::blocks[i]`
    Place(usize),
    Contents(ContentsKind),
}

impl Token {
    pub fn text(self) -> String {
        let (tag, i) = match self {
            Token::Number(i) => ('N', i),
            Token::Ref(i) => ('R', i),
            Token::Place(i) => ('P', i),
            Token::Contents(ContentsKind::Sections) => ('C', 0),
            Token::Contents(ContentsKind::Figures) => ('C', 1),
            Token::Contents(ContentsKind::Tables) => ('C', 2),
        };
        format!("{TOKEN_OPEN}{tag}{i}{TOKEN_CLOSE}")
    }

    /// A number's token, with its text as shown.
    pub fn number(i: usize, shown: &str) -> String {
        format!("{TOKEN_OPEN}N{i}{TOKEN_TEXT}{shown}{TOKEN_CLOSE}")
    }

    fn parse(body: &str) -> Option<Token> {
        let body = body.split(TOKEN_TEXT).next()?;
        let mut chars = body.chars();
        let tag = chars.next()?;
        let i: usize = chars.as_str().parse().ok()?;
        Some(match (tag, i) {
            ('N', i) => Token::Number(i),
            ('R', i) => Token::Ref(i),
            ('P', i) => Token::Place(i),
            ('C', 0) => Token::Contents(ContentsKind::Sections),
            ('C', 1) => Token::Contents(ContentsKind::Figures),
            ('C', 2) => Token::Contents(ContentsKind::Tables),
            _ => return None,
        })
    }
}

/// A figure or table placed by `figure(id=…)` / `table(id=…)`, already labelled (labels
/// follow the order of placement within each chapter).
#[derive(Debug, Clone)]
pub enum PlacedBlock {
    Figure(Figure),
    Table(Table),
}

impl PlacedBlock {
    pub fn id(&self) -> &str {
        match self {
            PlacedBlock::Figure(f) => &f.id,
            PlacedBlock::Table(t) => &t.id,
        }
    }
    pub fn label(&self) -> Label {
        match self {
            PlacedBlock::Figure(f) => f.label,
            PlacedBlock::Table(t) => t.label,
        }
    }
    fn anchor(&self) -> &str {
        match self {
            PlacedBlock::Figure(f) => &f.anchor,
            PlacedBlock::Table(t) => &t.anchor,
        }
    }
}

/// The typed nodes behind the tokens of one render.
#[derive(Debug, Default)]
pub struct Placed {
    pub numbers: Vec<NumberSpan>,
    /// The id each `ref(id=…)` names.
    pub refs: Vec<String>,
    pub blocks: Vec<PlacedBlock>,
}

/// The templates as read, to point an error at the line that wrote what went wrong.
pub struct Sources<'a> {
    /// (path shown to people, text)
    pub files: Vec<(PathBuf, &'a str)>,
}

impl Sources<'_> {
    /// The first template line containing `needle`, as an error there.
    fn error_at(&self, needle: &str, message: String, hint: &str) -> Error {
        let needle = needle.trim();
        for (path, text) in &self.files {
            if needle.is_empty() {
                break;
            }
            if let Some(at) = text.find(needle) {
                let line = text[..at].matches('\n').count() + 1;
                let column = text[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                return InputError::new(path, message).at(line, column).excerpt_from(text).hint(hint).into();
            }
        }
        // Not found in any template (text made by tera): the report's own template.
        let report = self.files.iter().find(|(p, _)| p.ends_with("report.md")).or(self.files.first());
        let path = report.map(|(p, _)| p.clone()).unwrap_or_default();
        InputError::new(&path, message).hint(hint).into()
    }
}

/// Parses the rendered Markdown (with tokens) into blocks, and the whitespace after them.
pub fn parse(rendered: &str, placed: &Placed, sources: &Sources) -> Result<(Vec<Spaced>, String)> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    let mut p = Builder {
        src: rendered,
        placed,
        sources,
        used: vec![0; placed.blocks.len()],
        events: (Box::new(Parser::new_ext(rendered, options).into_offset_iter()) as Box<dyn Iterator<Item = _>>).peekable(),
    };
    let (blocks, end) = p.blocks(None, 0)?;
    for (i, uses) in p.used.iter().enumerate() {
        if *uses == 0 {
            let b = &placed.blocks[i];
            let what = if matches!(b, PlacedBlock::Figure(_)) { "figure" } else { "table" };
            return Err(p.sources.error_at(
                &format!("{what}(id=\"{}\")", b.id()),
                format!("{what} `{}` is placed here but nothing prints it: its partial no longer prints `{{{{ {}.node }}}}`", b.id(), &what[..1]),
                "a figure's partial (partials/figure.md) prints {{ f.node }}, a table's (partials/table.md) {{ t.node }}, each on a line of its own",
            ));
        }
    }
    Ok((blocks, rendered[end..].to_string()))
}

type Events<'a> = std::iter::Peekable<Box<dyn Iterator<Item = (Event<'a>, std::ops::Range<usize>)> + 'a>>;

struct Builder<'a, 'p> {
    src: &'a str,
    placed: &'p Placed,
    sources: &'p Sources<'p>,
    used: Vec<usize>,
    events: Events<'a>,
}

/// The rendered text around an offset, without tokens: what to look for in the templates.
fn excerpt(src: &str, range: std::ops::Range<usize>) -> String {
    let text = &src[range];
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out = String::new();
    let mut in_token = false;
    for c in line.chars() {
        match c {
            TOKEN_OPEN => {
                in_token = true;
                // Only the literal text before a token can be found in a template.
                if !out.trim().is_empty() {
                    break;
                }
            }
            TOKEN_CLOSE => in_token = false,
            _ if in_token => {}
            _ => out.push(c),
        }
    }
    out.chars().take(24).collect()
}

impl<'a> Builder<'a, '_> {
    /// The end of a block's text: its range without trailing whitespace.
    fn content_end(&self, range: &std::ops::Range<usize>) -> usize {
        range.start + self.src[range.clone()].trim_end().len()
    }

    fn unsupported(&self, range: std::ops::Range<usize>, what: &str, hint: &str) -> Error {
        let found = excerpt(self.src, range.clone());
        let line = self.src[..range.start].matches('\n').count() + 1;
        self.sources.error_at(&found, format!("{what} (line {line} of the rendered report)"), hint)
    }

    /// Blocks until the end of `until` (None: the end of the text). `end` is where the
    /// previous block's text ended. Returns the blocks and where the last one ended.
    fn blocks(&mut self, until: Option<TagEnd>, mut end: usize) -> Result<(Vec<Spaced>, usize)> {
        let mut out: Vec<Spaced> = Vec::new();
        loop {
            let Some((event, range)) = self.events.next() else {
                return match until {
                    None => Ok((out, end)),
                    Some(_) => Err(self.unsupported(end..self.src.len(), "the report ends inside a block", "close every block")),
                };
            };
            let block = match event {
                Event::End(e) if Some(e) == until => return Ok((out, end)),
                Event::Start(Tag::Paragraph) => {
                    let inlines = self.inlines(TagEnd::Paragraph)?;
                    self.paragraph(inlines, range.clone())?
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    let inlines = self.inlines(TagEnd::Heading(level))?;
                    let inlines = self.expand(inlines, range.clone())?;
                    Block::Heading(Heading { level: level as u8, number: None, anchor: None, inlines })
                }
                Event::Start(Tag::List(start)) => {
                    let mut items = Vec::new();
                    let mut tight = true;
                    while let Some((event, item)) = self.events.next() {
                        match event {
                            Event::Start(Tag::Item) => {
                                let (blocks, _) = self.item(item.start)?;
                                tight &= !blocks.iter().any(|b| b.gap.matches('\n').count() > 1);
                                items.push(blocks);
                            }
                            Event::End(TagEnd::List(_)) => break,
                            _ => {}
                        }
                    }
                    Block::List(List { start, tight, items })
                }
                Event::Start(Tag::HtmlBlock) => {
                    let mut html = String::new();
                    for (event, _) in self.events.by_ref() {
                        match event {
                            Event::Html(h) | Event::InlineHtml(h) => html.push_str(&h),
                            Event::End(TagEnd::HtmlBlock) => break,
                            _ => {}
                        }
                    }
                    let tag = html.trim();
                    let class = tag.strip_prefix("<div class=\"").and_then(|t| t.strip_suffix("\">"));
                    match class {
                        Some(class) => {
                            let Some(style) = Style::from_class(class) else {
                                return Err(self.unsupported(
                                    range,
                                    &format!("`<div class=\"{class}\">` is not a style of the page design"),
                                    "the styled blocks are <div class=\"names\"> … </div> (templates/README.md)",
                                ));
                            };
                            let (blocks, last) = self.styled(self.content_end(&range), &range)?;
                            out.push(Spaced { gap: self.src[end..range.start].to_string(), block: Block::Styled { style, blocks } });
                            end = last;
                            continue;
                        }
                        None if tag == "</div>" && until == Some(TagEnd::HtmlBlock) => {
                            // The close of a styled block (see `styled`).
                            return Ok((out, self.content_end(&range)));
                        }
                        None => {
                            return Err(self.unsupported(
                                range,
                                "raw HTML in the wording has no place in the document",
                                "write Markdown; a styled block is <div class=\"names\">, a blank line, its paragraphs, a blank line, </div>",
                            ));
                        }
                    }
                }
                Event::Rule => Block::Rule,
                Event::Start(Tag::Table(_)) => {
                    return Err(self.unsupported(
                        range,
                        "a Markdown table in the wording",
                        "tables are data: add data/tables/<id>.yaml and place it with {% set t = table(id=\"…\") %}{% include \"partials/table.md\" %}",
                    ));
                }
                Event::Start(Tag::Image { .. }) | Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::BlockQuote(_)) | Event::Start(_) => {
                    return Err(self.unsupported(
                        range,
                        "this Markdown block has no place in the document (code blocks, quotes, footnotes, images)",
                        "paragraphs, headings, lists, emphasis and links are the wording's Markdown; charts are placed with figure(id=…)",
                    ));
                }
                Event::End(_) => continue,
                // Inline content outside a paragraph: a tight list item's text (see `item`).
                _ => continue,
            };
            out.push(Spaced { gap: self.src[end..range.start].to_string(), block });
            end = self.content_end(&range);
        }
    }

    /// A styled block's blocks, up to the `</div>` HTML block that closes it.
    fn styled(&mut self, end: usize, open: &std::ops::Range<usize>) -> Result<(Vec<Spaced>, usize)> {
        match self.blocks(Some(TagEnd::HtmlBlock), end) {
            Err(_) if self.events.peek().is_none() => Err(self.unsupported(
                open.clone(),
                "a <div class=\"…\"> is never closed",
                "end the styled block with </div> on a line of its own, after a blank line",
            )),
            other => other,
        }
    }

    /// A list item: in a tight list its text comes without a paragraph around it.
    fn item(&mut self, start: usize) -> Result<(Vec<Spaced>, usize)> {
        let mut out = Vec::new();
        let mut end = start;
        loop {
            let Some((event, range)) = self.events.peek().cloned() else { return Ok((out, end)) };
            match event {
                Event::End(TagEnd::Item) => {
                    self.events.next();
                    return Ok((out, end));
                }
                Event::Start(Tag::Paragraph)
                | Event::Start(Tag::List(_))
                | Event::Start(Tag::Heading { .. })
                | Event::Start(Tag::HtmlBlock) => {
                    // One block, parsed by `blocks` up to its end.
                    let (mut blocks, last) = self.one_block(end)?;
                    out.append(&mut blocks);
                    end = last;
                }
                _ => {
                    let inlines = self.inlines_until_block()?;
                    let last = self.events.peek().map_or(self.src.len(), |(_, r)| r.start);
                    let block = self.paragraph(inlines, range.start..last)?;
                    let gap = if out.is_empty() { String::new() } else { self.src[end..range.start].to_string() };
                    out.push(Spaced { gap, block });
                    end = range.start + self.src[range.start..last].trim_end().len();
                }
            }
        }
    }

    /// Exactly one block (the next event starts it).
    fn one_block(&mut self, end: usize) -> Result<(Vec<Spaced>, usize)> {
        // Parse with a sentinel: take events of this block only.
        let (first, range) = self.events.next().expect("peeked");
        let close = match &first {
            Event::Start(t) => t.to_end(),
            _ => unreachable!("one_block starts at a Start"),
        };
        let mut events = vec![(first, range.clone())];
        let mut depth = 1;
        for (event, r) in self.events.by_ref() {
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                _ => {}
            }
            let done = depth == 0 && matches!(&event, Event::End(e) if *e == close);
            events.push((event, r));
            if done {
                break;
            }
        }
        let mut inner = Builder {
            src: self.src,
            placed: self.placed,
            sources: self.sources,
            used: std::mem::take(&mut self.used),
            events: (Box::new(events.into_iter()) as Box<dyn Iterator<Item = _>>).peekable(),
        };
        let result = inner.blocks(None, end);
        self.used = inner.used;
        result
    }

    /// Inline events up to the next block event (a tight list item's text).
    fn inlines_until_block(&mut self) -> Result<Vec<Inline>> {
        let mut out = Vec::new();
        while let Some((event, _)) = self.events.peek() {
            if matches!(event, Event::End(TagEnd::Item) | Event::Start(Tag::List(_)) | Event::Start(Tag::Paragraph)) {
                break;
            }
            let (event, range) = self.events.next().expect("peeked");
            self.inline(event, range, &mut out)?;
        }
        Ok(out)
    }

    /// Inline events up to `stop`, unexpanded (tokens still in the text).
    fn inlines(&mut self, stop: TagEnd) -> Result<Vec<Inline>> {
        let mut out = Vec::new();
        while let Some((event, range)) = self.events.next() {
            if event == Event::End(stop) {
                return Ok(out);
            }
            self.inline(event, range, &mut out)?;
        }
        Ok(out)
    }

    fn inline(&mut self, event: Event<'a>, range: std::ops::Range<usize>, out: &mut Vec<Inline>) -> Result<()> {
        match event {
            Event::Text(t) => match out.last_mut() {
                Some(Inline::Text(prev)) => prev.push_str(&t),
                _ => out.push(Inline::Text(t.to_string())),
            },
            Event::Code(t) => out.push(Inline::Code(t.to_string())),
            Event::SoftBreak => out.push(Inline::SoftBreak),
            Event::HardBreak => out.push(Inline::HardBreak),
            Event::Start(Tag::Emphasis) => out.push(Inline::Emph(self.inlines(TagEnd::Emphasis)?)),
            Event::Start(Tag::Strong) => out.push(Inline::Strong(self.inlines(TagEnd::Strong)?)),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let inlines = self.inlines(TagEnd::Link)?;
                out.push(Inline::Link { url: dest_url.to_string(), inlines });
            }
            Event::InlineHtml(_) | Event::Html(_) => {
                return Err(self.unsupported(
                    range,
                    "raw HTML in the wording has no place in the document",
                    "write Markdown: **strong**, *emphasis*, [text](url)",
                ));
            }
            _ => {
                return Err(self.unsupported(
                    range,
                    "this Markdown has no place in the document (images, footnotes, strikethrough)",
                    "charts are placed with figure(id=…); the wording uses paragraphs, emphasis, lists and links",
                ));
            }
        }
        Ok(())
    }

    /// A paragraph: a placed figure, table or contents list when it is one token alone.
    fn paragraph(&mut self, inlines: Vec<Inline>, range: std::ops::Range<usize>) -> Result<Block> {
        if let [Inline::Text(t)] = inlines.as_slice()
            && let Some(body) = t.trim().strip_prefix(TOKEN_OPEN).and_then(|b| b.strip_suffix(TOKEN_CLOSE))
            && !body.contains(TOKEN_OPEN)
        {
            match Token::parse(body) {
                Some(Token::Place(i)) if i < self.placed.blocks.len() => {
                    self.used[i] += 1;
                    let b = &self.placed.blocks[i];
                    if self.used[i] > 1 {
                        return Err(self.sources.error_at(
                            "node }}",
                            format!("`{}` is printed twice: its partial prints its node more than once", b.id()),
                            "print {{ f.node }} (or {{ t.node }}) once in the partial",
                        ));
                    }
                    return Ok(match b {
                        PlacedBlock::Figure(f) => Block::Figure(f.clone()),
                        PlacedBlock::Table(t) => Block::Table(t.clone()),
                    });
                }
                Some(Token::Contents(kind)) => return Ok(Block::Contents(Contents { kind, entries: Vec::new() })),
                _ => {}
            }
        }
        Ok(Block::Paragraph(self.expand(inlines, range)?))
    }

    /// Replaces the tokens in text with their nodes; a figure, table or contents token
    /// inside a sentence is an error.
    fn expand(&mut self, inlines: Vec<Inline>, range: std::ops::Range<usize>) -> Result<Vec<Inline>> {
        let mut out = Vec::with_capacity(inlines.len());
        for inline in inlines {
            match inline {
                Inline::Text(t) => self.split(&t, &range, &mut out)?,
                Inline::Emph(c) => out.push(Inline::Emph(self.expand(c, range.clone())?)),
                Inline::Strong(c) => out.push(Inline::Strong(self.expand(c, range.clone())?)),
                Inline::Link { url, inlines } => out.push(Inline::Link { url, inlines: self.expand(inlines, range.clone())? }),
                other => out.push(other),
            }
        }
        Ok(out)
    }

    fn split(&mut self, text: &str, range: &std::ops::Range<usize>, out: &mut Vec<Inline>) -> Result<()> {
        let mut rest = text;
        while let Some(open) = rest.find(TOKEN_OPEN) {
            if open > 0 {
                out.push(Inline::Text(rest[..open].to_string()));
            }
            let after = &rest[open + TOKEN_OPEN.len_utf8()..];
            let close = after.find(TOKEN_CLOSE);
            let token = close.and_then(|c| Token::parse(&after[..c]));
            match token {
                Some(Token::Number(i)) if i < self.placed.numbers.len() => {
                    let mut span = self.placed.numbers[i].clone();
                    // The text as the template left it (see TOKEN_TEXT).
                    if let Some((_, shown)) = close.map(|c| &after[..c]).and_then(|b| b.split_once(TOKEN_TEXT)) {
                        span.shown = shown.to_string();
                    }
                    out.push(Inline::Number(span));
                }
                Some(Token::Ref(i)) if i < self.placed.refs.len() => {
                    let target = &self.placed.refs[i];
                    let Some(b) = self.placed.blocks.iter().find(|b| b.id() == target) else {
                        return Err(self.sources.error_at(
                            &format!("ref(id=\"{target}\")"),
                            format!("`{target}` is referenced but never placed with table(id=…) or figure(id=…)"),
                            "place each table or figure once with table(id=…) or figure(id=…), refer to it elsewhere with ref(id=…)",
                        ));
                    };
                    out.push(Inline::CrossRef(CrossRef { target: target.clone(), anchor: b.anchor().to_string(), label: b.label() }));
                }
                Some(Token::Place(i)) if i < self.placed.blocks.len() => {
                    let b = &self.placed.blocks[i];
                    let (id, what) = (b.id().to_string(), if matches!(b, PlacedBlock::Figure(_)) { "figure" } else { "table" });
                    return Err(self.sources.error_at(
                        &format!("{what}(id=\"{id}\")"),
                        format!("`{id}` is placed inside a paragraph or heading: a figure or table stands in a paragraph of its own"),
                        "put {% set f = figure(id=…) %}{% include \"partials/figure.md\" %} on a line of its own, with blank lines around it",
                    ));
                }
                Some(Token::Contents(_)) => {
                    return Err(self.unsupported(
                        range.clone(),
                        "a contents list ({{ contents }}, {{ list_of_figures }}, {{ list_of_tables }}) inside a paragraph",
                        "put it on a line of its own, with blank lines around it",
                    ));
                }
                _ => {
                    return Err(self.unsupported(
                        range.clone(),
                        "a private-use character (U+E000 to U+E002) in the text: the pipeline reserves them",
                        "remove the character",
                    ));
                }
            }
            rest = &after[close.map_or(after.len(), |c| c + TOKEN_CLOSE.len_utf8())..];
        }
        if !rest.is_empty() {
            out.push(Inline::Text(rest.to_string()));
        }
        Ok(())
    }
}
