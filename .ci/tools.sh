#!/usr/bin/env bash
# Installs the packaging tools into ONE Python environment, only what is missing:
# cargo-lambda (brings zig, the arm64 linker), aws-sam-cli, cfn-lint and moto's server.
# `sam build` finds zig only through the cargo-lambda of its own environment, hence one venv.
# Also adds the Rust target aarch64-unknown-linux-gnu. Source it (`source .ci/tools.sh`) to
# get the venv's bin/ first on PATH; it leaves the calling shell's options alone.

_muistot_tools() {
  local venv="${MUISTOT_VENV:-$HOME/.cache/muistot/venv}"
  if [ ! -x "$venv/bin/python" ]; then
    echo "tools: creating $venv"
    mkdir -p "$(dirname "$venv")" && python3 -m venv "$venv" || return 1
  fi
  local missing=()
  [ -x "$venv/bin/cargo-lambda" ] || missing+=(cargo-lambda)
  [ -x "$venv/bin/sam" ] || missing+=(aws-sam-cli)
  [ -x "$venv/bin/cfn-lint" ] || missing+=(cfn-lint)
  [ -x "$venv/bin/moto_server" ] || missing+=('moto[server]')
  if [ ${#missing[@]} -gt 0 ]; then
    echo "tools: installing ${missing[*]}"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" || return 1
  fi
  case ":$PATH:" in *":$venv/bin:"*) ;; *) export PATH="$venv/bin:$PATH" ;; esac
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "tools: adding the Rust target aarch64-unknown-linux-gnu"
    rustup target add aarch64-unknown-linux-gnu || return 1
  fi
  # sam validate needs a region (no credentials).
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-north-1}"
  export SAM_CLI_TELEMETRY=0
}

if (return 0 2>/dev/null); then
  _muistot_tools
else
  _muistot_tools || exit 1
fi
