# syntax=docker/dockerfile:1
#
# Production image of amanda-backend: one static binary on distroless, run as
# a non-root user, state in the /data volume, configuration only through the
# environment.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t amanda-backend .
#   docker run -d --name amanda -p 5000:5000 -v amanda-data:/data \
#     -e FLASK_ENV=production -e SECRET_KEY=... -e CORS_ORIGINS=https://chat.example.com \
#     -e GRPC_AI_BACKEND_HOST=ai -e GRPC_AI_BACKEND_PORT=50051 amanda-backend

# ---- build stage -----------------------------------------------------------
# The official Go image on Debian 12, the Debian release the runtime image is
# built from; it has git and bash, which scripts/build.sh uses.
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, in their own layer: it is rebuilt only when go.mod or go.sum
# change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# The version stamped into the binary (GET / and the start-up log). .git is
# not in the build context (.dockerignore), so without --build-arg VERSION=...
# the binary reports "dev". Declared here so a new VERSION rebuilds only the
# steps below.
ARG VERSION

# The same script developers and build_test.go run: CGO_ENABLED=0 (static, no
# libc needed), -trimpath, -ldflags "-s -w -X main.version=$VERSION". The
# cache mount keeps Go's build cache between image builds (BuildKit).
RUN --mount=type=cache,target=/root/.cache/go-build \
    ./scripts/build.sh /out/amanda-backend

# The data directory, owned by distroless's nonroot user (65532), created here
# because the runtime image has no shell to mkdir/chown with.
RUN install -d -m 0755 -o 65532 -g 65532 /out/data

# ---- runtime stage ---------------------------------------------------------
# distroless/static: CA certificates (TLS to PostgreSQL, Redis, the AI
# backend), tzdata and /etc/passwd with the nonroot user; no shell, no package
# manager, no libc (the binary needs none). :nonroot defaults to uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/amanda-backend /usr/local/bin/amanda-backend

# The working directory is the volume: DATABASE_URL's default sqlite:///amanda.db
# is relative to it (/data/amanda.db) and so is SESSION_FILE_DIR's
# ./flask_session (/data/flask_session). An empty named volume takes this
# directory's owner on first use; a bind mount must be writable by uid 65532.
# A .env in /data would also be read, but the variables below and `docker run
# -e` take precedence over it.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
VOLUME /data

# Listen on every interface of the container, on the port the old Flask
# service used. Nothing else is set: every other setting is given with
# `docker run -e` / --env-file (SECRET_KEY and FLASK_ENV=production above all).
ENV FLASK_HOST=0.0.0.0 FLASK_PORT=5000
EXPOSE 5000

# distroless's nonroot user (65532:65532, in its /etc/passwd): the :nonroot
# base's default already, stated so that it is not lost if the base changes.
USER nonroot:nonroot

# No curl or shell in the image: the binary probes its own GET /health
# (exec form), reading only FLASK_HOST/FLASK_PORT, with its own 3 s timeout.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/amanda-backend", "healthcheck"]

# Exec form: the binary is PID 1 and gets docker stop's SIGTERM directly,
# then drains streaming replies within SHUTDOWN_TIMEOUT (30 s by default;
# give `docker stop -t` at least as long). Arguments go after the image name,
# e.g. `docker run amanda-backend --fake-ai` for a demo.
ENTRYPOINT ["/usr/local/bin/amanda-backend"]
