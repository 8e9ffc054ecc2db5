"""Machine photos: check an untrusted upload, then re-encode it without its metadata.

Uploaded photos come from anyone with admin access and often straight from a phone:
they may carry GPS positions in EXIF, may not be images at all, or may be crafted to
exhaust memory when decoded. Nothing of the upload is stored as is: only pixels
decoded by Pillow within a pixel limit, re-encoded as WebP under a name we choose.
"""

import io
import secrets
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without Little CMS: colours are converted naively
    ImageCms = None

MAX_UPLOAD_MEGABYTES = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MEGABYTES * 1024 * 1024
# 40 megapixels hold any phone or camera photo; decoding one takes ~160 MB as RGBA.
MAX_PIXELS = 40_000_000
# Pillow only tries these decoders, so no exotic one ever sees the upload.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# A JPEG with a multi-picture index (many phone cameras) opens as MPO: still a JPEG.
FORMATS_BY_CONTENT = {"JPEG", "MPO", "PNG", "WEBP"}
PHOTO_BOX = (1600, 1600)
THUMBNAIL_BOX = (400, 400)
WEBP_QUALITY = 82
_SRGB = ImageCms.createProfile("sRGB") if ImageCms is not None else None

NOT_ACCEPTED = _("This file is not an image we accept (JPEG, PNG or WebP).")
TOO_LARGE = _("This image is too large (%(limit)s MB at most).")
TOO_MANY_PIXELS = _("This image has too many pixels.")


class ProcessedImage(ContentFile):
    """A re-encoded WebP image that knows its size, so nobody has to decode it again."""

    def __init__(self, content, name, *, width, height):
        super().__init__(content, name=name)
        self.width = width
        self.height = height


def process_machine_photo(uploaded_file) -> tuple[ContentFile, ContentFile]:
    """(photo fitting 1600×1600, thumbnail fitting 400×400), both WebP without metadata.

    Raises `ValidationError` when the upload is not a JPEG, PNG or WebP image that
    Pillow decodes completely, weighs more than 10 MB or has more than 40 megapixels.
    The returned files carry provisional names: see `photo_file_name`.
    """
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large", params={"limit": MAX_UPLOAD_MEGABYTES})
    image = _decoded(uploaded_file)
    photo = _normalised(image)
    thumbnail = photo.copy()
    thumbnail.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    return _webp(photo, "photo.webp"), _webp(thumbnail, "thumbnail.webp")


def photo_file_name(slug):
    """`<slug>-<random token>.webp`: never the uploaded name, and not guessable from the slug."""
    return f"{slugify(slug) or 'machine'}-{secrets.token_hex(8)}.webp"


def _decoded(uploaded_file):
    """The upload's first frame, fully decoded, or `ValidationError`."""
    uploaded_file.seek(0)
    # WeasyPrint, once imported (invoices, quotes), sets this process-wide to True: a truncated
    # upload must still be refused here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Pillow warns above its own (higher) limit while reading the header; make that an
    # error too. catch_warnings() is process-wide, so the explicit check below is what
    # holds when another thread changes the filters at the same moment.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(uploaded_file, formats=ACCEPTED_FORMATS)
            if image.format not in FORMATS_BY_CONTENT:
                raise ValidationError(NOT_ACCEPTED, code="not_accepted")
            # Checked on the header, before a single pixel is decoded.
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels")
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels") from None
        except Exception:
            # Malformed input makes Pillow raise OSError, SyntaxError, ValueError,
            # struct.error, EOFError…: whatever the reason, the file is not accepted.
            raise ValidationError(NOT_ACCEPTED, code="not_accepted") from None
    return image


def _normalised(image):
    """RGB(A) pixels in sRGB, upright, fitting `PHOTO_BOX`, with no metadata at all."""
    has_alpha = image.has_transparency_data
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey PNG: convert() would clip to white
        image = image.convert("I").point(lambda value: value / 256, "L")
    elif image.mode in ("1", "P", "PA"):  # resizing these would fall back to nearest neighbour
        image = image.convert("RGBA" if has_alpha else "RGB")
    # Shrink before anything copies the pixels: 40 megapixels take up to 160 MB decoded.
    # The box is square, so fitting before rotating gives the same size as after.
    image.thumbnail(PHOTO_BOX, Image.Resampling.LANCZOS)
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF or XMP: the orientation is unknown, keep the pixels as stored
        pass
    image = _in_srgb(image, "RGBA" if has_alpha else "RGB")
    # A new image from the pixels alone: no EXIF (GPS), XMP, ICC or comment can follow.
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _in_srgb(image, mode):
    """`image` converted to `mode`, through its ICC profile when it has a usable one."""
    icc_profile = image.info.get("icc_profile")
    if icc_profile and ImageCms is not None:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile, or one for another colour space: convert without it
        else:
            if converted is not None:
                return converted
    return image.convert(mode)


def _webp(image, name):
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return ProcessedImage(buffer.getvalue(), name, width=image.width, height=image.height)
