"""User Markdown renders useful formatting and nothing that can run, track or impersonate."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.common.markdown import ALLOWED_TAGS, LINK_REL, is_allowed_link, render_markdown

pytestmark = pytest.mark.unit


class _Collector(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.tags


def links_of(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in tags_of(html) if tag == "a"]


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    # Text never contains a raw "<" (it is escaped), so these substrings can only be real tags.
    for needle in ("<script", "<img", "<iframe", "<object", "<embed", "<svg", "<style"):
        assert needle not in lowered, html
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in {"href", "title", "rel"}, html
            if name == "href":
                assert value is not None and is_allowed_link(value), html
                # The scheme, not a substring: "https://example.orgjavascript:" is harmless.
                assert urlsplit(value).scheme.lower() in {"http", "https", "mailto"}, html


# --- Scripts and raw HTML ---------------------------------------------------------------------


def test_returns_a_safe_string():
    assert isinstance(render_markdown("hello"), SafeString)


def test_script_tags_are_escaped_not_executed():
    html = render_markdown("<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_is_shown_as_text():
    html = render_markdown("<b>x</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_raw_html_block_is_shown_as_text():
    html = render_markdown('<div onclick="alert(1)">\nhi\n</div>')
    assert "<div" not in html
    assert_harmless(html)


def test_raw_anchor_is_not_a_link():
    html = render_markdown('<a href="https://example.org">x</a>')
    assert links_of(html) == []
    assert "&lt;a href=" in html


@pytest.mark.parametrize(
    "payload",
    [
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '<iframe src="https://example.org"></iframe>',
        "<style>body{display:none}</style>",
        "<!-- comment --><p>x</p>",
        '<a href="//evil">x</a>',
    ],
)
def test_raw_html_payloads_are_inert(payload):
    assert_harmless(render_markdown(payload))


# --- Links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](java&#x09;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java\\\nscript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:image/png;base64,iVBORw0KGgo=)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](//evil.example)",
        "[x](/accounts/logout/)",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<data:text/html,x>",
    ],
)
def test_dangerous_or_relative_links_are_not_rendered_as_links(source):
    html = render_markdown(source)
    assert links_of(html) == [], html
    assert_harmless(html)


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](https://example.org/a?b=1)", "https://example.org/a?b=1"),
        ("[site](http://example.org)", "http://example.org"),
        ("[mail](mailto:info@example.org)", "mailto:info@example.org"),
        ("<https://example.org>", "https://example.org"),
        ("[ref][r]\n\n[r]: https://example.org/r", "https://example.org/r"),
    ],
)
def test_allowed_links_survive_with_a_protective_rel(source, href):
    (link,) = links_of(render_markdown(source))
    assert link["href"] == href
    assert link["rel"] == LINK_REL
    assert "noopener" in LINK_REL.split() and "noreferrer" in LINK_REL.split()


def test_link_title_is_kept_and_escaped():
    (link,) = links_of(render_markdown('[x](https://example.org "a \\" onclick=\\"b")'))
    assert link["title"] == 'a " onclick="b'
    assert set(link) == {"href", "title", "rel"}


def test_bare_urls_are_not_linkified():
    assert links_of(render_markdown("see https://example.org")) == []


# --- Images -------------------------------------------------------------------------------------


def test_images_are_dropped_but_their_alt_text_stays():
    html = render_markdown('![Our *logo*](https://tracker.example/p.png "t")')
    assert "<img" not in html
    assert "tracker.example" not in html
    assert "Our logo" in html


def test_image_alt_text_is_escaped():
    html = render_markdown("![<script>alert(1)</script>](https://x.example/p.png)")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_reference_images_are_dropped():
    html = render_markdown("![alt][i]\n\n[i]: https://tracker.example/p.png")
    assert "<img" not in html
    assert "tracker.example" not in html


# --- Formatting that should work ----------------------------------------------------------------


def test_inline_formatting_survives():
    html = render_markdown("**bold** and *em* and `code`")
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<code>code</code>" in html


def test_lists_quotes_rules_and_code_blocks_survive():
    html = render_markdown("- a\n- b\n\n1. one\n2. two\n\n> quoted\n\n---\n\n```\nx < y\n```\n")
    for tag in ("<ul>", "<ol>", "<li>a</li>", "<blockquote>", "<hr", "<pre><code>"):
        assert tag in html, html
    assert "x &lt; y" in html


def test_tables_survive_without_style_attributes():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    for tag in ("<table>", "<thead>", "<tbody>", "<th>", "<td>"):
        assert tag in html, html
    assert "style" not in html


def test_headings_are_demoted_so_user_text_cannot_add_a_page_title():
    html = render_markdown("# Title\n\n## Section\n\n###### Smallest")
    assert "<h1" not in html
    assert "<h2>Title</h2>" in html
    assert "<h3>Section</h3>" in html
    assert "<h6>Smallest</h6>" in html


def test_setext_h1_is_demoted_too():
    assert "<h1" not in render_markdown("Title\n=====")


def test_hard_line_break_survives():
    assert "<br" in render_markdown("line one  \nline two")


def test_multilingual_text_is_untouched():
    text = "مرحبا 你好 Привет Ça marche 🎉"
    assert text in render_markdown(text)


def test_empty_input():
    assert render_markdown("") == ""


# --- Properties -------------------------------------------------------------------------------

# Fragments that tend to combine into hostile markup; random text alone rarely forms a link.
_HOSTILE_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "!",
    "`",
    "*",
    "_",
    "#",
    '"',
    "'",
    "=",
    ":",
    "/",
    " ",
    "\n",
    "\t",
    "&#x09;",
    "&#106;",
    "&colon;",
    "&lt;",
    "\\",
    "javascript:",
    "JaVaScRiPt:",
    "vbscript:",
    "data:text/html,",
    "https://example.org",
    "mailto:a@b.c",
    "//evil",
    "script",
    "img",
    "iframe",
    "svg",
    "a href=",
    " onerror=",
    " onclick=",
    "alert(1)",
    "[r]: ",
    "| a |\n|---|\n",
]

hostile_markdown = st.lists(st.sampled_from(_HOSTILE_PIECES), max_size=40).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_renders_harmlessly(source):
    assert_harmless(render_markdown(source))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_markdown)
def test_hostile_fragments_render_harmlessly(source):
    assert_harmless(render_markdown(source))


@given(st.text())
def test_is_allowed_link_accepts_only_three_schemes(url):
    if is_allowed_link(url):
        assert url.strip().lower().split(":", 1)[0] in {"http", "https", "mailto"}
