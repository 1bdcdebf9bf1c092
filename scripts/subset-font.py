#!/usr/bin/env python3
"""Regenerate assets/fonts/NotoSansSC-subset.otf and NotoSansSC-Bold-subset.otf.

Takes the Simplified Chinese face (index 2) of Debian's fonts-noto-cjk
NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc (the PDF's headings and table headers) and
keeps ASCII, GB 2312, common full-width punctuation and every
character used under data/, templates/ and the report source text. Needs
`apt-get install fonts-noto-cjk` and `pip install fonttools`.
Usage: scripts/subset-font.py sources/report-2023-2024.txt [more text files...]
"""
import pathlib, sys
from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = pathlib.Path(__file__).resolve().parent.parent
FACES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", ROOT / "assets/fonts/NotoSansSC-subset.otf"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", ROOT / "assets/fonts/NotoSansSC-Bold-subset.otf"),
]

chars = set(chr(c) for c in range(0x20, 0x7F))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars |= set("—–‘’“”…·、。，．：；！？（）《》〈〉「」『』【】〔〕％＋－×÷～·●○■□▲△◆◇★☆→←↑↓≥≤≈±−")  # − U+2212: formulas in figure notes
texts = [p for d in ("data", "templates") for p in (ROOT / d).rglob("*") if p.suffix in {".csv", ".yaml", ".md", ".html", ".txt"}]
texts += [pathlib.Path(a) for a in sys.argv[1:]]
for p in texts:
    chars |= set(p.read_text(encoding="utf-8"))
chars = {c for c in chars if c.isprintable()}

for ttc, out in FACES:
    font = TTCollection(ttc).fonts[2]  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
    assert "SC" in font["name"].getDebugName(4), font["name"].getDebugName(4)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    font.save(out)
    print(f"{out}: {len(chars)} characters requested, {out.stat().st_size} bytes")
