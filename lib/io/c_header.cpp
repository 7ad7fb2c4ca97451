// Export of a quantized encoder as a self-contained C99 header.
#include <cctype>
#include <cstdio>
#include <string>

#include "file.hpp"
#include "tinyae/quantize_io.hpp"

namespace tinyae {
namespace {

bool is_c_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0) return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Appends printf output to a std::string.
template <class... Args>
void put(std::string* out, const char* format, Args... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  if (n <= 0) return;
  const std::size_t at = out->size();
  out->resize(at + static_cast<std::size_t>(n) + 1);
  std::snprintf(&(*out)[at], static_cast<std::size_t>(n) + 1, format, args...);
  out->resize(at + static_cast<std::size_t>(n));
}

// A float as a C literal that reads back as the same float.
std::string float_literal(float v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.9ef", static_cast<double>(v));
  return buffer;
}

template <class T>
void put_array(std::string* out, const char* type, const std::string& name, const T* values,
               std::int64_t n) {
  put(out, "static const %s %s[%lld] = {", type, name.c_str(), static_cast<long long>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    put(out, "%s%lld%s", i % 16 == 0 ? "\n  " : " ", static_cast<long long>(values[i]), i + 1 < n ? "," : "");
  }
  out->append("\n};\n");
}

const char* const kArithmetic = R"(/* Arithmetic (integers only), per layer and output channel j:
 *   acc = bias[j] + sum_i w[j][i] * x[i]          int32 (the exporter checked it fits)
 *   v   = clamp(requantize(acc, mult[j], shift[j]) + zero_point, lo, hi)
 *   y   = table ? table[v] : v                     one byte: uint8, int8 for the code
 * requantize is gemmlowp's and TFLite's reference ("double rounding")
 * MultiplyByQuantizedMultiplier, for the real factor mult * 2^(shift - 31):
 *   a = acc * 2^max(shift, 0)
 *   b = SaturatingRoundingDoublingHighMul(a, mult)   (a*b + nudge) / 2^31, truncated
 *   requantize = RoundingDivideByPOT(b, max(-shift, 0))   nearest, ties away from zero
 * It assumes >> of a negative number is arithmetic, as on every common compiler.
 */
)";

}  // namespace

Status save_c_header(const std::string& path, const QuantizedModel& model, const std::string& name) {
  if (!is_c_identifier(name)) {
    return Status::error(StatusCode::invalid_argument, "C header name '", name.c_str(),
                         "' is not a C identifier (letters, digits, _; not starting with a digit)");
  }
  if (model.num_layers < 1 || model.num_layers > kMaxLayers) {
    return Status::error(StatusCode::invalid_argument, "the quantized model has ", model.num_layers,
                         " layers; quantize() a network first");
  }
  const std::string n = name;
  const std::string N = upper(name);
  std::int32_t hidden = 0;
  for (std::int32_t l = 0; l + 1 < model.num_layers; ++l) {
    hidden = model.layers[l].outputs > hidden ? model.layers[l].outputs : hidden;
  }
  std::string h;
  put(&h, "/* %s.h: an int8 autoencoder encoder exported by tinyae. Self-contained C99: it\n", n.c_str());
  h.append(" * needs only <stdint.h>; no heap, no library, no floating point in the encoder.\n *\n");
  put(&h, " *   static uint8_t scratch[%s_SCRATCH_BYTES];\n", N.c_str());
  put(&h, " *   uint8_t in[%s_INPUT_SIZE];\n *   int8_t code[%s_CODE_SIZE];\n", N.c_str(), N.c_str());
  put(&h, " *   %s_quantize_input(x, in);        from floats, or fill `in` directly\n", n.c_str());
  put(&h, " *   %s_encode(in, code, scratch);\n", n.c_str());
  put(&h, " *   float c = %s_dequantize_code(code[j]);\n *\n", n.c_str());
  put(&h, " * Input: uint8, x = %s_INPUT_SCALE * (q - %s_INPUT_ZERO_POINT).\n", N.c_str(), N.c_str());
  put(&h, " * Code: int8, value = %s_CODE_SCALE * (q - %s_CODE_ZERO_POINT).\n", N.c_str(), N.c_str());
  h.append(" * Layers:");
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    put(&h, "%s %d -> %d %s", l == 0 ? "" : ",", layer.inputs, layer.outputs, activation_name(layer.activation));
  }
  h.append(" (code).\n */\n");
  h.append(kArithmetic);
  put(&h, "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n", N.c_str(), N.c_str());
  put(&h, "#define %s_INPUT_SIZE %d\n", N.c_str(), model.input_size);
  put(&h, "#define %s_CODE_SIZE %d\n", N.c_str(), model.code_size);
  put(&h, "/* Two buffers for the widest hidden layer (at least 1 byte, to size an array). */\n");
  put(&h, "#define %s_SCRATCH_BYTES %d\n", N.c_str(), hidden > 0 ? 2 * hidden : 1);
  put(&h, "#define %s_INPUT_SCALE %s\n", N.c_str(), float_literal(model.input_scale).c_str());
  put(&h, "#define %s_INPUT_ZERO_POINT (%d)\n", N.c_str(), model.input_zero_point);
  put(&h, "#define %s_CODE_SCALE %s\n", N.c_str(), float_literal(model.code_scale).c_str());
  put(&h, "#define %s_CODE_ZERO_POINT (%d)\n\n", N.c_str(), model.code_zero_point);

  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::string id = std::to_string(l);
    put(&h, "/* Layer %d: %d -> %d, %s; input scale %s, zero point %d; output scale %s, zero point %d. */\n",
        l, layer.inputs, layer.outputs, activation_name(layer.activation),
        float_literal(layer.input_scale).c_str(), layer.input_zero_point,
        float_literal(layer.output_scale).c_str(), layer.output_zero_point);
    put_array(&h, "int8_t", n + "_w" + id, layer.weights, std::int64_t{layer.outputs} * layer.inputs);
    put_array(&h, "int32_t", n + "_b" + id, layer.bias, layer.outputs);
    put_array(&h, "int32_t", n + "_m" + id, layer.multiplier, layer.outputs);
    put_array(&h, "int8_t", n + "_s" + id, layer.shift, layer.outputs);
    if (layer.table != nullptr) put_array(&h, "uint8_t", n + "_t" + id, layer.table, 256);
    h.append("\n");
  }

  const char* p = n.c_str();
  put(&h, "static inline int32_t %s_rounding_doubling_high_mul(int32_t a, int32_t b) {\n", p);
  h.append("  const int64_t ab = (int64_t)a * (int64_t)b;\n"
           "  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));\n"
           "  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;\n"
           "  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));\n}\n\n");
  put(&h, "static inline int32_t %s_rounding_divide_by_pot(int32_t x, int32_t e) {\n", p);
  h.append("  const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);\n"
           "  const int32_t remainder = x & mask;\n"
           "  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);\n"
           "  return (x >> e) + (remainder > threshold ? 1 : 0);\n}\n\n");
  put(&h, "/* Requantizes channel j's sum: the byte stored for it. */\n"
          "static inline uint8_t %s_output(int32_t acc, int32_t mult, int32_t s, int32_t zero_point,\n", p);
  h.append("    int32_t lo, int32_t hi, const uint8_t *table) {\n"
           "  int32_t v;\n"
           "  if (s > 0) acc *= (int32_t)1 << s;\n");
  put(&h, "  v = %s_rounding_divide_by_pot(%s_rounding_doubling_high_mul(acc, mult), s > 0 ? 0 : -s);\n", p, p);
  h.append("  v += zero_point;\n"
           "  v = v < lo ? lo : (v > hi ? hi : v);\n"
           "  return table ? table[v] : (uint8_t)(v & 0xFF);\n}\n\n");
  put(&h, "#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)\n"
          "/* Cores with the DSP extension (Cortex-M4/M7/M33, Armv7-A): SMLAD adds two 16 x 16-bit\n"
          " * products to a sum, so 4 input bytes and 4 weights take two SMLADs after SXTB16 /\n"
          " * UXTB16 split them into halfword pairs (bytes 0, 2 and, rotated, 1, 3). The sums\n"
          " * are the same integers as the plain loop's. GNU inline assembly: GCC and Clang. */\n"
          "#define %s_DSP 1\n", N.c_str());
  put(&h, "static inline uint32_t %s_load32(const void *p) {\n"
          "  uint32_t v;\n  __builtin_memcpy(&v, p, 4);\n  return v;\n}\n", p);
  for (const char* op : {"sxtb16", "uxtb16"}) {
    put(&h, "static inline uint32_t %s_%s(uint32_t v) {\n"
            "  uint32_t r;\n  __asm__(\"%s %%0, %%1\" : \"=r\"(r) : \"r\"(v));\n  return r;\n}\n", p, op, op);
    put(&h, "static inline uint32_t %s_%s_ror8(uint32_t v) {\n"
            "  uint32_t r;\n  __asm__(\"%s %%0, %%1, ror #8\" : \"=r\"(r) : \"r\"(v));\n  return r;\n}\n", p, op, op);
  }
  put(&h, "static inline int32_t %s_smlad(uint32_t a, uint32_t b, int32_t acc) {\n"
          "  int32_t r;\n  __asm__(\"smlad %%0, %%1, %%2, %%3\" : \"=r\"(r) : \"r\"(a), \"r\"(b), \"r\"(acc));\n"
          "  return r;\n}\n", p);
  put(&h, "/* sums[0..1] += rows w0, w1 times x: both channels use each widened input word. */\n"
          "static inline void %s_dot2(const uint8_t *x, const int8_t *w0, const int8_t *w1,\n", p);
  h.append("    int32_t inputs, int32_t *sums) {\n"
           "  int32_t i, a0 = sums[0], a1 = sums[1];\n"
           "  for (i = 0; i + 4 <= inputs; i += 4) {\n");
  put(&h, "    const uint32_t xv = %s_load32(x + i), u = %s_load32(w0 + i), w = %s_load32(w1 + i);\n", p, p, p);
  put(&h, "    const uint32_t x02 = %s_uxtb16(xv), x13 = %s_uxtb16_ror8(xv);\n", p, p);
  put(&h, "    a0 = %s_smlad(%s_sxtb16(u), x02, a0);\n", p, p);
  put(&h, "    a0 = %s_smlad(%s_sxtb16_ror8(u), x13, a0);\n", p, p);
  put(&h, "    a1 = %s_smlad(%s_sxtb16(w), x02, a1);\n", p, p);
  put(&h, "    a1 = %s_smlad(%s_sxtb16_ror8(w), x13, a1);\n", p, p);
  h.append("  }\n"
           "  for (; i < inputs; ++i) {\n"
           "    a0 += (int32_t)w0[i] * (int32_t)x[i];\n"
           "    a1 += (int32_t)w1[i] * (int32_t)x[i];\n"
           "  }\n"
           "  sums[0] = a0;\n  sums[1] = a1;\n}\n#endif\n\n");
  put(&h, "static inline void %s_dense(const uint8_t *x, int32_t inputs, int32_t outputs,\n", p);
  h.append("    const int8_t *w, const int32_t *bias, const int32_t *mult, const int8_t *shift,\n"
           "    int32_t zero_point, int32_t lo, int32_t hi, const uint8_t *table, uint8_t *y) {\n"
           "  int32_t i, j = 0;\n"
           "  const int8_t *wj = w;\n");
  put(&h, "#if defined(%s_DSP)\n", N.c_str());
  h.append("  for (; j + 2 <= outputs; j += 2, wj += 2 * inputs) {\n"
           "    int32_t sums[2];\n"
           "    sums[0] = bias[j];\n    sums[1] = bias[j + 1];\n");
  put(&h, "    %s_dot2(x, wj, wj + inputs, inputs, sums);\n", p);
  put(&h, "    y[j] = %s_output(sums[0], mult[j], shift[j], zero_point, lo, hi, table);\n", p);
  put(&h, "    y[j + 1] = %s_output(sums[1], mult[j + 1], shift[j + 1], zero_point, lo, hi, table);\n", p);
  h.append("  }\n#endif\n"
           "  for (; j < outputs; ++j, wj += inputs) {\n"
           "    int32_t acc = bias[j];\n"
           "    for (i = 0; i < inputs; ++i) acc += (int32_t)wj[i] * (int32_t)x[i];\n");
  put(&h, "    y[j] = %s_output(acc, mult[j], shift[j], zero_point, lo, hi, table);\n", p);
  h.append("  }\n}\n\n");
  put(&h, "/* code[%s_CODE_SIZE] from in[%s_INPUT_SIZE]; scratch: %s_SCRATCH_BYTES bytes. */\n", N.c_str(), N.c_str(), N.c_str());
  put(&h, "static inline void %s_encode(const uint8_t *in, int8_t *code, void *scratch) {\n", p);
  h.append("  uint8_t *buffer = (uint8_t *)scratch;\n");
  if (hidden == 0) h.append("  (void)buffer;\n");
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::string x = l == 0 ? "in" : "buffer + " + std::to_string(((l - 1) % 2) * hidden);
    const std::string y = l + 1 == model.num_layers ? "(uint8_t *)code" : "buffer + " + std::to_string((l % 2) * hidden);
    const std::string table = layer.table != nullptr ? n + "_t" + std::to_string(l) : "0";
    put(&h, "  %s_dense(%s, %d, %d, %s_w%d, %s_b%d, %s_m%d, %s_s%d, %d, %d, %d, %s, %s);\n", p,
        x.c_str(), layer.inputs, layer.outputs, p, l, p, l, p, l, p, l, layer.requantized_zero_point,
        layer.clamp_min, layer.clamp_max, table.c_str(), y.c_str());
  }
  h.append("}\n\n");
  put(&h, "/* in = clamp(round(x / %s_INPUT_SCALE) + %s_INPUT_ZERO_POINT, 0, 255). */\n", N.c_str(), N.c_str());
  put(&h, "static inline void %s_quantize_input(const float *x, uint8_t *in) {\n", p);
  put(&h, "  int32_t i;\n  for (i = 0; i < %s_INPUT_SIZE; ++i) {\n", N.c_str());
  put(&h, "    float v = x[i] / %s_INPUT_SCALE + (float)%s_INPUT_ZERO_POINT;\n", N.c_str(), N.c_str());
  h.append("    v = v > 0.0f ? v : 0.0f; /* NaN -> 0 as well */\n"
           "    v = v < 255.0f ? v : 255.0f;\n"
           "    in[i] = (uint8_t)(int32_t)(v + 0.5f);\n  }\n}\n\n");
  put(&h, "static inline float %s_dequantize_code(int8_t q) {\n", p);
  put(&h, "  return %s_CODE_SCALE * (float)((int32_t)q - %s_CODE_ZERO_POINT);\n}\n\n", N.c_str(), N.c_str());
  put(&h, "#endif /* %s_H */\n", N.c_str());
  return io::write_file_atomic(path, h.data(), h.size());
}

}  // namespace tinyae
