"""Rebuild the fonts vendored for PDFs (static/vendor/noto-fonts-*/) from Debian's packages.

    .venv/bin/python scripts/vendor_fonts.py           # apt-get download of the pinned .debs
    .venv/bin/python scripts/vendor_fonts.py --system  # the installed packages instead
    .venv/bin/python scripts/vendor_fonts.py --check   # rebuild in memory and compare only

Each source file's SHA-256 is pinned below, so a different upstream build fails loudly instead
of changing the PDFs silently. The output is deterministic: the same sources give the same bytes
(and the checksums recorded in static/vendor/VENDORED.md).

What is done to the fonts (all under the SIL Open Font License 1.1, which allows it):

- hinting is dropped everywhere: it only helps low-resolution screens, and PDFs are printed or
  zoomed; it is a third of a Noto TTF;
- Noto Sans (Latin, Greek, Cyrillic) and Noto Naskh Arabic keep every character they have;
- Noto Sans Mono keeps Basic Latin, Latin-1 and General Punctuation (hashes, JSON, code);
- Noto Sans CJK SC (~20 MB per weight, in a .ttc with JP/KR/TC/HK) keeps GB 2312 (6,763 hanzi
  plus its 682 symbols, Greek, Cyrillic, kana and pinyin letters), CJK Symbols and Punctuation
  and the Halfwidth and Fullwidth Forms: about 3 MB per weight. GB 2312 is derived offline from
  Python's own codec, so the set is reproducible. Characters outside it (rare hanzi, traditional
  forms) are not in our font: WeasyPrint then falls back to whatever fonts the system has, or
  draws a .notdef box on a machine without any. tests/common/test_pdf.py checks that every
  character of our translation catalogs is covered.

OpenType layout tables (GSUB/GPOS, all features) are kept: Arabic joining, mark placement and
CJK punctuation widths need them.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

PACKAGES = {
    "fonts-noto-core": "20201225-1",
    "fonts-noto-mono": "20201225-1",
    "fonts-noto-cjk": "1:20220127+repack1-1",
}
TTF = "usr/share/fonts/truetype/noto"
OTF = "usr/share/fonts/opentype/noto"

LATIN_MONO = (*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2000, 0x2070))


def gb2312() -> tuple[int, ...]:
    """Every character of GB 2312 (EUC-CN rows 0xA1-0xF7, cells 0xA1-0xFE), from Python's codec."""
    chars = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return tuple(sorted(chars))


def cjk_set() -> tuple[int, ...]:
    extra = (*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0))  # CJK punctuation, full width
    return tuple(sorted({*gb2312(), *extra, 0x20, 0xA0}))


@dataclass(frozen=True)
class Font:
    out: str  # path under static/vendor/
    package: str
    member: str  # path inside the package
    sha256: str  # of the source file
    font_number: int = 0  # index in a .ttc collection
    unicodes: tuple[int, ...] | None = None  # None: all the source's characters


NOTO = "noto-fonts-20201225"
CJK = "noto-fonts-cjk-20220127"

FONTS = (
    Font(
        f"{NOTO}/NotoSans-Regular.ttf",
        "fonts-noto-core",
        f"{TTF}/NotoSans-Regular.ttf",
        "89c3c497f618fdaa0b2d1e98fef93582f28c71debd2c4a8cdf41f190ced2909d",
    ),
    Font(
        f"{NOTO}/NotoSans-Bold.ttf",
        "fonts-noto-core",
        f"{TTF}/NotoSans-Bold.ttf",
        "e83493c945848ecd4a9ad0f6d19164541a0d3e23a9c952304a00a46e00272ac5",
    ),
    Font(
        f"{NOTO}/NotoSans-Italic.ttf",
        "fonts-noto-core",
        f"{TTF}/NotoSans-Italic.ttf",
        "5d7618dda819443fd07301c84adcee9fe8960c873ea5e5e1f0f59db384b78082",
    ),
    Font(
        f"{NOTO}/NotoNaskhArabic-Regular.ttf",
        "fonts-noto-core",
        f"{TTF}/NotoNaskhArabic-Regular.ttf",
        "8c67eaa2f0086872628fc3f7f760386f83c8be5c5e9a1ba3a38891237b2ac7cb",
    ),
    Font(
        f"{NOTO}/NotoNaskhArabic-Bold.ttf",
        "fonts-noto-core",
        f"{TTF}/NotoNaskhArabic-Bold.ttf",
        "b5cbcb561b4b540ff11d7b6934577dbbbbb9e1d152d47f6f31f19176d58ff39c",
    ),
    Font(
        f"{NOTO}/NotoSansMono-Regular.ttf",
        "fonts-noto-mono",
        f"{TTF}/NotoSansMono-Regular.ttf",
        "6b692c4b6d15ccf59f1c1fe8d11cb8a92f51960f3e9f1f523781755a3af7e29f",
        unicodes=LATIN_MONO,
    ),
    Font(
        f"{CJK}/NotoSansCJKsc-Regular.otf",
        "fonts-noto-cjk",
        f"{OTF}/NotoSansCJK-Regular.ttc",
        "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a",
        font_number=2,  # JP, KR, SC, TC, HK, then the Mono variants
        unicodes=cjk_set(),
    ),
    Font(
        f"{CJK}/NotoSansCJKsc-Bold.otf",
        "fonts-noto-cjk",
        f"{OTF}/NotoSansCJK-Bold.ttc",
        "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb",
        font_number=2,
        unicodes=cjk_set(),
    ),
)

# Where each folder's OFL.txt takes its licence text from (Debian's copyright file quotes it).
LICENCES = {NOTO: "fonts-noto-core", CJK: "fonts-noto-cjk"}


def fetch_packages(dest: Path) -> dict[str, Path]:
    """Download the pinned .debs with apt-get and unpack each into its own folder."""
    roots = {}
    for package, version in PACKAGES.items():
        folder = dest / package
        folder.mkdir()
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=folder, check=True)
        (deb,) = folder.glob("*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "root")], check=True)
        roots[package] = folder / "root"
    return roots


def system_packages() -> dict[str, Path]:
    for package, version in PACKAGES.items():
        installed = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
        ).stdout
        if installed != version:
            sys.exit(f"{package} {version} is needed, {installed or 'none'} is installed")
    return dict.fromkeys(PACKAGES, Path("/"))


def build(font: Font, root: Path) -> bytes:
    source = root / font.member
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != font.sha256:
        sys.exit(f"{source}: SHA-256 {digest}, expected {font.sha256}")
    ttfont = TTFont(source, fontNumber=font.font_number, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.unicodes or ttfont.getBestCmap().keys())
    subsetter.subset(ttfont)
    out = io.BytesIO()
    ttfont.save(out)
    return out.getvalue()


def ofl_text(root: Path, package: str, fonts: list[tuple[Font, bytes]]) -> str:
    """The OFL 1.1 as quoted in Debian's machine-readable copyright file, after the notices."""
    lines = (root / "usr/share/doc" / package / "copyright").read_text().splitlines()
    # The stand-alone licence paragraph (Debian names it OFL-1.1 or SIL-1.1), not a Files: one.
    start = next(
        i
        for i, line in enumerate(lines)
        if line in ("License: OFL-1.1", "License: SIL-1.1") and i and not lines[i - 1]
    )
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        body.append("" if line == " ." else line[1:])
    notices = sorted(
        {TTFont(io.BytesIO(data), lazy=True)["name"].getDebugName(0) for _, data in fonts}
    )
    names = "\n".join(
        f"- {Path(font.out).name}: {font.member} in Debian's {font.package}" for font, _ in fonts
    )
    return (
        "\n".join(notices)
        + "\n\nSubsets (hinting removed; see scripts/vendor_fonts.py) of:\n"
        + names
        + "\n\nThis Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
        + "This license is copied below, and is also available with a FAQ at:\n"
        + "https://openfontlicense.org\n\n"
        + "\n".join(body).strip()
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", action="store_true", help="use the installed packages")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        roots = system_packages() if args.system else fetch_packages(Path(tmp))
        built = [(font, build(font, roots[font.package])) for font in FONTS]
        outputs = {font.out: data for font, data in built}
        for folder, package in LICENCES.items():
            members = [(font, data) for font, data in built if font.out.startswith(folder + "/")]
            outputs[f"{folder}/OFL.txt"] = ofl_text(roots[package], package, members).encode()

    differs = False
    for name, data in outputs.items():
        path = VENDOR / name
        same = path.exists() and path.read_bytes() == data
        differs |= not same
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        state = "same" if same else ("DIFFERS" if args.check else "written")
        print(f"{hashlib.sha256(data).hexdigest()}  {len(data):>9,}  {name}  ({state})")
    if args.check and differs:
        sys.exit("the vendored fonts differ from a rebuild")


if __name__ == "__main__":
    main()
