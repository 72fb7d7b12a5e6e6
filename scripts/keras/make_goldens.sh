#!/usr/bin/env bash
# Regenerates the golden files this directory's scripts own (layers, summaries,
# applications, frozen BatchNormalization) with the real-Keras venv; the Keras files under
# test/golden/keras_files/ have their own scripts (make_keras_files.py,
# make_preprocessing_files.py). Deterministic: a rerun changes nothing.
set -euo pipefail
cd "$(dirname "$0")"
python=$(bash ../keras-venv.sh)
for script in make_layer_goldens.py make_summary_goldens.py make_application_specs.py make_frozen_bn_goldens.py; do
  echo "== $script"
  "$python" "$script"
done
