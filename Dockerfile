# syntax=docker/dockerfile:1
# netfence: build with the full Node image, run on the slim Node 24 LTS image as a non-root user
# with only the production dependencies and the compiled output.
#   docker build -t netfence:0.1.0 .
#   docker run --rm -p 8443:8443 netfence:0.1.0          # standalone, on the bundled example cluster

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
# glibc raises its mmap threshold after large blocks are freed, after which the ~1 MB pages of a
# cluster-wide list stay in the malloc heap and RSS never falls back (~30 MB more RSS with 50,000
# policies, `npm run bench -- memory`). Pinning it at its default start value returns them.
ENV MALLOC_MMAP_THRESHOLD_=131072
# Node 22+ lets each semi-space of V8's young generation grow to 64 MiB (Node 20: 16). After one
# burst (the start-up list of a big cluster) that is ~100 MiB of RSS kept for nothing: measured
# 331 -> 215 MiB for 50,000 policies. 16 MiB is Node 20's default. The chart sets NODE_OPTIONS
# itself (with the heap size) and keeps this flag.
ENV NODE_OPTIONS=--max-semi-space-size=16
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY examples/cluster ./examples/cluster
# `netfence` on the PATH; certs/ is where standalone mode writes its self-signed certificate.
RUN ln -s /app/dist/cli/main.js /usr/local/bin/netfence \
 && chmod 0755 /app/dist/cli/main.js \
 && mkdir -p /app/certs && chown 10001:10001 /app/certs
USER 10001:10001
EXPOSE 8443
ENTRYPOINT ["netfence"]
CMD ["serve"]
