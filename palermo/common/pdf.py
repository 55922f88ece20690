"""HTML to PDF with WeasyPrint, with our own fonts and never fetching anything from the network.

A page given to WeasyPrint must not make the server request an address of the author's choosing
(SSRF), nor read a file of the author's choosing (file:///etc/passwd). The URL fetcher below
serves exactly two kinds of file, from the repository's static/ folder, and refuses everything
else: our stylesheets (static/css/*.css) and the vendored fonts (static/vendor/noto-fonts-*/).
A refused resource is left out and WeasyPrint logs an error naming it; the PDF is still made.

The fonts (Noto Sans, Noto Naskh Arabic, Noto Sans CJK SC, Noto Sans Mono, subset by
scripts/vendor_fonts.py) are declared with @font-face in static/css/print.css, which every PDF
gets, so the six UN scripts render the same whatever fonts the server has. docs/pdf.md has the
details; palermo/common/templates/common/pdf_base.html is the template to extend.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
PRINT_CSS = "css/print.css"
TOC_MARKER = "<!--pdf:toc-->"

# (folder pattern under static/, suffixes served from it). Nothing else is ever read.
_SERVED = (
    ("css", (".css",)),
    ("vendor/noto-fonts-*", (".ttf", ".otf")),
)
_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf"}


def _served_folders() -> list[tuple[Path, tuple[str, ...]]]:
    folders = []
    for pattern, suffixes in _SERVED:
        for folder in STATIC_DIR.glob(pattern):
            if folder.is_dir():
                folders.append((folder.resolve(), suffixes))
    return folders


def local_path(url: str) -> Path:
    """The file a URL names, if it is one that PDFs may use; ValueError otherwise.

    Only file: URLs on this machine; the path is resolved (symlinks, "..") before it is
    compared, so nothing outside the served folders can be reached through them."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"PDF rendering does not fetch external resources ({url[:80]})")
    path = Path(url2pathname(parts.path)).resolve()
    for folder, suffixes in _served_folders():
        if path.is_relative_to(folder) and path.suffix in suffixes and path.is_file():
            return path
    raise ValueError(f"PDF rendering only reads our static CSS and fonts ({url[:80]})")


def _fetcher():
    # WeasyPrint costs ~1 s to import: only the processes that make PDFs pay it.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesFetcher(URLFetcher):
        """Serves local_path() files; never opens a URL (the parent's openers go unused)."""

        def fetch(self, url, headers=None):
            path = local_path(url)
            content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return LocalFilesFetcher(fail_on_errors=False)


@dataclass(frozen=True)
class TocEntry:
    level: int  # 2 or 3
    id: str
    title: str


class _Headings(HTMLParser):
    """The h2 and h3 elements that have an id, in document order, with their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries: list[TocEntry] = []
        self._open: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3") and self._open is None:
            heading_id = dict(attrs).get("id")
            if heading_id:
                self._open = (tag, heading_id, [])

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            tag, heading_id, text = self._open
            self.entries.append(TocEntry(int(tag[1]), heading_id, " ".join("".join(text).split())))
            self._open = None

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)


def table_of_contents(html: str) -> list[TocEntry]:
    parser = _Headings()
    parser.feed(html)
    parser.close()
    return parser.entries


def page_label() -> dict[str, str]:
    """The footer's "Page X of Y" in the active language, cut around the two numbers (CSS puts
    counter(page) and counter(pages) between the pieces)."""
    label = gettext("Page %(number)s of %(total)s")
    before, found, rest = label.partition("%(number)s")
    between, found_too, after = rest.partition("%(total)s")
    if not (found and found_too):  # a broken translation: keep the numbers readable
        before, between, after = "", " / ", ""
    return {"before": before, "between": between, "after": after}


def render_pdf(
    template: str,
    context: dict,
    *,
    language: str | None = None,
    stylesheets: tuple[str, ...] = (),
) -> bytes:
    """Render a template (normally one extending common/pdf_base.html) to PDF bytes.

    language: render in this language (gettext, lang/dir of the page); the active one if None.
    stylesheets: more of our CSS, by path under static/ (e.g. "css/map.css"), after print.css.

    Adds "pdf_page_label" to the context and replaces the table-of-contents marker that
    pdf_base.html leaves with a list of the h2/h3 elements that have an id.

    WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which would make
    our image checks accept damaged uploads: the flag is put back afterwards."""
    from PIL import ImageFile

    sheets = [local_path((STATIC_DIR / name).as_uri()) for name in (PRINT_CSS, *stylesheets)]
    with translation.override(language or translation.get_language()):
        html = render_to_string(template, {**context, "pdf_page_label": page_label()})
        if TOC_MARKER in html:
            entries = table_of_contents(html)
            toc = render_to_string("common/_pdf_toc.html", {"entries": entries}) if entries else ""
            html = html.replace(TOC_MARKER, toc, 1)

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _fetcher()
        fonts = FontConfiguration()
        css = [CSS(url=sheet.as_uri(), url_fetcher=fetcher, font_config=fonts) for sheet in sheets]
        # Relative links in the document point at the site, not at a file on this server.
        document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=fetcher)
        return document.write_pdf(stylesheets=css, font_config=fonts)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
