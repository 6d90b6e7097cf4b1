# syntax=docker/dockerfile:1
# CareLine hub image: build with dev dependencies, ship only the compiled output and production dependencies.

# ---- build stage ----------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so editing the sources does not invalidate this layer.
# `npm install` is the fallback for a lockfile that lacks other platforms' optional packages, which `npm ci`
# refuses while `npm install` accepts (see scripts/lib/deps.mjs).
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund \
 || (echo "npm ci refused the lockfile; falling back to npm install" && npm install --include=dev --no-audit --no-fund)

COPY . .
# mkdir: the data folders the runtime stage copies may be absent from a checkout; COPY must not fail on them.
RUN npm run build \
 && npm prune --omit=dev \
 && mkdir -p drizzle intents templates web

# ---- runtime stage --------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data

COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/drizzle ./drizzle
COPY --from=build --chown=node:node /app/intents ./intents
COPY --from=build --chown=node:node /app/templates ./templates
COPY --from=build --chown=node:node /app/web ./web
# The web chat page and widget are static files the adapter serves from its source folder.
COPY --from=build --chown=node:node /app/channels/webchat/public ./channels/webchat/public

# Embedded PGlite keeps its files here when DATABASE_URL is not set; mount a volume to keep them.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]

USER node
EXPOSE 3000

# /healthz answers 200 while the process is up (readiness of Postgres/Redis is /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/src/main.js"]
