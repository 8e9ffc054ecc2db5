# The production image: the Django application under gunicorn. The same image runs
# the web process, the task worker and the periodic jobs (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango, HarfBuzz and fonts for WeasyPrint's PDFs (invoices, quotes, certificates);
# gettext to compile the translations at build time.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 --user-group fablab
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=fablab:fablab . .

# Translations and hashed static files are part of the image. The key only lets
# settings load: collectstatic and compilemessages sign nothing.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=false python manage.py compilemessages --ignore=.venv -v0 \
    && SECRET_KEY=build-only-not-a-secret DEBUG=false python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown -R fablab:fablab /app/media /app/staticfiles /app/locale

USER fablab
ENV MEDIA_ROOT=/app/media \
    PORT=8000
EXPOSE 8000

# /healthz answers 200 when the database does. The request says it came through the
# HTTPS proxy and names an allowed host, as the proxy's would.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'X-Forwarded-Proto': 'https', 'Host': os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.*') or 'localhost'}), timeout=4)"

CMD ["sh", "-c", "exec gunicorn fablab.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
