#!/usr/bin/env bash
# Installs the packaging tools into ONE Python environment (installs only what is missing):
# cargo-lambda (brings zig, the arm64 linker), aws-sam-cli, cfn-lint and moto's server.
# `sam build` finds zig only through the cargo-lambda of its own environment, hence one venv.
# Source it: it puts the venv's bin/ first on PATH. Also adds the Rust arm64 target.
set -euo pipefail

MUISTOT_VENV="${MUISTOT_VENV:-$HOME/.cache/muistot/venv}"
if [ ! -x "$MUISTOT_VENV/bin/python" ]; then
  echo "tools: creating $MUISTOT_VENV"
  mkdir -p "$(dirname "$MUISTOT_VENV")"
  python3 -m venv "$MUISTOT_VENV"
fi
missing=()
[ -x "$MUISTOT_VENV/bin/cargo-lambda" ] || missing+=(cargo-lambda)
[ -x "$MUISTOT_VENV/bin/sam" ] || missing+=(aws-sam-cli)
[ -x "$MUISTOT_VENV/bin/cfn-lint" ] || missing+=(cfn-lint)
[ -x "$MUISTOT_VENV/bin/moto_server" ] || missing+=('moto[server]')
if [ ${#missing[@]} -gt 0 ]; then
  echo "tools: installing ${missing[*]}"
  "$MUISTOT_VENV/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}"
fi
export PATH="$MUISTOT_VENV/bin:$PATH"

if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  echo "tools: adding the Rust target aarch64-unknown-linux-gnu"
  rustup target add aarch64-unknown-linux-gnu
fi
# sam validate needs a region (no credentials).
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-north-1}"
export SAM_CLI_TELEMETRY=0
