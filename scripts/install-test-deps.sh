#!/usr/bin/env bash
# Installs the real peers the integration tests use, from Debian's packages, when missing:
# Prometheus and promtool (scraping, rule tests), Chromium (the status page), PostgreSQL
# (database credentials that really log in). Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail
need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
((${#need[@]})) || exit 0
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
