# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript and native modules (better-sqlite3) with the toolchain.
# Node 24: an LTS line maintained until April 2028 (Node 20 reached end of life in April 2026).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json eslint.config.js .prettierrc.json .prettierignore ./
COPY src ./src
COPY connectors ./connectors
COPY migrations ./migrations
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# Runtime stage: only the built code, production dependencies, the bundled sandbox directory and invite templates.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/connectors/sandbox/sample-directory.json ./connectors/sandbox/sample-directory.json
# The bundled invite templates (used when a connection sets no INVITE_TEMPLATE_DIR); read at start, never built.
COPY --chown=node:node templates/invite ./templates/invite
RUN ln -s /app/dist/src/main.js /usr/local/bin/dirsync && chmod +x /app/dist/src/main.js && mkdir -p /data && chown node:node /data
USER node
ENV DATABASE_URL=sqlite:/data/dirsync.db METRICS_PORT=9464
VOLUME ["/data"]
EXPOSE 9464
# /healthz answers 200 only while Redis and the database answer (the slim image has no curl: use node's fetch).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["dirsync"]
CMD ["worker"]
