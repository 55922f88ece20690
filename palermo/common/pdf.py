"""HTML to PDF with WeasyPrint, never fetching anything from the network: a page given to
it must not make the server request an address of the author's choosing (SSRF)."""

from django.template.loader import render_to_string


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"PDF rendering does not fetch external resources ({url[:60]})")


def render_pdf(template: str, context: dict) -> bytes:
    """Render a template to PDF. WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the
    whole process, which would make our image checks accept damaged uploads: the flag is
    put back afterwards."""
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML

        html = render_to_string(template, context)
        return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
