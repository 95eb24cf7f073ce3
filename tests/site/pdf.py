"""A minimal, valid PDF writer for the fixture site's reports (text in Helvetica)."""

from __future__ import annotations

import textwrap


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(title: str, author: str, date: str, paragraphs: list[str]) -> bytes:
    """A PDF whose text layer holds ``title`` and ``paragraphs`` (latin-1 text only)."""
    lines = [title, ""]
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, 90) + [""])
    pages = [lines[i:i + 48] for i in range(0, len(lines), 48)]
    objects: list[bytes] = []
    page_ids = [5 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] "
                   f"/Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    stamp = date.replace("-", "")[:8]
    objects.append(f"<< /Title ({_escape(title)}) /Author ({_escape(author)}) "
                   f"/CreationDate (D:{stamp}000000Z) /Producer (labourwatch fixture) >>"
                   .encode("latin-1", "replace"))
    for number, page in enumerate(pages):
        content = "BT /F1 10 Tf 14 TL 56 790 Td " + " ".join(
            f"({_escape(line)}) Tj T*" for line in page) + " ET"
        data = content.encode("latin-1", "replace")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {page_ids[number] + 1} 0 R >>".encode())
        objects.append(b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data
                       + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
