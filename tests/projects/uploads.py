"""Sample uploads, good and bad, for the file and picture tests."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'
DXF = b"0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n"
STL_ASCII = b"solid cube\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nendloop\nendfacet\nendsolid cube\n"
STL_BINARY = b"binary header".ljust(80, b" ") + struct.pack("<I", 1) + bytes(50)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def decompression_bomb():
    """A tiny PNG that declares 20 000 × 20 000 pixels (400 megapixels)."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


GOOD = {
    "drawing.svg": SVG,
    "plan.dxf": DXF,
    "part.stl": STL_ASCII,
    "binary.stl": STL_BINARY,
    "print.3mf": zip_bytes({"3D/3dmodel.model": b"<model/>", "[Content_Types].xml": b"<Types/>"}),
    "manual.pdf": PDF,
    "sources.zip": zip_bytes({"src/main.c": b"int main(void) { return 0; }\n"}),
}

BAD = {
    "html-as-png": ("photo.png", b"<html><script>alert(1)</script></html>", "content"),
    "svg-script": (
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "svg_unsafe",
    ),
    "svg-onload": ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "svg_unsafe"),
    "svg-external": (
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://evil.example/x.png"/></svg>',
        "svg_unsafe",
    ),
    "svg-javascript-href": (
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        "svg_unsafe",
    ),
    "svg-animated-javascript": (
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="java script:alert(1)"/>'
        b"<rect/></a></svg>".replace(b"java script", b"javascript"),
        "svg_unsafe",
    ),
    "svg-entities": (
        "evil.svg",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        "svg_unsafe",
    ),
    "not-svg": ("drawing.svg", b"<html><body>hi</body></html>", "content_mismatch"),
    "pdf-not-pdf": ("manual.pdf", b"<html>not a pdf</html>", "content_mismatch"),
    "dxf-binary-junk": ("plan.dxf", bytes(range(256)), "content_mismatch"),
    "stl-junk": ("part.stl", b"hello world, not a mesh", "content_mismatch"),
    "3mf-without-model": ("print.3mf", zip_bytes({"readme.txt": b"hi"}), "content_mismatch"),
    "zip-bomb": ("bomb.zip", zip_bytes({"zeros.bin": bytes(20 * 1024 * 1024)}), "zip_bomb"),
    "zip-traversal": ("evil.zip", zip_bytes({"../../etc/passwd": b"root"}), "zip_unsafe_path"),
    "zip-absolute": ("evil.zip", zip_bytes({"/etc/passwd": b"root"}), "zip_unsafe_path"),
    "not-zip": ("sources.zip", b"PK but not really", "content_mismatch"),
    "exe": ("setup.exe", b"MZ\x90\x00", "type_not_accepted"),
    "decompression-bomb": ("big.png", decompression_bomb(), "invalid_image"),
}


class CountingInput(io.BytesIO):
    """A request body that remembers how much of it was read."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def claimed_upload(data, *, claimed_length):
    """(environ extras, body) for a multipart POST of `data` whose header claims `claimed_length` bytes.

    The test client's own body refuses reads past its end, unlike a real server's socket."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = CountingInput(encode_multipart(BOUNDARY, data))
    extra = {"CONTENT_LENGTH": str(claimed_length), "CONTENT_TYPE": MULTIPART_CONTENT, "wsgi.input": body}
    return extra, body, MULTIPART_CONTENT
