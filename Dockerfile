# lamport-lab in a container: one machine per container (see `lamport-lab compose`).
# Build: npm run image  (scripts/build-image.sh: picks the base, see scripts/offline-base-image.sh)
#   or:  docker build -t lamport-lab:local .      Run: docker run --rm lamport-lab:local --help
# BASE: any image with Node 20 (>=20.19), npm, /bin/sh and a `node` user; default node:20-slim. With
# no image registry, scripts/offline-base-image.sh makes one (debootstrap bookworm + the host's node).
# The build stage installs from the lockfile, compiles and bundles, then prunes to the runtime
# dependencies; the final stage copies only those, dist/ and bin/. An npm CA bundle (npm-ca.pem in
# the build context, written by scripts/build-image.sh from NODE_EXTRA_CA_CERTS, never committed)
# is used by the build stage only and does not reach the final image.
ARG BASE=node:20-slim

FROM ${BASE} AS build
# the label lets scripts/build-image.sh prune this project's superseded build images
LABEL lamport-lab=build
WORKDIR /app
# npm-ca.pe[m]: a pattern, so the build works without the file
COPY package.json package-lock.json npm-ca.pe[m] ./
# --ignore-scripts: the "prepare" script (tsc) needs src/, which is copied below
RUN if [ -s npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/app/npm-ca.pem; fi && \
    npm ci --ignore-scripts --no-audit --no-fund && rm -f npm-ca.pem
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/bundle.mjs
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${BASE}
LABEL lamport-lab=runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# the log directory is a volume in compose; create it owned by the unprivileged user
RUN mkdir -p /app/logs && chown node:node /app/logs
USER node
ENTRYPOINT ["node", "/app/bin/lamport-lab.js"]
CMD ["--help"]
