"""What a project file is, read from its bytes, never from its name alone.

`sniff(upload)` returns the kind of an uploaded file, or raises `FileRefused`
with a message for its author. The name's extension says what the author
claims; the content must agree with it. Each check reads a bounded amount:
headers, the ZIP directory, or the SVG document (whose size the caller bounds).

Images are not judged here: they go through machines/images.py, which decodes
and re-encodes them (see projects/attachments.py).
"""

import os
import re
import struct
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

from django.utils.translation import gettext as _

from projects.models import FileKind

KIND_BY_EXTENSION = {
    ".svg": FileKind.SVG,
    ".dxf": FileKind.DXF,
    ".stl": FileKind.STL,
    ".3mf": FileKind.THREE_MF,
    ".pdf": FileKind.PDF,
    ".zip": FileKind.ZIP,
    ".jpg": FileKind.IMAGE,
    ".jpeg": FileKind.IMAGE,
    ".png": FileKind.IMAGE,
    ".webp": FileKind.IMAGE,
}
ACCEPTED_LABEL = "SVG, DXF, STL, 3MF, PDF, ZIP, JPEG, PNG, WebP"

# ZIP (and 3MF) archives: what unpacking one may cost whoever downloads it.
ZIP_MAX_ENTRIES = 1_000
ZIP_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
ZIP_MAX_RATIO = 100
SVG_MAX_BYTES = 10 * 1024 * 1024
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code or embed another document.
SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
MAX_NAME_LENGTH = 120


class FileRefused(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def clean_name(name):
    """The uploaded name made safe to show and to offer as a download name: no path, no control characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C" and char not in '<>:"|?*')
    name = " ".join(name.split()).strip(". ")
    stem, extension = os.path.splitext(name)
    stem = stem[: MAX_NAME_LENGTH - len(extension)] or "file"
    return f"{stem}{extension.lower()}"


def expected_kind(name):
    """The kind the name's extension announces, or `FileRefused`."""
    kind = KIND_BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if kind is None:
        raise FileRefused(
            _("This type of file is not accepted. Accepted: %(types)s.") % {"types": ACCEPTED_LABEL},
            "type_not_accepted",
        )
    return kind


def check_content(upload, kind):
    """Refuse `upload` unless its bytes are a `kind` file (see the module's docstring)."""
    upload.seek(0)
    {
        FileKind.SVG: _check_svg,
        FileKind.DXF: _check_dxf,
        FileKind.STL: _check_stl,
        FileKind.THREE_MF: _check_3mf,
        FileKind.PDF: _check_pdf,
        FileKind.ZIP: _check_zip,
        FileKind.IMAGE: lambda upload: None,
    }[kind](upload)
    upload.seek(0)


def _mismatch(kind_label):
    return FileRefused(
        _("The content of this file is not a %(type)s file, whatever its name says.") % {"type": kind_label},
        "content_mismatch",
    )


def _check_pdf(upload):
    if upload.read(5) != b"%PDF-":
        raise _mismatch("PDF")


def _check_dxf(upload):
    head = upload.read(4096)
    if head.startswith(b"AutoCAD Binary DXF\r\n\x1a\x00"):
        return
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
        if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in text):
            raise _mismatch("DXF") from None
    lines = [line.strip() for line in text.splitlines()]
    # A DXF is pairs of lines (group code, value): it opens with `0 / SECTION`, maybe after `999 / comment`.
    while len(lines) >= 2 and lines[0] == "999":
        lines = lines[2:]
    if len(lines) < 2 or lines[0] != "0" or lines[1].upper() != "SECTION":
        raise _mismatch("DXF")


def _check_stl(upload):
    head = upload.read(84)
    if len(head) == 84:
        (triangles,) = struct.unpack("<I", head[80:84])
        if upload.size == 84 + 50 * triangles:
            return  # binary STL: 80-byte header, count, 50 bytes per triangle
    if head.lstrip().lower().startswith(b"solid"):
        upload.seek(0)
        text = upload.read(4096)
        if b"\0" not in text and (b"facet" in text.lower() or b"endsolid" in text.lower()):
            return
    raise _mismatch("STL")


def _open_zip(upload, label):
    try:
        archive = zipfile.ZipFile(upload)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _mismatch(label) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise FileRefused(
            _("This archive holds more than %(count)s files.") % {"count": ZIP_MAX_ENTRIES}, "zip_too_many_entries"
        )
    total = 0
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise FileRefused(
                _("This archive holds a file with an unsafe path (%(name)s).") % {"name": name[:80]}, "zip_unsafe_path"
            )
        total += entry.file_size
        if entry.file_size and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise FileRefused(_("This archive unpacks to far more than its size: refused."), "zip_bomb")
    if total > ZIP_MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(
            _("This archive unpacks to more than %(limit)s MB.")
            % {"limit": ZIP_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)},
            "zip_bomb",
        )
    return archive


def _check_zip(upload):
    _open_zip(upload, "ZIP")


def _check_3mf(upload):
    archive = _open_zip(upload, "3MF")
    names = {name.lower().lstrip("/") for name in archive.namelist()}
    if "3d/3dmodel.model" not in names:
        raise _mismatch("3MF")


def _check_svg(upload):
    if upload.size > SVG_MAX_BYTES:
        raise FileRefused(_("An SVG file has at most %(limit)s MB.") % {"limit": 10}, "too_large")
    data = upload.read()
    # No DTD: that is where entity bombs and external entities live, and SVG needs none.
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise FileRefused(_("This SVG declares a DTD or entities; save it without them."), "svg_unsafe")
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError):
        raise _mismatch("SVG") from None
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise _mismatch("SVG")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in SVG_FORBIDDEN_ELEMENTS:
            raise _unsafe_svg()
        for attribute, value in element.attrib.items():
            name = attribute.rsplit("}", 1)[-1].lower()
            if name.startswith("on") or "javascript:" in "".join(value.split()).lower():
                raise _unsafe_svg()
            if (name == "href" or attribute == XLINK_HREF) and not value.strip().startswith("#"):
                raise _unsafe_svg()
            if name == "style" and _EXTERNAL_URL.search(value):
                raise _unsafe_svg()
        if tag == "style" and element.text and (_EXTERNAL_URL.search(element.text) or "@import" in element.text):
            raise _unsafe_svg()


def _unsafe_svg():
    return FileRefused(
        _("This SVG holds scripts, event handlers or links to other files; save it as plain drawing."), "svg_unsafe"
    )
