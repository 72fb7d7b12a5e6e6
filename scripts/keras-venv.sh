#!/usr/bin/env bash
# Creates (once) the Python venv with real Keras that the golden files are generated with
# and that the tests against real Keras run, and prints its python's path on stdout.
#
#   bash scripts/keras-venv.sh            # prints e.g. /root/.cache/simdnet/keras-venv/bin/python
#
# Packages come ONLY from this machine kind's local mirror (no registry on the network: the
# default index is unreachable there and pip would wait on it), so pip's own configuration
# is ignored and the mirror is named explicitly.
#
# Environment:
#   SIMDNET_KERAS_VENV   where the venv lives (default: $HOME/.cache/simdnet/keras-venv)
#   SIMDNET_PIP_INDEX    the mirror's simple index directory (default: /opt/pypi/simple)
#   SIMDNET_PIP_WHEELS   a directory of wheels, if any (default: /opt/wheels)
#   SIMDNET_BASE_PYTHON  the python that creates the venv (default: python3.11, else python3)
#
# Exit status: 0 with the path printed; 3 when there is no mirror here (nothing can be
# installed: callers skip the tests against real Keras); 1 on any other failure.
set -euo pipefail

venv=${SIMDNET_KERAS_VENV:-$HOME/.cache/simdnet/keras-venv}
index_dir=${SIMDNET_PIP_INDEX:-/opt/pypi/simple}
wheels_dir=${SIMDNET_PIP_WHEELS:-/opt/wheels}
# The versions the golden files were made with: a different Keras may print or compute
# differently, so they are pinned here and checked below.
packages=(tensorflow_cpu==2.21.0 keras==3.15.1 h5py)
stamp="$venv/.simdnet-keras-ready"
stamp_text="${packages[*]}"

say() { printf 'keras-venv: %s\n' "$*" >&2; }

# Fast path: a finished venv (the stamp is written last, after an import check).
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then
  echo "$venv/bin/python"
  exit 0
fi

if [ ! -d "$index_dir" ]; then
  say "no local package mirror at $index_dir: cannot install tensorflow_cpu/keras here" \
    "(set SIMDNET_PIP_INDEX to a simple-index directory); tests against real Keras will skip"
  exit 3
fi

base_python=${SIMDNET_BASE_PYTHON:-}
if [ -z "$base_python" ]; then
  # tensorflow_cpu 2.21.0's wheel on the mirror is built for CPython 3.11.
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then base_python=$candidate; break; fi
  done
fi
if [ -z "$base_python" ] || ! "$base_python" -c 'import venv' >/dev/null 2>&1; then
  say "no python3 with the venv module to create the venv (got '${base_python:-nothing}'; set SIMDNET_BASE_PYTHON)"
  exit 1
fi

mkdir -p "$(dirname "$venv")"
# One installer at a time (two CI jobs or a developer and CI on one machine).
exec 9>"$venv.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
# Another run may have finished while this one waited for the lock.
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then
  echo "$venv/bin/python"
  exit 0
fi

say "creating $venv with $($base_python --version 2>&1) (local mirror $index_dir only)"
start=$(date +%s)
# --clear: a half-made venv from an interrupted run is started over, not patched.
"$base_python" -m venv --clear "$venv"

pip_args=(install --quiet --no-input --disable-pip-version-check --index-url "file://$index_dir")
[ -d "$wheels_dir" ] && pip_args+=(--find-links "$wheels_dir")
# PIP_CONFIG_FILE=/dev/null: no configured extra index (possibly on the network) is consulted.
if ! env PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL= PIP_EXTRA_INDEX_URL= PIP_NO_INDEX= \
  "$venv/bin/python" -m pip "${pip_args[@]}" "${packages[@]}" >&2; then
  say "pip could not install ${packages[*]} from $index_dir with $("$venv/bin/python" --version 2>&1)" \
    "(the mirror's tensorflow_cpu wheels name the CPython versions they need; set SIMDNET_BASE_PYTHON)"
  exit 1
fi

# Import check: a wheel that installs but cannot load (wrong CPU, missing libraries) fails here.
if ! "$venv/bin/python" - >&2 <<'PY'
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import h5py, keras, tensorflow as tf
assert keras.__version__ == "3.15.1", keras.__version__
assert tf.__version__ == "2.21.0", tf.__version__
PY
then
  say "the packages installed but do not import: see the error above"
  exit 1
fi

printf '%s' "$stamp_text" >"$stamp"
say "ready in $(( $(date +%s) - start )) s"
echo "$venv/bin/python"
