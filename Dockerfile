# One image for every stage worker and the simulated model server; the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
COPY . .
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/kpo.js"]
CMD ["--help"]
