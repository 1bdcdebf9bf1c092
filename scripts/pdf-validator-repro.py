#!/usr/bin/env python3
"""Minimal reproductions of the two page-validation 0.11 findings on the print edition.

1. PDFUA1-FONT-GLYPH-WIDTH-001 / PDFA2A-TRUETYPE-GLYPH-WIDTH-001: the validator reads the
   glyphs of an embedded CIDFontType0C as 0 wide when the CFF Top DICT's FontMatrix is
   written `1e 0a 00 1f` (0.001, leading zero nibble), as subsetter 0.2.6 writes it.
   Rewriting only those 4 bytes as `1e a0 01 ff` (.001, same length, same value) in each
   font program clears the finding. vendor/subsetter writes the second form.
2. PDFA2A-STREAM-LENGTH-001: a stream whose (compressed) data happens to end with a CR
   byte is followed by pdf-writer's LF and `endstream`; the validator takes CR LF as the
   end-of-line marker and counts one byte less than /Length. Listed here, not changed.

Usage: scripts/pdf-validator-repro.py FILE.pdf. Needs `pip install page-validation pikepdf`.
"""
import re
import sys
import tempfile

import page
import pikepdf

OLD, NEW = bytes.fromhex("1e0a001f8b8b1e0a001f8b8b0c07"), bytes.fromhex("1ea001ff8b8b1ea001ff8b8b0c07")


def failures(path):
    found = []
    for profile in (page.ValidationProfile.PDF_UA_1, page.ValidationProfile.PDF_A_2A):
        report = page.validate_pdf(path, profile=profile, limits=page.SafetyLimits.unlimited())
        found += [f"{f.rule_id}: {f.message} ({f.object_id})" for f in report.failures]
    return found


path = sys.argv[1]
print("as written:", *failures(path) or ["no failures"], sep="\n  ")

pdf = pikepdf.open(path)
patched = 0
for obj in pdf.objects:
    if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/CIDFontType0":
        program = obj.FontDescriptor.FontFile3
        data = program.read_bytes()
        if data.count(OLD) == 1:
            program.write(data.replace(OLD, NEW))
            patched += 1
with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
    pdf.save(out.name)  # qpdf writes the file anew: a /Length finding may move to another stream
    print(f"with the FontMatrix of {patched} font programs written as .001:", *failures(out.name) or ["no failures"], sep="\n  ")

raw = open(path, "rb").read()
for m in re.finditer(rb"\n(\d+) 0 obj\n<<[^>]*?/Length (\d+)[^>]*>>\nstream\n", raw):
    end = m.end() + int(m.group(2))
    if raw[end - 1:end] == b"\r" and raw[end:end + 10] == b"\nendstream":
        print(f"object {m.group(1).decode()}: its data ends with CR, then LF endstream (/Length {m.group(2).decode()} is right)")
