"""Rebuild the fallback fonts shipped in documents/fonts from their source packages.

Not part of the app: the PDFs read only the finished subsets. Run it from the
project root after ``.venv/bin/pip install '.[fonts]'`` (fontTools)::

    .venv/bin/python scripts/build_fonts.py            # fetches the packages below
    .venv/bin/python scripts/build_fonts.py --sources DIR   # or uses DIR if it has them

The sources are named exactly, with the SHA-256 of each font file, so a rebuild
gives the same glyphs or stops:

- Noto Sans SC and Noto Sans KR (Regular), Noto Emoji (the monochrome outline
  font, Regular): the Google Fonts builds as packaged on npm by
  ``@expo-google-fonts``. These are TrueType (glyf) fonts, which reportlab
  needs; Debian's fonts-noto-cjk has only CFF outlines.
- Noto Sans Arabic (Regular, Bold): Debian's fonts-noto-core.

All are under the SIL Open Font License 1.1; documents/fonts/LICENSE-Noto.txt
carries it with each font's copyright line. The subsets keep the fonts' names
and drop what reportlab doesn't use (hinting, layout tables, vertical metrics).

What each subset holds, and why:

- CJK (Noto Sans SC): the Han characters of GB 2312 (the 6,763 in everyday
  simplified Chinese), Big5 level 1 (5,401 frequent traditional characters) and
  JIS X 0208 (6,355 Japanese kanji), 10,269 in all; kana, bopomofo, CJK
  punctuation and full-width forms. Glyphs are the simplified-Chinese forms.
- Hangul (Noto Sans KR): all 11,172 precomposed syllables and the jamo.
- Emoji (Noto Emoji): every emoji it has, without its ASCII digits and signs
  (those stay in DejaVu Sans so "1" looks the same everywhere).
- Arabic (Noto Sans Arabic): the Arabic blocks and both presentation-form
  blocks, for the forms DejaVu Sans lacks (Urdu's heh goal and yeh barree, and
  letters of other languages written in Arabic script).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "documents" / "fonts"


@dataclass(frozen=True)
class Source:
    package: str  # "npm:name@version" or "deb:name=version"
    member: str  # path of the font inside the package
    sha256: str


NOTO_SC = Source(
    "npm:@expo-google-fonts/noto-sans-sc@0.4.3",
    "package/400Regular/NotoSansSC_400Regular.ttf",
    "d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16",
)
NOTO_KR = Source(
    "npm:@expo-google-fonts/noto-sans-kr@0.4.3",
    "package/400Regular/NotoSansKR_400Regular.ttf",
    "8cbc9b353bb9ce848fd69bb6a507319dfacc659cf5fd643db5d88f3c4970e1dd",
)
NOTO_EMOJI = Source(
    "npm:@expo-google-fonts/noto-emoji@0.4.7",
    "package/400Regular/NotoEmoji_400Regular.ttf",
    "24aaa2a20c9c06ffe9bf04284bfd1f14376a329d10122f902abe2770817eb504",
)
NOTO_ARABIC = Source(
    "deb:fonts-noto-core=20201225-1",
    "usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "504d7407d86875acf7d04dfaa0fd7524d0b8797723bc4aa18022f29db25b0b6e",
)
NOTO_ARABIC_BOLD = Source(
    "deb:fonts-noto-core=20201225-1",
    "usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    "ded6fc7359ca36d15d7aab9ef0c066e21ce48b26a069994d6602fa2cb9a1b952",
)


def _span(first: int, last: int) -> set[int]:
    return set(range(first, last + 1))


def _double_byte(codec: str, leads: range, trails: list[int]) -> set[int]:
    """Every character a legacy double-byte character set encodes."""
    found: set[int] = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(ord(text))
    return found


def _han(code_points: set[int]) -> set[int]:
    return {c for c in code_points if 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF}


def cjk_code_points() -> set[int]:
    euc_trails = list(range(0xA1, 0xFF))
    gb2312 = _double_byte("gb2312", range(0xA1, 0xF8), euc_trails)
    big5_level1 = _double_byte("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *euc_trails])
    jis_x_0208 = _double_byte("euc_jp", range(0xA1, 0xF5), euc_trails)
    return (
        _han(gb2312 | big5_level1 | jis_x_0208)
        | _span(0x3000, 0x303F)  # CJK symbols and punctuation
        | _span(0x3040, 0x30FF)  # hiragana, katakana
        | _span(0x31F0, 0x31FF)  # katakana phonetic extensions
        | _span(0x3100, 0x312F)  # bopomofo
        | _span(0xFE10, 0xFE1F)  # vertical forms
        | _span(0xFE30, 0xFE4F)  # CJK compatibility forms
        | _span(0xFF00, 0xFFEF)  # half-width and full-width forms
    )


def hangul_code_points() -> set[int]:
    return _span(0xAC00, 0xD7A3) | _span(0x1100, 0x11FF) | _span(0x3130, 0x318F)


def emoji_code_points(font_path: Path) -> set[int]:
    from fontTools.ttLib import TTFont

    return {c for c in TTFont(font_path).getBestCmap() if c >= 0x2000}


def arabic_code_points() -> set[int]:
    return (
        _span(0x0600, 0x06FF)
        | _span(0x0750, 0x077F)
        | _span(0x08A0, 0x08FF)
        | _span(0xFB50, 0xFDFF)
        | _span(0xFE70, 0xFEFF)
    )


# --------------------------------------------------------------------------- sources


def _fetch(package: str, into: Path) -> Path:
    """Download one package with its own registry's client and unpack it; return the folder."""
    kind, spec = package.split(":", 1)
    target = into / spec.replace("/", "_").replace("@", "_").replace("=", "_")
    if target.exists():
        return target
    download = into / "downloads"
    download.mkdir(parents=True, exist_ok=True)
    if kind == "npm":
        out = subprocess.run(
            ["npm", "pack", "--silent", spec],
            cwd=download,
            check=True,
            capture_output=True,
            text=True,
        )
        archive = download / out.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    elif kind == "deb":
        subprocess.run(["apt-get", "download", spec], cwd=download, check=True)
        name = spec.split("=")[0]
        (deb,) = download.glob(f"{name}_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    else:
        raise ValueError(f"unknown package kind in {package!r}")
    return target


def _source_file(source: Source, sources: Path) -> Path:
    path = _fetch(source.package, sources) / source.member
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != source.sha256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {source.sha256}; not building from it")
    return path


# --------------------------------------------------------------------------- subsetting


def _subset(source: Path, code_points: set[int], target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []  # reportlab doesn't shape: ligatures and kerning go unused
    options.hinting = False  # PDF viewers rasterise at high resolution without it
    options.drop_tables += ["vhea", "vmtx", "BASE", "STAT", "GDEF", "GSUB", "GPOS", "gasp"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # same input, same bytes
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(code_points))
    subsetter.subset(font)
    font.save(target)
    print(
        f"{target.relative_to(ROOT)}: {len(font.getBestCmap())} characters, "
        f"{target.stat().st_size / 1e6:.2f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, help="folder to download and unpack packages in")
    args = parser.parse_args()
    scratch = None
    if args.sources is None:
        scratch = Path(tempfile.mkdtemp(prefix="flagpost-fonts-"))
    sources = args.sources or scratch
    assert sources is not None
    try:
        sc = _source_file(NOTO_SC, sources)
        kr = _source_file(NOTO_KR, sources)
        emoji = _source_file(NOTO_EMOJI, sources)
        arabic = _source_file(NOTO_ARABIC, sources)
        arabic_bold = _source_file(NOTO_ARABIC_BOLD, sources)
        _subset(sc, cjk_code_points(), FONT_DIR / "NotoSansSC-Regular-subset.ttf")
        _subset(kr, hangul_code_points(), FONT_DIR / "NotoSansKR-Regular-subset.ttf")
        _subset(emoji, emoji_code_points(emoji), FONT_DIR / "NotoEmoji-Regular-subset.ttf")
        _subset(arabic, arabic_code_points(), FONT_DIR / "NotoSansArabic-Regular-subset.ttf")
        _subset(arabic_bold, arabic_code_points(), FONT_DIR / "NotoSansArabic-Bold-subset.ttf")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
