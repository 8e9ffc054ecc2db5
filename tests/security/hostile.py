"""A corpus of hostile files and strings, built in memory (nothing is downloaded)."""

import io
import struct
import zipfile
import zlib

from PIL import Image

GPS_INFO = 0x8825


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(size=(64, 48), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming(width, height):
    """A decompression bomb: a few hundred bytes whose header claims width×height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + _png_chunk(b"IEND", b"")
    )


def png_inflating_to(megabytes):
    """A real 1-bit PNG whose pixel data inflates from a few KB to `megabytes` of zeros."""
    side = int((megabytes * 8 * 1024 * 1024) ** 0.5)
    row = b"\0" + b"\0" * ((side + 7) // 8)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * side, 9))
        + _png_chunk(b"IEND", b"")
    )


def gps_jpeg():
    image = Image.new("RGB", (320, 240), (20, 120, 200))
    exif = Image.Exif()
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (48.0, 6.0, 50.0), 3: "W", 4: (1.0, 40.0, 30.0)})
    exif[0x010F] = "<script>alert('exif')</script>"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"<script>alert('comment')</script>")
    return buffer.getvalue()


SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"

SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">
<script>alert(document.domain)</script><rect width="10" height="10"/></svg>"""


def zip_bomb_with_traversal():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../../../etc/cron.d/evil", b"* * * * * root sh -c 'id'\n")
        archive.writestr("/absolute/evil.png", png())
        archive.writestr("bomb.bin", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


def gif():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()


def tiff():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "TIFF")
    return buffer.getvalue()


def oversize_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "JPEG")
    content = buffer.getvalue()
    return content + b"\0" * (10 * 1024 * 1024 + 1 - len(content))


PDF_WITH_JS = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF"
)

# (name, file name, content type, content): refused outright.
REFUSED_FILES = [
    ("decompression bomb (header)", "bomb.png", "image/png", png_claiming(50_000, 50_000)),
    ("decompression bomb (data)", "inflate.png", "image/png", png_inflating_to(64)),
    ("HTML named like a PNG", "page.png", "image/png", SCRIPT),
    ("HTML after a PNG signature", "magic.png", "image/png", b"\x89PNG\r\n\x1a\n" + SCRIPT),
    ("SVG with script", "drawing.svg", "image/svg+xml", SVG),
    ("SVG named like a PNG", "drawing.png", "image/png", SVG),
    ("ZIP bomb with traversal names", "photos.zip", "application/zip", zip_bomb_with_traversal()),
    ("ZIP named like a JPEG", "photo.jpg", "image/jpeg", zip_bomb_with_traversal()),
    ("PDF with JavaScript", "cover.pdf", "application/pdf", PDF_WITH_JS),
    ("GIF", "cover.gif", "image/gif", gif()),
    ("TIFF", "cover.tiff", "image/tiff", tiff()),
    ("over 10 MB", "huge.jpg", "image/jpeg", oversize_jpeg()),
    ("empty", "empty.png", "image/png", b""),
    ("truncated PNG", "cut.png", "image/png", png((400, 300))[:200]),
    ("executable", "cover.png", "image/png", b"MZ\x90\x00" + b"\0" * 200),
]

# Accepted as images, but only their pixels are kept: re-encoded WebP under a name we choose.
SANITISED_FILES = [
    ("PNG with HTML appended (polyglot)", "polyglot.png", "image/png", png() + SCRIPT),
    ("JPEG with GPS and script in EXIF", "holiday.jpg", "image/jpeg", gps_jpeg()),
    ("path traversal name", "../../../../etc/passwd.png", "image/png", png()),
    ("script in the file name", "<img src=x onerror=alert(1)>.png", "image/png", png()),
    ("wrong content type", "cover.png", "text/html", png()),
]

XSS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "';alert(1);//",
    '<a href="javascript:alert(1)">click</a>',
    "{{ 7*7 }}{% debug %}",
]

MARKDOWN_LINKS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](javascript:alert(1))",
    "<a href='javascript:alert(1)'>raw</a>",
    "<iframe src='https://evil.example'></iframe>",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<img src=x onerror="alert(1)">',
]

CSV_INJECTION = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]

CSV_INJECTION_STARTS = ("=", "+", "-", "@", "\t", "\r")
