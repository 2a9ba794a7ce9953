#!/usr/bin/env bash
# Builds and installs the librdkafka Kafka client (@confluentinc/kafka-javascript) into node_modules.
# It is optional (KPO_KAFKA_CLIENT=confluent) and not in package.json: its prebuilt download fails
# here, so it is built from source against Debian's libraries (a few minutes on 2 cores), and
# `npm ci` must keep working on machines without those headers. Re-run it after every `npm ci`.
# Idempotent: does nothing when the pinned version already loads.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@confluentinc/kafka-javascript
VERSION=1.10.1
DEV_PACKAGES=(build-essential python3 libssl-dev zlib1g-dev libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev)

installed_version() {
  node -e "const p = require('$PACKAGE/package.json'); require('$PACKAGE'); console.log(p.version)" 2>/dev/null || true
}

if [ "$(installed_version)" = "$VERSION" ]; then
  echo "confluent client: $PACKAGE@$VERSION already installed"
  exit 0
fi

missing=()
for p in "${DEV_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "confluent client: missing ${missing[*]}. Fix: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "confluent client: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "confluent client: building $PACKAGE@$VERSION from source (CKJS_LINKING=dynamic)"
start=$SECONDS
CKJS_LINKING=dynamic npm install --no-save --no-audit --no-fund "$PACKAGE@$VERSION"
if [ "$(installed_version)" != "$VERSION" ]; then
  echo "confluent client: $PACKAGE@$VERSION was built but does not load" >&2
  exit 1
fi
echo "confluent client: $PACKAGE@$VERSION ready in $((SECONDS - start)) s"
