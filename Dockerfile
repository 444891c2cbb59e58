FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    CITYPACT_DATABASE_URL=sqlite+aiosqlite:////data/citypact.db \
    CITYPACT_SIGNING_KEY_FILE=/data/signing-key.pem

WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 citypact && mkdir /data && chown citypact /data
USER citypact
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status != 200)"

CMD ["citypact", "serve", "--host", "0.0.0.0", "--port", "8000"]
