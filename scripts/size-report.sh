#!/usr/bin/env bash
# Flash and RAM of the Cortex-M firmware examples, and the arena bytes of each part.
#   scripts/size-report.sh [m4|m7] [--markdown]   (default m4; builds the cortex-<core> preset)
# --markdown prints the table README.md and platforms/README.md carry
# (scripts/readme-tables.sh writes it there and CI checks it is current).
# Needs the cross tools (scripts/install-deps.sh --cross).
# flash = .text + .data (code, constants, initial values); RAM = .data + .bss, where
# .bss holds the static arena and the stack the linker script reserves.
set -euo pipefail
cd "$(dirname "$0")/.."
core=m4
markdown=0
for arg in "$@"; do
  case "$arg" in
    m4 | m7) core="$arg" ;;
    --markdown) markdown=1 ;;
    *) echo "size-report.sh: unknown argument $arg (m4, m7, --markdown)" >&2; exit 2 ;;
  esac
done
preset="cortex-$core"
dir="build/$preset/platforms/cortex-m"
programs=(tinyae_fw_encode tinyae_fw_encode_flash tinyae_fw_encode_int8 tinyae_fw_score_int8
          tinyae_fw_denoise_int8 tinyae_fw_train838 tinyae_fw_train_sparse)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "${TINYAE_JOBS:-2}" --target "${programs[@]}" tinyae_fw_train_sparse_e1 >/dev/null

arena_of() {  # bytes of the static arena in an ELF (symbol size, from the linker), or none
  local hex
  hex=$(arm-none-eabi-nm -S -C "$1" | awk '$NF ~ /g_arena$/ { print $2 }')
  if [ -n "$hex" ]; then echo $((16#$hex)); else echo none; fi
}
commas() { echo "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }
what_of() {
  case "$1" in
    tinyae_fw_encode) echo "float 784-32 encoder (mnist-dense spec), seeded set-up + encode" ;;
    tinyae_fw_encode_flash) echo "float 784-32 encoder, the same weights as a const array in flash (exported float header)" ;;
    tinyae_fw_encode_int8) echo "int8 784-32 encoder (exported C header, weights in flash)" ;;
    tinyae_fw_score_int8) echo "int8 784-32-784 autoencoder: reconstruct and anomaly score (exported C header)" ;;
    tinyae_fw_denoise_int8) echo "int8 mnist-conv autoencoder denoising (exported C header)" ;;
    tinyae_fw_train838) echo "identity-838 trained on the device (SGD)" ;;
    tinyae_fw_train_sparse) echo "KL-sparse 64-25-64 trained on the device, Adam, batches of 32 streamed over semihosting" ;;
  esac
}
stack=$(arm-none-eabi-size -A "$dir/tinyae_fw_encode.elf" | awk '$1 == ".stack" { print $2 }')
# The encoder's arena holds a trainable network (its weights come from the seeded init);
# the firmware also prints what an inference-only network of the same spec needs.
case "$core" in m4) board=mps2-an386 ;; m7) board=mps2-an500 ;; *) board=mps3-an547 ;; esac
inference=$(qemu-system-arm -M "$board" -nographic -semihosting-config enable=on,target=native \
  -kernel "$dir/tinyae_fw_encode.elf" 2>&1 | grep -o 'inference alone would need [0-9]*' | grep -o '[0-9]*$')
# The sparse trainer's deepest stack, painted and measured on the device (one epoch: the
# same calls as fifty); in its folder, where it finds its data file.
train_stack=$(cd "$dir" && qemu-system-arm -M "$board" -nographic -semihosting-config enable=on,target=native \
  -kernel tinyae_fw_train_sparse_e1.elf 2>&1 | grep -o 'stack high-water [0-9]*' | grep -o '[0-9]*$')

if [ "$markdown" = 1 ]; then
  echo "| Cortex-${core^^}, \`-Os\`, newlib-nano, no heap | flash (bytes) | RAM (bytes, $(commas "$stack")-byte stack included) | of which arena |"
  echo "|---|---|---|---|"
else
  echo "Cortex-$core firmware (-Os, -fno-exceptions -fno-rtti, newlib-nano, no heap), bytes:"
  printf "%-22s %8s %8s %8s   %s\n" program flash RAM arena "what it does"
fi
for elf in "${programs[@]}"; do
  read -r text data bss < <(arm-none-eabi-size "$dir/$elf.elf" | awk 'NR == 2 { print $1, $2, $3 }')
  arena=$(arena_of "$dir/$elf.elf")
  if [ "$markdown" = 1 ]; then
    [ "$arena" = none ] || arena=$(commas "$arena")
    echo "| \`$elf\`: $(what_of "$elf") | $(commas $((text + data))) | $(commas $((data + bss))) | $arena |"
  else
    printf "%-22s %8d %8d %8s   %s\n" "$elf" $((text + data)) $((data + bss)) "$arena" "$(what_of "$elf")"
  fi
done
# The whole int8 networks: their C file's object alone (the exported header's runtime,
# entry points, tables and static scratch) and the painted stack high-water.
net_row() {  # net_row <program> <object>: code, weights, scratch, stack
  local obj text rodata bss hw
  obj=$(find "$dir/CMakeFiles/$1.dir" -name "$2.obj")
  read -r text rodata bss < <(arm-none-eabi-size -A "$obj" | awk '
    $1 ~ /^\.text/ { t += $2 } $1 ~ /^\.rodata/ { r += $2 } $1 ~ /^\.bss/ { b += $2 }
    END { print t, r, b }')
  hw=$(qemu-system-arm -M "$board" -nographic -semihosting-config enable=on,target=native \
    -kernel "$dir/$1.elf" 2>&1 | grep -o 'stack high-water [0-9]*' | grep -o '[0-9]*$')
  echo "$text $rodata $bss $hw"
}
read -r ae_text ae_rodata ae_bss ae_stack < <(net_row tinyae_fw_score_int8 int8_whole.c)
read -r dn_text dn_rodata dn_bss dn_stack < <(net_row tinyae_fw_denoise_int8 int8_denoise.c)

if [ "$markdown" = 1 ]; then
  echo
  echo "| whole int8 network (its C file, \`-O2\`) | code | weights and tables | scratch (static) | stack high-water (painted) |"
  echo "|---|---|---|---|---|"
  echo "| mnist-dense 784-32-784, \`fw_ae_score\` | $(commas "$ae_text") | $(commas "$ae_rodata") | $(commas "$ae_bss") | $(commas "$ae_stack") |"
  echo "| mnist-conv denoiser, \`fw_denoise_reconstruct\` | $(commas "$dn_text") | $(commas "$dn_rodata") | $(commas "$dn_bss") | $(commas "$dn_stack") |"
  echo
  echo "An inference-only network of the encoder's spec needs $(commas "$inference") arena bytes"
  echo "(784-32-784 weights and two 784-float activation buffers). The sparse trainer's stack"
  echo "high-water, painted and measured on the device: $(commas "$train_stack") bytes."
else
  echo "(RAM includes a ${stack}-byte stack reserve; flash includes the core, libm and the startup code)"
  echo "encoder: inference alone would need $inference arena bytes (784-32-784 weights + two 784-float activation buffers)"
  echo "tinyae_fw_train_sparse: stack high-water $train_stack bytes (painted, measured on the device)"
  echo "whole int8 networks, their C file alone (-O2): code, weights and tables, static scratch, painted stack high-water:"
  printf "  %-40s %6d %7d %6d %5d\n" "mnist-dense 784-32-784 (fw_ae_score)" "$ae_text" "$ae_rodata" "$ae_bss" "$ae_stack"
  printf "  %-40s %6d %7d %6d %5d\n" "mnist-conv denoiser (fw_denoise)" "$dn_text" "$dn_rodata" "$dn_bss" "$dn_stack"
fi
