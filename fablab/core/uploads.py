"""Refuse an oversized upload before its body is read.

Django parses a multipart body when anything first touches `request.POST` or
`request.FILES` (the CSRF middleware does, before the view), streaming files to
memory or a temporary file. A 2 GB upload would be written to disk in full
before any view could say no. This handler, first in `FILE_UPLOAD_HANDLERS`,
stops the parser as soon as the declared length or a file's bytes pass the
limits, without reading the rest (`connection_reset`), and marks the request
(`request.upload_too_large`) so that the view answers with a clear message
instead of "no file was sent". The form fields before the file (the CSRF token)
are still parsed.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def upload_too_large(request):
    """True when `RequestSizeLimitHandler` stopped this request's upload."""
    return getattr(request, "upload_too_large", False)


class RequestSizeLimitHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            self._refuse_on_next_file = True

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if getattr(self, "_refuse_on_next_file", False):
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.PROJECT_FILE_MAX_BYTES:
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _stop(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=True)
