//! A small, safe Markdown subset rendered to HTML for diary entries, letters and the wall,
//! and the one HTML escaper Ripen's server-made HTML uses (Markdown, emails).
//!
//! The text is written by users and, for letters, shown to the public, so the output must be
//! inert: raw HTML is shown as text, only `http:`, `https:` and `mailto:` links survive (with
//! `rel="nofollow noopener noreferrer"`), images become their alt text, and headings are
//! demoted so they sit below the page's own `h1`/`h2`. Server-only (`ssr`).

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

const LINK_REL: &str = "nofollow noopener noreferrer";

/// Renders `markdown` to HTML that is safe to insert into a page. At most `max_chars`
/// characters are rendered (the rest is dropped to bound the work): callers pass the
/// longest text their field accepts, so nothing that was allowed in is cut off.
pub fn render(markdown: &str, max_chars: usize) -> String {
    let input = truncate_chars(markdown, max_chars);
    let parser = Parser::new_ext(input, Options::ENABLE_STRIKETHROUGH);

    // For each open link: whether we emitted an `<a>` for it (and so owe an `</a>`).
    let mut open_links: Vec<bool> = Vec::new();
    let events = parser.filter_map(|event| match event {
        // Raw HTML is shown as text; `push_html` escapes text.
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),

        Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),

        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            ..
        }) => match safe_href(link_type, &dest_url) {
            Some(href) => {
                open_links.push(true);
                let mut a = format!("<a href=\"{}\"", escape(&href));
                if !title.is_empty() {
                    a.push_str(&format!(" title=\"{}\"", escape(&title)));
                }
                a.push_str(&format!(" rel=\"{LINK_REL}\">"));
                Some(Event::InlineHtml(CowStr::from(a)))
            }
            None => {
                open_links.push(false);
                None
            }
        },
        Event::End(TagEnd::Link) => {
            if open_links.pop().unwrap_or(false) {
                Some(Event::InlineHtml(CowStr::Borrowed("</a>")))
            } else {
                None
            }
        }

        // Images: only their alt text (the events between start and end) is kept.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,

        // Nothing else is enabled, but be explicit about what is allowed through.
        Event::Start(
            Tag::Paragraph
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough,
        )
        | Event::End(
            TagEnd::Paragraph
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough,
        )
        | Event::Text(_)
        | Event::Code(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::Rule => Some(event),

        // Tables, footnotes, math, task lists, metadata … are disabled; drop any markup
        // they would produce but keep their text.
        Event::InlineMath(text) | Event::DisplayMath(text) | Event::FootnoteReference(text) => {
            Some(Event::Text(text))
        }
        Event::Start(_) | Event::End(_) | Event::TaskListMarker(_) => None,
    });

    let mut html = String::with_capacity(input.len() + input.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The text of `markdown` without its markup, on one line, for lists and previews: at most
/// `max_chars` characters, cut on a character boundary and ending in "…" when cut.
///
/// It is read the way [`render`] reads it — emphasis, headings and list markers go, links
/// keep their text, images their alt text, code its content, and raw HTML stays as the text
/// it is shown as — and the result is plain text for the caller to escape (a view does).
/// Blocks and line breaks become single spaces.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut out = String::new();
    // Characters so far, and whether a space is owed before the next text.
    let mut count = 0usize;
    let mut space = false;
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        let text = match event {
            Event::Text(t)
            | Event::Code(t)
            | Event::Html(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t)
            | Event::FootnoteReference(t) => t,
            // The end of emphasis or a link joins on ("**very**, good"); the end of a
            // block, a line break or a rule is a space.
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image,
            )
            | Event::Start(_)
            | Event::TaskListMarker(_) => continue,
            Event::SoftBreak | Event::HardBreak | Event::Rule | Event::End(_) => {
                space = true;
                continue;
            }
        };
        for c in text.chars() {
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if space && count > 0 {
                out.push(' ');
                count += 1;
            }
            space = false;
            out.push(c);
            count += 1;
        }
        // One character past the limit tells that it was cut; the rest is not needed.
        if count > max_chars {
            break;
        }
    }
    if count <= max_chars {
        return out;
    }
    let mut cut: String = out.chars().take(max_chars.saturating_sub(1)).collect();
    // Between words where the text has them, unless that would lose more than half of
    // it (one long word, or text written without spaces, such as Chinese).
    if !out[cut.len()..].starts_with(' ')
        && let Some(space) = cut
            .rfind(' ')
            .filter(|&i| cut[..i].chars().count() * 2 >= max_chars.saturating_sub(1))
    {
        cut.truncate(space);
    }
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The first `max` characters of `s`, cut at a character boundary.
fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `#` → h3, `##` → h4, anything deeper → h5.
fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        _ => HeadingLevel::H5,
    }
}

/// The destination to link to, if it is an allowed absolute URL (`http:`, `https:`, `mailto:`).
///
/// Browsers ignore ASCII whitespace and control characters inside a URL's scheme
/// (`java\tscript:` is `javascript:`), so those are removed before checking and the cleaned
/// URL is what gets emitted.
fn safe_href(link_type: LinkType, dest: &str) -> Option<String> {
    let mut cleaned: String = dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    if link_type == LinkType::Email {
        cleaned.insert_str(0, "mailto:");
    }
    let scheme_end = cleaned.find(':')?;
    let scheme = cleaned[..scheme_end].to_ascii_lowercase();
    let allowed = matches!(scheme.as_str(), "http" | "https" | "mailto");
    (allowed && cleaned.len() > scheme_end + 1).then_some(cleaned)
}

/// Escapes text for use inside a double- or single-quoted attribute value.
/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`, both
/// quotes and the backtick).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// Renders with a cap well above every input here.
    fn render(markdown: &str) -> String {
        super::render(markdown, 20_000)
    }

    fn no_javascript_href(html: &str) {
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("href"), "unexpected link in {html}");
        assert!(!lower.contains("<a"), "unexpected link in {html}");
    }

    #[test]
    fn script_tags_are_escaped_text() {
        let html = render("<script>alert(1)</script>");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn inline_script_is_escaped_text() {
        let html = render("hello <script>alert(1)</script> there");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.starts_with("<p>"), "{html}");
    }

    #[test]
    fn img_tags_are_inert() {
        for input in [
            "<img src=x onerror=alert(1)>",
            "text <img src=x onerror=alert(1)> text",
        ] {
            let html = render(input);
            assert!(!html.contains("<img"), "{html}");
            assert!(html.contains("&lt;img"), "{html}");
        }
    }

    #[test]
    fn other_raw_html_is_escaped() {
        let html = render(
            "<div onclick=\"x()\">hi</div>\n\n<a href=\"https://e.com\">x</a> <iframe src=x>",
        );
        assert!(!html.contains("<div"), "{html}");
        assert!(!html.contains("<a "), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn javascript_links_are_dropped() {
        for input in [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](<java script:alert(1)>)",
            "[x]( javascript:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox(1))",
            "[x](/relative/path)",
            "[x](//evil.example)",
            "[x]: javascript:alert(1)\n\n[x]",
            "<javascript:alert(1)>",
        ] {
            let html = render(input);
            no_javascript_href(&html);
            assert!(
                !html.to_ascii_lowercase().contains("javascript:alert(1)\""),
                "{html}"
            );
        }
    }

    #[test]
    fn dropped_link_keeps_its_text() {
        assert_eq!(
            render("[click me](javascript:alert(1))"),
            "<p>click me</p>\n"
        );
    }

    #[test]
    fn https_link_is_kept_with_rel() {
        let html = render("[ok](https://example.com)");
        assert_eq!(
            html,
            "<p><a href=\"https://example.com\" rel=\"nofollow noopener noreferrer\">ok</a></p>\n"
        );
    }

    #[test]
    fn http_mailto_and_autolinks_are_kept() {
        let html = render("[a](HTTP://e.com) [b](mailto:me@e.com) <https://e.org> <me@e.net>");
        assert!(html.contains("href=\"HTTP://e.com\""), "{html}");
        assert!(html.contains("href=\"mailto:me@e.com\""), "{html}");
        assert!(html.contains("href=\"https://e.org\""), "{html}");
        assert!(html.contains("href=\"mailto:me@e.net\""), "{html}");
        assert_eq!(
            html.matches("rel=\"nofollow noopener noreferrer\"").count(),
            4,
            "{html}"
        );
        assert_eq!(html.matches("</a>").count(), 4, "{html}");
    }

    #[test]
    fn link_title_is_escaped() {
        let html = render("[t](https://e.com \"a\\\"b<c>\")");
        assert!(html.contains("title=\"a&quot;b&lt;c&gt;\""), "{html}");
    }

    #[test]
    fn attribute_breaking_url_is_escaped() {
        let html = render("[x](https://e.com/\"onmouseover=\"x)");
        assert!(
            html.contains("href=\"https://e.com/&quot;onmouseover=&quot;x\""),
            "{html}"
        );
        assert!(!html.contains("\"onmouseover"), "{html}");
        let html = render("[x](<https://e.com/'onmouseover='x>)");
        assert!(!html.contains("'onmouseover"), "{html}");
    }

    #[test]
    fn entities_stay_escaped() {
        let html = render("a &lt;b&gt; c");
        assert_eq!(html, "<p>a &lt;b&gt; c</p>\n");
        let html = render("&amp;lt;script&amp;gt;");
        assert!(html.contains("&amp;lt;script&amp;gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        let html = render("&#60;script&#62;");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn headings_are_demoted() {
        assert_eq!(render("# One"), "<h3>One</h3>\n");
        assert_eq!(render("## Two"), "<h4>Two</h4>\n");
        assert_eq!(render("### Three"), "<h5>Three</h5>\n");
        assert_eq!(render("###### Six"), "<h5>Six</h5>\n");
        assert_eq!(render("Setext\n======"), "<h3>Setext</h3>\n");
    }

    #[test]
    fn inline_formatting() {
        assert_eq!(render("**b**"), "<p><strong>b</strong></p>\n");
        assert_eq!(
            render("*i* ~~s~~ `c<d>`"),
            "<p><em>i</em> <del>s</del> <code>c&lt;d&gt;</code></p>\n"
        );
    }

    #[test]
    fn block_elements() {
        let html = render("- a\n- b\n\n1. c\n\n> q\n\n---\n\n```\n<x>\n```\n\nline  \nbreak");
        for needle in [
            "<ul>",
            "<li>a</li>",
            "<ol>",
            "<blockquote>",
            "<hr />",
            "<pre><code>&lt;x&gt;",
            "<br />",
        ] {
            assert!(html.contains(needle), "missing {needle} in {html}");
        }
    }

    #[test]
    fn images_render_alt_text_only() {
        assert_eq!(render("![a cat](https://e.com/cat.png)"), "<p>a cat</p>\n");
        assert_eq!(render("![x](javascript:alert(1))"), "<p>x</p>\n");
        let html = render("[![alt](https://e.com/i.png)](https://e.com)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(">alt</a>"), "{html}");
    }

    #[test]
    fn tables_and_footnotes_are_not_enabled() {
        let html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\nx[^1]\n\n[^1]: note");
        assert!(!html.contains("<table"), "{html}");
        assert!(!html.contains("footnote"), "{html}");
    }

    #[test]
    fn input_is_capped_at_a_char_boundary() {
        let long = "é".repeat(1_500);
        let html = super::render(&long, 1_000);
        assert_eq!(html.matches('é').count(), 1_000);
        assert_eq!(super::truncate_chars("ab", 5), "ab");
        assert_eq!(super::truncate_chars("aé日", 2), "aé");
    }

    #[test]
    fn empty_input() {
        assert_eq!(render(""), "");
        assert_eq!(super::excerpt("", 10), "");
    }

    #[test]
    fn excerpts_are_the_text_without_markup() {
        use super::excerpt;
        assert_eq!(
            excerpt("**bold** and *it* ~~gone~~ `code`", 100),
            "bold and it gone code"
        );
        assert_eq!(
            excerpt(
                "# Title\n\nFirst line\nsecond  line\n\n- one\n- two\n\n> quoted",
                100
            ),
            "Title First line second line one two quoted"
        );
        assert_eq!(
            excerpt(
                "[a link](https://e.com) ![a cat](https://e.com/c.png) [x](javascript:alert(1))",
                100
            ),
            "a link a cat x"
        );
        // Raw HTML is text here too (the view escapes it, as `render` does).
        assert_eq!(
            excerpt("<script>alert(1)</script> hi", 100),
            "<script>alert(1)</script> hi"
        );
        assert_eq!(excerpt("```\nlet x = 1;\n```", 100), "let x = 1;");
    }

    #[test]
    fn excerpts_are_cut_between_words_or_on_a_character_boundary() {
        use super::excerpt;
        assert_eq!(excerpt("**one two three**", 9), "one two…");
        assert_eq!(excerpt("one two", 7), "one two");
        assert_eq!(excerpt("one two", 6), "one…");
        assert_eq!(excerpt("one two three four five", 10), "one two…");
        // A long word is cut inside rather than lose most of the excerpt.
        assert_eq!(excerpt("a incomprehensibilities", 10), "a incompr…");
        let chinese = "今天**很开心**，和朋友去了公园。".repeat(20);
        let cut = excerpt(&chinese, 12);
        assert_eq!(cut.chars().count(), 12, "{cut}");
        assert_eq!(cut, "今天很开心，和朋友去了…");
        let emoji = "🙂".repeat(50);
        assert_eq!(excerpt(&emoji, 3), "🙂🙂…");
        assert_eq!(excerpt("abc", 0), "…");
    }
}
