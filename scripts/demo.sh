#!/usr/bin/env bash
# The main demo: installs what is missing (Debian's Fashion-MNIST included), builds,
# trains mnist-dense and its denoising variant, and writes what they learned to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target tinyae_cli identity_838 digits_deep mnist_dense
tinyae=build/release/apps/tinyae

echo
echo "== mnist-dense: 784-32-784 on Fashion-MNIST (60000 train, 10000 test images)"
$tinyae train --preset mnist-dense --out out/mnist-dense
echo
echo "== mnist-dense, denoising: Gaussian noise 0.5 on the inputs, clean targets"
$tinyae train --preset mnist-dense --noise 0.5 --out out/mnist-denoising
$tinyae reconstruct --model out/mnist-denoising/model.tae --preset mnist-dense --noise 0.5 \
  --output out/mnist-denoising/denoised.png
$tinyae features --model out/mnist-dense/model.tae --output out/mnist-dense/features.png
echo
echo "== identity-838: 8-3-8 sigmoid, per-sample SGD on the eight one-hot vectors"
build/release/examples/identity_838 out/identity-838
echo
echo "Pictures: out/mnist-dense/{codes,reconstructions,features,loss}.png,"
echo "          out/mnist-denoising/{codes,denoised}.png, out/identity-838/{sse,weights,hidden}.png"
echo "Other examples: build/release/examples/digits_deep, build/release/examples/mnist_dense"
