"""Safe handling of an uploaded organization logo.

A logo is public, and the people who upload one may be at risk. Photos carry GPS positions,
camera serial numbers, owner names and un-cropped EXIF thumbnails; XMP and IPTC blocks carry
authors and captions. Files can also be hostile: decompression bombs (a few KB that decode to
gigabytes of pixels), polyglots that are an image and an HTML page at once, and malformed data
that trips decoders. So:

* the size and the pixel count are checked before any pixel is decoded;
* the format is decided from the content by Pillow, never from the name or the browser's
  Content-Type, and only four raster formats are accepted (no SVG: it can carry scripts);
* the pixels are copied into a brand-new image and re-encoded, so nothing but pixels survives:
  not metadata, not trailing bytes, not a second file glued to the first.

What was found is reported back so the person can be told what their file carried.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# Pillow names a JPEG with a multi-picture index (what many phones write) "MPO".
_OPENABLE_FORMATS: Final = ("PNG", "JPEG", "WEBP", "GIF")
_ACCEPTED_FORMATS: Final = frozenset({*_OPENABLE_FORMATS, "MPO"})

# EXIF tags worth naming to a person, by the IFD they live in.
_CAMERA_TAGS: Final = (ExifTags.Base.Make, ExifTags.Base.Model)
_DATE_TAGS: Final = (
    ExifTags.Base.DateTime,
    ExifTags.Base.DateTimeOriginal,
    ExifTags.Base.DateTimeDigitized,
)
_SERIAL_TAGS: Final = (ExifTags.Base.BodySerialNumber, ExifTags.Base.LensSerialNumber)
_OWNER_TAGS: Final = (ExifTags.Base.CameraOwnerName, ExifTags.Base.Artist)

_XMP_KEYS: Final = frozenset({"xmp", "XML:com.adobe.xmp"})
# Keys Pillow puts in ``info`` for text chunks that hold other metadata, reported under that name.
_PNG_TEXT_EXCLUDED: Final = _XMP_KEYS | {"Raw profile type exif", "exif", "icc_profile"}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded logo: only pixels, in a format we chose."""

    content: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int
    removed_metadata: list[str]


def _too_large(max_bytes: int) -> ValidationError:
    return ValidationError(
        _("The image is too large: the limit is %(limit)s MB."),
        code="file_too_large",
        params={"limit": f"{max_bytes / 1_000_000:g}"},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _(
            "This file is not a PNG, JPEG, WebP or GIF image. SVG, PDF and other files are not "
            "accepted."
        ),
        code="invalid_image_format",
    )


def _too_many_pixels(max_pixels: int) -> ValidationError:
    return ValidationError(
        _("The image has too many pixels: the limit is %(limit)s megapixels."),
        code="too_many_pixels",
        params={"limit": f"{max_pixels / 1_000_000:g}"},
    )


def _damaged() -> ValidationError:
    return ValidationError(
        _("The image could not be read: the file seems damaged or incomplete."),
        code="damaged_image",
    )


def clean_logo(
    data: bytes,
    *,
    max_bytes: int = 2_000_000,
    max_pixels: int = 16_000_000,
    max_side: int = 512,
) -> CleanImage:
    """Validate an uploaded logo and return a metadata-free copy of at most ``max_side`` px.

    Raises ``ValidationError`` for anything that is not a usable PNG, JPEG, WebP or GIF, and never
    lets a decoder's own exception escape: a hostile file must give a form error, not a 500.
    """
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise _not_an_image()
    # catch_warnings restores the filters on exit, so global state is unchanged afterwards. While
    # it runs it is process-wide (warning filters are not per-thread before Python 3.14's
    # context-aware warnings), which is why the explicit pixel check in _decode, not Pillow's
    # warning, is the real protection; the warning is a second net.
    with warnings.catch_warnings():
        # Pillow warns (UserWarning) about corrupt EXIF and short reads; the metadata is being
        # discarded anyway, and hostile uploads should not be able to fill the logs.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _decode(data, max_pixels=max_pixels, max_side=max_side)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except UnidentifiedImageError:
            raise _not_an_image() from None
        # Pillow's plugins raise a wide, version-dependent range of exceptions on malformed input
        # (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError, ...). For an
        # upload they all mean the same thing, and none may become a server error.
        except Exception:
            raise _damaged() from None


def _decode(data: bytes, *, max_pixels: int, max_side: int) -> CleanImage:
    # ``formats`` keeps Pillow from even trying its other ~40 decoders on hostile input.
    with Image.open(io.BytesIO(data), formats=_OPENABLE_FORMATS) as image:
        if image.format not in _ACCEPTED_FORMATS:
            raise _not_an_image()
        width, height = image.size
        if width <= 0 or height <= 0:
            raise _damaged()
        # Image.open has parsed only the header, so this refuses a bomb before decoding it.
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        if image.format in ("JPEG", "MPO"):
            # Lets libjpeg decode at 1/2, 1/4 or 1/8 scale when the logo will be shrunk anyway.
            image.draft("RGB", (max_side, max_side))
        image.load()
        removed = _found_metadata(image)
        # Inside the ``with``: a closed Pillow image refuses every operation on its pixels.
        upright = ImageOps.exif_transpose(image) or image
        pixels = _to_rgb_or_rgba(upright)
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _reencode(pixels, removed)


def _found_metadata(image: Image.Image) -> list[str]:
    info = image.info
    found: list[str] = []

    def note(label: str) -> None:
        if label not in found:
            found.append(label)

    try:
        exif = image.getexif()
    except Exception:
        # An EXIF block too broken to parse is still an EXIF block that is being removed.
        exif = Image.Exif()
        note("EXIF")
    if len(exif) or info.get("exif"):
        note("EXIF")
        for label, present in _exif_details(exif):
            if present:
                note(label)
    if any(info.get(key) for key in _XMP_KEYS):
        note("XMP")
    if info.get("photoshop"):
        note("IPTC/Photoshop data")
    if info.get("icc_profile"):
        note("ICC profile")
    if info.get("comment"):
        note("comment")
    if image.format == "PNG" and any(key not in _PNG_TEXT_EXCLUDED for key in _png_text(info)):
        note("PNG text chunks")
    return found


def _exif_details(exif: Image.Exif) -> list[tuple[str, bool]]:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        thumbnail = exif.get_ifd(ExifTags.IFD.IFD1)
    except Exception:
        return []
    merged = {**dict(exif), **sub}
    return [
        ("GPS position", bool(gps)),
        ("camera make and model", any(merged.get(tag) for tag in _CAMERA_TAGS)),
        ("camera serial number", any(merged.get(tag) for tag in _SERIAL_TAGS)),
        ("owner or author name", any(merged.get(tag) for tag in _OWNER_TAGS)),
        ("date and time", any(merged.get(tag) for tag in _DATE_TAGS)),
        # The embedded thumbnail is a separate, often un-cropped copy of the original photo.
        ("embedded thumbnail", bool(thumbnail)),
    ]


def _png_text(info: dict[str, object]) -> list[str]:
    # Pillow stores tEXt/zTXt/iTXt chunks as str (or its iTXt subclass of str) values in info;
    # other PNG keys (dpi, gamma, transparency, ...) are tuples, numbers or bytes.
    return [key for key, value in info.items() if isinstance(value, str)]


def _to_rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit greyscale PNGs would otherwise be clipped to white by a plain convert().
        image = image.convert("I").point(lambda value: value / 257).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    lowest_alpha = rgba.getchannel("A").getextrema()[0]
    # An alpha channel that is fully opaque everywhere is not transparency worth a PNG.
    return rgba if lowest_alpha != 255 else rgba.convert("RGB")


def _reencode(image: Image.Image, removed: list[str]) -> CleanImage:
    # A new image built from the raw pixel buffer has an empty ``info``, so no encoder can carry
    # anything over from the upload, whatever Pillow's defaults become.
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if fresh.mode == "RGBA":
        fresh.save(out, "PNG", optimize=True)
        chosen = "PNG"
    else:
        fresh.save(out, "JPEG", quality=85, optimize=True)
        chosen = "JPEG"
    return CleanImage(
        content=out.getvalue(),
        format=chosen,
        width=fresh.width,
        height=fresh.height,
        removed_metadata=removed,
    )
