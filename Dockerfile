# One image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLAGPOST_VAR_DIR=/data

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/flagpost flagpost \
    && mkdir -p /data && chown flagpost /data

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .

# Static files are collected at build time; a dummy key is enough for that.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

USER flagpost
EXPOSE 8000
# Workers, threads and timeout: gunicorn.conf.py (GUNICORN_* variables, README "Configuration").
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
