"""Uploaded logos: hostile files are refused cleanly, and nothing but pixels survives."""

from __future__ import annotations

import inspect
import io
import struct
import time
import warnings
import zlib

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, PngImagePlugin

from palermo.common.images import CleanImage, clean_logo

if not settings.configured:  # lets these pure tests run with `-p no:django` while settings churn
    settings.configure(USE_I18N=False)

pytestmark = pytest.mark.unit

SECRET = "Via Maqueda 42, safe house"


# --- Builders -----------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (0, 0, size[0] // 2, size[1]))
    return image


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.DateTime] = "2026:03:01 09:15:00"
    exif[ExifTags.Base.Artist] = "Jane Doe"
    exif[ExifTags.Base.ImageDescription] = SECRET
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (38.0, 7.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 21.0, 36.0),
    }
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.BodySerialNumber: "SN-0042",
        ExifTags.Base.DateTimeOriginal: "2026:03:01 09:15:00",
    }
    return exif


def exif_with_thumbnail_ifd() -> bytes:
    """Raw EXIF whose IFD1 (the thumbnail directory) is present, as cameras write it."""
    make = b"Canon\x00"
    ifd0_at, ifd1_at = 8, 8 + 18
    data_at = ifd1_at + 18
    ifd0 = (
        struct.pack("<H", 1)
        + struct.pack("<HHII", ExifTags.Base.Make, 2, len(make), data_at)
        + struct.pack("<I", ifd1_at)
    )
    ifd1 = (
        struct.pack("<H", 1)
        + struct.pack("<HHIHH", ExifTags.Base.Compression, 3, 1, 6, 0)
        + struct.pack("<I", 0)
    )
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", ifd0_at) + ifd0 + ifd1 + make


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims huge dimensions, with almost no pixel data behind it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def valid_png_bomb(side: int) -> bytes:
    """A complete, valid 1-bit PNG of side x side: a few dozen KB that decode to side² pixels."""
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(packer.compress(row * (side % 1000)))
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(photo((8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("P", (8, 8)), "GIF"))
    struct.pack_into("<HH", data, 6, width, height)
    return bytes(data)


def opened(clean: CleanImage) -> Image.Image:
    image = Image.open(io.BytesIO(clean.content))
    image.load()
    return image


def refusal(data: bytes, **limits: int) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_logo(data, **limits)
    return caught.value


def assert_no_metadata(clean: CleanImage) -> None:
    image = opened(clean)
    assert len(image.getexif()) == 0
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
        assert key not in image.info, key
    assert not [v for v in image.info.values() if isinstance(v, str)]
    for needle in (
        b"Exif",
        b"GPS",
        b"Canon",
        b"Jane",
        b"SN-0042",
        b"xmpmeta",
        b"tEXt",
        b"iTXt",
        b"zTXt",
        b"eXIf",
        b"iCCP",
        SECRET.encode(),
    ):
        assert needle not in clean.content, needle


# --- Metadata is removed and named --------------------------------------------------------------


def test_jpeg_with_gps_exif_xmp_comment_and_icc_is_stripped():
    data = encode(
        photo(),
        "JPEG",
        exif=gps_exif(),
        xmp=f"<x:xmpmeta><dc:creator>Jane</dc:creator><dc:description>{SECRET}"
        "</dc:description></x:xmpmeta>".encode(),
        comment=SECRET.encode(),
        icc_profile=b"not-really-an-icc-profile",
    )
    assert b"GPS" in data or Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    clean = clean_logo(data)

    assert_no_metadata(clean)
    for label in (
        "EXIF",
        "GPS position",
        "camera make and model",
        "camera serial number",
        "owner or author name",
        "date and time",
        "XMP",
        "comment",
        "ICC profile",
    ):
        assert label in clean.removed_metadata, label
    assert len(clean.removed_metadata) == len(set(clean.removed_metadata))


def test_exif_thumbnail_is_named_and_removed():
    clean = clean_logo(encode(photo(), "JPEG", exif=exif_with_thumbnail_ifd()))
    assert "embedded thumbnail" in clean.removed_metadata
    assert_no_metadata(clean)


def test_iptc_photoshop_block_is_named_and_removed():
    iptc = b"8BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x78\x00\x07" + b"caption"
    segment = b"\xff\xed" + struct.pack(">H", 2 + 14 + len(iptc)) + b"Photoshop 3.0\x00" + iptc
    data = encode(photo(), "JPEG")
    data = data[:2] + segment + data[2:]
    clean = clean_logo(data)
    assert "IPTC/Photoshop data" in clean.removed_metadata
    assert b"caption" not in clean.content and b"8BIM" not in clean.content


def test_png_text_chunks_are_stripped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_text("Comment", SECRET, zip=True)
    info.add_itxt("Description", SECRET)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>Jane</x:xmpmeta>")
    data = encode(photo(), "PNG", pnginfo=info, exif=gps_exif())

    clean = clean_logo(data)

    assert_no_metadata(clean)
    for label in ("PNG text chunks", "XMP", "EXIF", "GPS position"):
        assert label in clean.removed_metadata, label


def test_png_text_after_the_image_data_is_found_too():
    data = encode(photo(), "PNG")
    end = data.rindex(b"IEND") - 4
    data = data[:end] + png_chunk(b"tEXt", b"Author\x00" + SECRET.encode()) + data[end:]
    clean = clean_logo(data)
    assert "PNG text chunks" in clean.removed_metadata
    assert_no_metadata(clean)


def test_webp_metadata_is_stripped():
    data = encode(photo(), "WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>Jane</x:xmpmeta>")
    clean = clean_logo(data)
    assert {"EXIF", "GPS position", "XMP"} <= set(clean.removed_metadata)
    assert_no_metadata(clean)


def test_gif_comment_is_stripped():
    clean = clean_logo(encode(photo().convert("P"), "GIF", comment=SECRET.encode()))
    assert "comment" in clean.removed_metadata
    assert_no_metadata(clean)


def test_a_clean_image_reports_nothing_removed():
    assert clean_logo(encode(photo(), "PNG")).removed_metadata == []
    assert clean_logo(encode(photo(), "JPEG")).removed_metadata == []


# --- Decompression bombs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png_claiming(100_000, 100_000), id="png-header-100k-squared"),
        pytest.param(png_claiming(10_000, 10_000), id="png-header-between-pillow-limits"),
        pytest.param(png_claiming(5_000, 5_000), id="png-header-above-our-limit"),
        pytest.param(png_claiming(1, 20_000_000), id="png-header-one-pixel-wide"),
        pytest.param(jpeg_claiming(65_000, 65_000), id="jpeg-header"),
        pytest.param(gif_claiming(65_535, 65_535), id="gif-header"),
    ],
)
def test_bombs_are_refused_quickly(data):
    start = time.perf_counter()
    error = refusal(data)
    assert time.perf_counter() - start < 0.5
    assert error.code == "too_many_pixels"
    assert error.messages == ["The image has too many pixels: the limit is 16 megapixels."]


def test_valid_compressed_bomb_is_refused_before_decoding():
    data = valid_png_bomb(20_000)  # 400 megapixels in about 50 KB
    assert len(data) < 100_000
    start = time.perf_counter()
    assert refusal(data).code == "too_many_pixels"
    assert time.perf_counter() - start < 0.5


def test_real_image_just_over_the_limit_is_refused_without_decoding():
    data = encode(Image.new("1", (4_100, 4_000)), "PNG")  # 16.4 megapixels, valid
    start = time.perf_counter()
    assert refusal(data).code == "too_many_pixels"
    assert time.perf_counter() - start < 0.5


def test_pillows_own_warning_is_an_error_even_with_a_generous_limit():
    # 100 megapixels is above Pillow's warning threshold; our limit is set higher on purpose so
    # that only the warning can stop it.
    error = refusal(png_claiming(10_000, 10_000), max_pixels=500_000_000)
    assert error.code == "too_many_pixels"


def test_global_pillow_and_warning_state_is_unchanged():
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    refusal(png_claiming(10_000, 10_000))
    clean_logo(encode(photo(), "PNG"))
    assert warnings.filters == filters_before
    assert limit_before == Image.MAX_IMAGE_PIXELS


# --- Size, type and damage ----------------------------------------------------------------------


def test_oversized_upload_is_refused_before_decoding(monkeypatch):
    def explode(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded an oversized upload")

    monkeypatch.setattr(Image, "open", explode)
    error = refusal(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_000_000)
    assert error.code == "file_too_large"
    assert error.messages == ["The image is too large: the limit is 2 MB."]


def test_size_limit_is_inclusive():
    data = encode(photo(), "PNG")
    assert clean_logo(data, max_bytes=len(data)).format in {"PNG", "JPEG"}
    assert refusal(data, max_bytes=len(data) - 1).code == "file_too_large"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(
            b"%PDF-1.7\n1 0 obj << /OpenAction << /JS (app.alert(1)) >> >>\n%%EOF", id="pdf"
        ),
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b"<script>alert(1)</script></svg>",
            id="svg",
        ),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, id="zip"),
        pytest.param(b"GIF89a=alert(1)//", id="gifar-ish"),
        pytest.param(bytes(range(256)) * 4, id="noise"),
        pytest.param(encode(photo(), "BMP"), id="bmp"),
        pytest.param(encode(photo(), "TIFF"), id="tiff"),
        pytest.param(encode(photo(), "ICO"), id="ico"),
    ],
)
def test_non_images_and_other_formats_are_refused(data):
    error = refusal(data)
    assert error.code in {"invalid_image_format", "damaged_image"}
    assert error.messages


def test_svg_gets_the_format_message():
    error = refusal(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert error.code == "invalid_image_format"
    assert "SVG" in error.messages[0]


def test_png_with_html_after_iend_is_reencoded_without_it():
    payload = b"<html><body><script>alert(document.cookie)</script></body></html>"
    clean = clean_logo(encode(photo(), "PNG") + payload)
    for needle in (b"<html", b"<script", b"alert"):
        assert needle not in clean.content


def test_jpeg_with_html_in_its_comment_is_reencoded_without_it():
    clean = clean_logo(encode(photo(), "JPEG", comment=b"<script>alert(1)</script>"))
    assert b"<script" not in clean.content
    assert "comment" in clean.removed_metadata


def test_file_names_play_no_part():
    # There is no parameter through which a name or Content-Type could be trusted.
    assert list(inspect.signature(clean_logo).parameters) == [
        "data",
        "max_bytes",
        "max_pixels",
        "max_side",
    ]
    # The same PNG bytes are a PNG whatever they were called, and SVG bytes are never an image.
    assert clean_logo(encode(photo(), "PNG")).width == 64


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_truncated_files_are_refused(fmt):
    noisy = Image.effect_noise((256, 256), 80).convert("RGB")
    data = encode(noisy if fmt != "GIF" else noisy.convert("P"), fmt)
    error = refusal(data[: len(data) // 2])
    assert error.code in {"damaged_image", "invalid_image_format"}
    assert error.messages


def test_truncated_jpeg_has_the_damaged_message():
    data = encode(Image.effect_noise((256, 256), 80).convert("RGB"), "JPEG")
    error = refusal(data[: len(data) // 2])
    assert error.code == "damaged_image"
    assert "damaged" in error.messages[0]


_SEEDS = [
    encode(photo(), "PNG"),
    encode(photo(), "JPEG", exif=gps_exif()),
    encode(photo().convert("P"), "GIF"),
    encode(photo(), "WEBP"),
]


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10_000),
)
def test_mutated_images_never_raise_anything_but_validation_errors(seed, edits, cut):
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    data = data[: max(1, len(data) - cut % len(data))]
    try:
        clean = clean_logo(bytes(data))
    except ValidationError as error:
        assert error.messages
    else:
        assert clean.format in {"PNG", "JPEG"}
        assert max(clean.width, clean.height) <= 512
        assert opened(clean).size == (clean.width, clean.height)


# --- Output -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [((3000, 1000), (512, 171)), ((1000, 3000), (171, 512)), ((100, 50), (100, 50))],
)
def test_output_fits_max_side_without_upscaling(size, expected):
    clean = clean_logo(encode(photo(size), "PNG"))
    assert (clean.width, clean.height) == expected
    image = opened(clean)
    assert image.size == expected
    assert image.format == clean.format


def test_custom_max_side():
    clean = clean_logo(encode(photo((400, 400)), "JPEG"), max_side=128)
    assert (clean.width, clean.height) == (128, 128)


def test_extreme_aspect_ratio_still_gives_a_valid_image():
    clean = clean_logo(encode(Image.new("RGB", (8000, 2), "red"), "PNG"))
    assert clean.width == 512 and clean.height >= 1
    opened(clean)


def test_opaque_image_becomes_jpeg():
    clean = clean_logo(encode(photo(), "PNG"))
    assert clean.format == "JPEG"
    assert opened(clean).mode == "RGB"


def test_transparent_image_stays_png_with_alpha():
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((10, 120, 200, 255), (10, 10, 30, 30))
    clean = clean_logo(encode(image, "PNG"))
    assert clean.format == "PNG"
    out = opened(clean)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((20, 20)) == (10, 120, 200, 255)


def test_fully_opaque_alpha_channel_gives_jpeg():
    assert clean_logo(encode(photo().convert("RGBA"), "PNG")).format == "JPEG"


def test_palette_transparency_is_kept():
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.paste(1, (5, 5, 15, 15))
    clean = clean_logo(encode(image, "GIF", transparency=0))
    assert clean.format == "PNG"
    assert opened(clean).getpixel((0, 0))[3] == 0


def test_animated_gif_keeps_only_the_first_frame():
    red, blue = Image.new("RGB", (16, 16), "red"), Image.new("RGB", (16, 16), "blue")
    data = encode(red.convert("P"), "GIF", save_all=True, append_images=[blue.convert("P")])
    out = opened(clean_logo(data)).convert("RGB")
    red_value, _green, blue_value = out.getpixel((8, 8))
    assert red_value > 200 and blue_value < 60


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (200, 100), "blue")
    image.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # display rotated 90° clockwise
    clean = clean_logo(encode(image, "JPEG", exif=exif, quality=95))
    assert (clean.width, clean.height) == (100, 200)
    out = opened(clean)
    top, bottom = out.getpixel((50, 20)), out.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert len(out.getexif()) == 0


def test_mpo_from_phones_is_accepted_as_jpeg():
    data = encode(photo(), "MPO", save_all=True, append_images=[photo()])
    clean = clean_logo(data)
    assert clean.format == "JPEG"
    assert opened(clean).format == "JPEG"


def test_cmyk_jpeg_is_converted_to_rgb():
    clean = clean_logo(encode(photo().convert("CMYK"), "JPEG"))
    assert opened(clean).mode == "RGB"


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    clean = clean_logo(encode(Image.new("I;16", (20, 20), 32_768), "PNG"))
    value = opened(clean).convert("L").getpixel((10, 10))
    assert 110 < value < 145


def test_clean_image_is_frozen():
    clean = clean_logo(encode(photo(), "PNG"))
    with pytest.raises(AttributeError):
        clean.format = "GIF"  # type: ignore[misc]
