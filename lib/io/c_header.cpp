// Export of a quantized encoder as a self-contained C99 header, and of a float network
// as a C++ header of const arrays (save_float_c_header).
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "file.hpp"
#include "tinyae/io.hpp"
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

// "784 -> 32 relu" or "conv2d 3x3 stride 1: 28x28x1 -> 28x28x16 relu" (shapes H x W x C).
std::string describe(const QuantizedLayer& layer) {
  std::string d;
  const Shape& i = layer.input_shape;
  const Shape& o = layer.output_shape;
  switch (layer.kind) {
    case LayerKind::conv2d:
      put(&d, "conv2d %dx%d stride %d: %dx%dx%d -> %dx%dx%d %s", layer.kernel, layer.kernel, layer.stride,
          i.height, i.width, i.channels, o.height, o.width, o.channels, activation_name(layer.activation));
      break;
    case LayerKind::max_pool2d:
      put(&d, "max_pool2d: %dx%dx%d -> %dx%dx%d", i.height, i.width, i.channels, o.height, o.width, o.channels);
      break;
    default:
      put(&d, "%d -> %d %s", layer.inputs, layer.outputs, activation_name(layer.activation));
      break;
  }
  return d;
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
 * Images are channels-last (row, column, channel). A convolution is that sum per
 * output pixel over its kernel x kernel x C window (weights in (ky, kx, c) order),
 * taps outside the image reading the input zero point (real 0). Max pooling (2x2,
 * stride 2, an odd last row or column alone) compares the stored bytes, as int8 on
 * the code's grid.
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
  if (model.has_decoder()) {
    return Status::error(StatusCode::unsupported,
                         "the C header holds an int8 encoder; this model also has the decoder "
                         "(quantize the encoder alone to export it)");
  }
  const std::string n = name;
  const std::string N = upper(name);
  // Scratch: two buffers for the widest hidden layer, then one patch (a convolution's
  // window, kernel x kernel x C bytes).
  std::int64_t hidden = 0;
  std::int32_t patch = 0;
  bool has_conv = false;
  bool has_pool = false;
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    if (l + 1 < model.num_layers && layer.output_shape.size() > hidden) hidden = layer.output_shape.size();
    has_conv = has_conv || layer.kind == LayerKind::conv2d;
    has_pool = has_pool || layer.kind == LayerKind::max_pool2d;
    if (layer.kind == LayerKind::conv2d && layer.inputs > patch) patch = layer.inputs;
  }
  const std::int64_t scratch = 2 * hidden + patch;
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
  h.append(" * Layers (the last gives the code):\n");
  for (std::int32_t l = 0; l < model.num_layers; ++l) put(&h, " *   %s\n", describe(model.layers[l]).c_str());
  h.append(" */\n");
  h.append(kArithmetic);
  put(&h, "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n", N.c_str(), N.c_str());
  put(&h, "#define %s_INPUT_SIZE %d\n", N.c_str(), model.input_size);
  put(&h, "#define %s_CODE_SIZE %d\n", N.c_str(), model.code_size);
  put(&h, "/* Two buffers for the widest hidden layer and a convolution window (at least 1\n"
          " * byte, to size an array). */\n");
  put(&h, "#define %s_SCRATCH_BYTES %lld\n", N.c_str(), static_cast<long long>(scratch > 0 ? scratch : 1));
  put(&h, "#define %s_INPUT_SCALE %s\n", N.c_str(), float_literal(model.input_scale).c_str());
  put(&h, "#define %s_INPUT_ZERO_POINT (%d)\n", N.c_str(), model.input_zero_point);
  put(&h, "#define %s_CODE_SCALE %s\n", N.c_str(), float_literal(model.code_scale).c_str());
  put(&h, "#define %s_CODE_ZERO_POINT (%d)\n\n", N.c_str(), model.code_zero_point);

  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::string id = std::to_string(l);
    put(&h, "/* Layer %d: %s; input scale %s, zero point %d; output scale %s, zero point %d. */\n",
        l, describe(layer).c_str(), float_literal(layer.input_scale).c_str(), layer.input_zero_point,
        float_literal(layer.output_scale).c_str(), layer.output_zero_point);
    if (layer.kind == LayerKind::max_pool2d) {
      h.append("\n");
      continue;
    }
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
  if (has_conv) {
    put(&h, "/* An h x w x c image convolved into oh x ow x filters: each output pixel's window\n"
            " * copied to patch (the input zero point `pad` outside the image), then the dense\n"
            " * layer on it. */\n"
            "static inline void %s_conv(const uint8_t *x, int32_t h, int32_t w, int32_t c,\n", p);
    h.append("    int32_t kernel, int32_t stride, int32_t pad_top, int32_t pad_left, int32_t oh,\n"
             "    int32_t ow, uint8_t pad, uint8_t *patch, int32_t filters, const int8_t *wt,\n"
             "    const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t zero_point,\n"
             "    int32_t lo, int32_t hi, const uint8_t *table, uint8_t *y) {\n"
             "  int32_t oy, ox, ky, kx, ch;\n"
             "  for (oy = 0; oy < oh; ++oy) {\n"
             "    for (ox = 0; ox < ow; ++ox) {\n"
             "      uint8_t *p = patch;\n"
             "      for (ky = 0; ky < kernel; ++ky) {\n"
             "        const int32_t iy = oy * stride - pad_top + ky;\n"
             "        for (kx = 0; kx < kernel; ++kx, p += c) {\n"
             "          const int32_t ix = ox * stride - pad_left + kx;\n"
             "          if (iy < 0 || iy >= h || ix < 0 || ix >= w) {\n"
             "            for (ch = 0; ch < c; ++ch) p[ch] = pad;\n"
             "          } else {\n"
             "            for (ch = 0; ch < c; ++ch) p[ch] = x[(iy * w + ix) * c + ch];\n"
             "          }\n        }\n      }\n");
    put(&h, "      %s_dense(patch, kernel * kernel * c, filters, wt, bias, mult, shift, zero_point, lo,\n", p);
    h.append("          hi, table, y + (oy * ow + ox) * filters);\n    }\n  }\n}\n\n");
  }
  if (has_pool) {
    put(&h, "/* 2x2 max pooling, stride 2, of an h x w x c image; flip = 0x80 compares int8 bytes\n"
            " * (x ^ 0x80 orders them as unsigned), 0 uint8 ones. */\n"
            "static inline void %s_max_pool(const uint8_t *x, int32_t h, int32_t w, int32_t c,\n", p);
    h.append("    uint8_t flip, uint8_t *y) {\n"
             "  int32_t oy, ox, ch;\n"
             "  for (oy = 0; oy < (h + 1) / 2; ++oy) {\n"
             "    const int32_t y0 = 2 * oy, y1 = 2 * oy + 1 < h ? 2 * oy + 1 : 2 * oy;\n"
             "    for (ox = 0; ox < (w + 1) / 2; ++ox) {\n"
             "      const int32_t x0 = 2 * ox, x1 = 2 * ox + 1 < w ? 2 * ox + 1 : 2 * ox;\n"
             "      for (ch = 0; ch < c; ++ch, ++y) {\n"
             "        const uint8_t a = (uint8_t)(x[(y0 * w + x0) * c + ch] ^ flip);\n"
             "        const uint8_t b = (uint8_t)(x[(y0 * w + x1) * c + ch] ^ flip);\n"
             "        const uint8_t d = (uint8_t)(x[(y1 * w + x0) * c + ch] ^ flip);\n"
             "        const uint8_t e = (uint8_t)(x[(y1 * w + x1) * c + ch] ^ flip);\n"
             "        const uint8_t ab = a > b ? a : b, de = d > e ? d : e;\n"
             "        *y = (uint8_t)((ab > de ? ab : de) ^ flip);\n"
             "      }\n    }\n  }\n}\n\n");
  }
  put(&h, "/* code[%s_CODE_SIZE] from in[%s_INPUT_SIZE]; scratch: %s_SCRATCH_BYTES bytes. */\n", N.c_str(), N.c_str(), N.c_str());
  put(&h, "static inline void %s_encode(const uint8_t *in, int8_t *code, void *scratch) {\n", p);
  h.append("  uint8_t *buffer = (uint8_t *)scratch;\n");
  if (scratch == 0) h.append("  (void)buffer;\n");
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::string x = l == 0 ? "in" : "buffer + " + std::to_string(((l - 1) % 2) * hidden);
    const std::string y = l + 1 == model.num_layers ? "(uint8_t *)code" : "buffer + " + std::to_string((l % 2) * hidden);
    const std::string table = layer.table != nullptr ? n + "_t" + std::to_string(l) : "0";
    const Shape& i = layer.input_shape;
    const Shape& o = layer.output_shape;
    switch (layer.kind) {
      case LayerKind::conv2d:
        put(&h, "  %s_conv(%s, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, buffer + %lld, %d,\n", p, x.c_str(),
            i.height, i.width, i.channels, layer.kernel, layer.stride, layer.pad_top, layer.pad_left,
            o.height, o.width, layer.input_zero_point, static_cast<long long>(2 * hidden), o.channels);
        put(&h, "      %s_w%d, %s_b%d, %s_m%d, %s_s%d, %d, %d, %d, %s, %s);\n", p, l, p, l, p, l, p, l,
            layer.requantized_zero_point, layer.clamp_min, layer.clamp_max, table.c_str(), y.c_str());
        break;
      case LayerKind::max_pool2d:
        put(&h, "  %s_max_pool(%s, %d, %d, %d, %s, %s);\n", p, x.c_str(), i.height, i.width, i.channels,
            layer.signed_output ? "0x80" : "0", y.c_str());
        break;
      default:
        put(&h, "  %s_dense(%s, %d, %d, %s_w%d, %s_b%d, %s_m%d, %s_s%d, %d, %d, %d, %s, %s);\n", p,
            x.c_str(), layer.inputs, layer.outputs, p, l, p, l, p, l, p, l, layer.requantized_zero_point,
            layer.clamp_min, layer.clamp_max, table.c_str(), y.c_str());
        break;
    }
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

namespace {

// spec as a C++ NetworkSpec builder expression.
std::string spec_expression(const NetworkSpec& spec) {
  std::string e;
  put(&e, "tinyae::NetworkSpec(tinyae::Shape{%d, %d, %d})", spec.input.channels, spec.input.height,
      spec.input.width);
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const LayerSpec& layer = spec.layers[l];
    const char* act = activation_name(layer.activation);
    switch (layer.kind) {
      case LayerKind::dense:
        put(&e, "\n    .dense(%lld, tinyae::Activation::%s)", static_cast<long long>(layer.output.size()), act);
        break;
      case LayerKind::conv2d:
        put(&e, "\n    .conv2d(%d, %d, %d, tinyae::Padding::%s, tinyae::Activation::%s)", layer.output.channels,
            layer.kernel, layer.stride, layer.padding == Padding::same ? "same" : "valid", act);
        break;
      case LayerKind::max_pool2d: e.append("\n    .max_pool2d()"); break;
      case LayerKind::resize: put(&e, "\n    .resize(%d, %d)", layer.output.height, layer.output.width); break;
    }
    if (l == spec.code_layer) e.append(".code()");
  }
  return e;
}

}  // namespace

Status save_float_c_header(const std::string& path, const NetworkSpec& spec,
                           const float* parameters, std::int64_t floats, const std::string& name) {
  if (!is_c_identifier(name)) {
    return Status::error(StatusCode::invalid_argument, "C header name '", name.c_str(),
                         "' is not a C identifier (letters, digits, _; not starting with a digit)");
  }
  TINYAE_RETURN_IF_ERROR(validate(spec));
  if (parameters == nullptr || floats != spec.parameter_floats()) {
    return Status::error(StatusCode::invalid_argument, "float header: the parameter block has ", floats,
                         " floats, the spec needs ", spec.parameter_floats());
  }
  std::string values;
  for (std::int64_t i = 0; i < floats; ++i) {
    if (!std::isfinite(parameters[i])) {
      return Status::error(StatusCode::non_finite, "float header: parameter ", i, " is ", parameters[i]);
    }
    // %a is exact: the literal reads back as the same float.
    put(&values, "%s%af,", i % 6 == 0 ? "\n    " : " ", static_cast<double>(parameters[i]));
  }
  const std::string n = name;
  std::string h;
  put(&h, "// %s.h: a float autoencoder exported by tinyae (tinyae export --float), for an\n", n.c_str());
  h.append("// inference-only Network that reads its parameters from this const block (flash):\n//\n");
  put(&h, "//   alignas(tinyae::kAlignment) static unsigned char arena[\n"
          "//       tinyae::arena_bytes_const_parameters(%s_spec, MAX_BATCH)];\n", n.c_str());
  put(&h, "//   tinyae::Arena a(arena, sizeof arena);\n//   tinyae::Network net;\n"
          "//   net.setup(%s_spec, %s_parameters, %s_parameter_floats, MAX_BATCH, a);\n//\n",
      n.c_str(), n.c_str(), n.c_str());
  h.append("// The block is the network's parameters in NetworkSpec order: per layer its weights\n"
           "// (dense: out x in, row-major; conv2d: filters x kernel rows x kernel columns x\n"
           "// channels), then its biases, each starting on a kAlignment boundary (zeros between).\n");
  h.append("#pragma once\n\n#include <cstdint>\n\n#include \"tinyae/network_spec.hpp\"\n\n");
  put(&h, "inline constexpr tinyae::NetworkSpec %s_spec =\n    %s;\n\n", n.c_str(), spec_expression(spec).c_str());
  put(&h, "inline constexpr std::int64_t %s_parameter_floats = %lld;\n", n.c_str(), static_cast<long long>(floats));
  put(&h, "static_assert(%s_spec.parameter_floats() == %s_parameter_floats,\n"
          "              \"%s.h: the parameter block does not match its spec\");\n\n",
      n.c_str(), n.c_str(), n.c_str());
  put(&h, "alignas(tinyae::kAlignment) inline constexpr float %s_parameters[%lld] = {", n.c_str(),
      static_cast<long long>(floats));
  h.append(values);
  h.append("\n};\n");
  return io::write_file_atomic(path, h.data(), h.size());
}

}  // namespace tinyae
