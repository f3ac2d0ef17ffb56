# lamport-lab in a container: one machine per container (see `lamport-lab compose`).
# Build: docker build -t lamport-lab:local .     Run: docker run --rm lamport-lab:local --help
# Stage 1 compiles the TypeScript and bundles it; stage 2 holds only the runtime dependencies and dist/.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script (tsc) needs src/, which is copied below
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# the log directory is a volume in compose; create it owned by the unprivileged user
RUN mkdir -p /app/logs && chown node:node /app/logs
USER node
ENTRYPOINT ["node", "/app/bin/lamport-lab.js"]
CMD ["--help"]
