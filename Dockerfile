# A liveroom node: the wheel built from this checkout, installed with the `cluster` extra (the server, PostgreSQL and
# Redis) at the versions requirements/check.txt pins, run as an unprivileged user. deploy/compose.yaml runs three of
# them behind nginx (docs/deploy.md, "Docker Compose").
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements/check.txt requirements/check.txt
RUN pip install --no-cache-dir -c requirements/check.txt build hatchling
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m build --wheel --no-isolation --outdir /dist

FROM python:3.11-slim
COPY requirements/check.txt /tmp/constraints.txt
COPY --from=build /dist /tmp/dist
RUN pip install --no-cache-dir -c /tmp/constraints.txt "$(ls /tmp/dist/liveroom-*.whl)[cluster]" \
    && rm -r /tmp/dist /tmp/constraints.txt \
    && useradd --system --create-home --home-dir /var/lib/liveroom liveroom
USER liveroom
WORKDIR /var/lib/liveroom
# Listen on every interface of the container; the port is the one deploy/nginx.conf's upstream names.
ENV LIVEROOM_HOST=0.0.0.0 \
    LIVEROOM_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["liveroom"]
CMD ["serve"]
