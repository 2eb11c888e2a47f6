# SPDX-License-Identifier: MPL-2.0
# civicloop's image: one image, the process chosen by the first argument (deploy/entrypoint.sh):
#   docker run … civicloop web | worker | beat | migrate | manage <command>
# compose.yaml runs the whole topology; docs/operations.md, "Containers", says what to set.
FROM python:3.11-slim-bookworm

# WeasyPrint (result documents) needs Pango and HarfBuzz's subsetter; the documents are Japanese,
# so the Noto CJK fonts. Everything else installs from wheels: no compiler in the image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    CIVICLOOP_VAR_DIR=/var/lib/civicloop \
    CIVICLOOP_STATIC_ROOT=/app/staticfiles \
    CIVICLOOP_STATIC_HASHED=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Static files with content-hashed names, collected into the image (not into the VAR_DIR volume,
# which would keep an old image's files). The key exists only for this one command.
RUN CIVICLOOP_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput -v0 \
 && python -m compileall -q civicloop config

RUN useradd --system --uid 10001 --home-dir /var/lib/civicloop --no-create-home civicloop \
 && mkdir -p /var/lib/civicloop \
 && chown civicloop /var/lib/civicloop
USER civicloop
VOLUME ["/var/lib/civicloop"]
EXPOSE 8000

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
