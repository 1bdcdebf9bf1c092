#!/usr/bin/env python3
"""Write assets/fonts/NotoSansSC-subset.woff2 from the OTF beside it.

The HTML page loads the WOFF2 (Brotli-compressed, about a third smaller); the charts are
still drawn with the OTF. Run after scripts/subset-font.py. Needs
`pip install fonttools brotli`. The output is the same bytes on every run.
"""
import pathlib
from fontTools.ttLib import TTFont

FONTS = pathlib.Path(__file__).resolve().parent.parent / "assets/fonts"
SRC = FONTS / "NotoSansSC-subset.otf"
OUT = FONTS / "NotoSansSC-subset.woff2"

font = TTFont(SRC, recalcTimestamp=False)  # keep head.modified: same bytes every run
font.flavor = "woff2"
font.save(OUT)
print(f"{OUT}: {OUT.stat().st_size} bytes (OTF {SRC.stat().st_size} bytes)")
