// Export of a quantized network as a self-contained C99 header (the runtime of
// lib/quant/c/tinyae_int8.h, then the model's tables and entry points), and of a float
// network as a C++ header of const arrays (save_float_c_header).
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
    case LayerKind::resize:
      put(&d, "resize (nearest): %dx%dx%d -> %dx%dx%d", i.height, i.width, i.channels, o.height, o.width,
          o.channels);
      break;
    default:
      put(&d, "%d -> %d %s", layer.inputs, layer.outputs, activation_name(layer.activation));
      break;
  }
  return d;
}

const char* kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::conv2d: return "TINYAE_INT8_CONV2D";
    case LayerKind::max_pool2d: return "TINYAE_INT8_MAX_POOL2D";
    case LayerKind::resize: return "TINYAE_INT8_RESIZE";
    case LayerKind::dense: break;
  }
  return "TINYAE_INT8_DENSE";
}

}  // namespace

namespace detail {
extern const char kCRuntimeText[];  // lib/quant/c/tinyae_int8.h, embedded by CMake
}  // namespace detail

Status save_c_header(const std::string& path, const QuantizedModel& model, const std::string& name,
                     std::int64_t score_threshold) {
  if (!is_c_identifier(name)) {
    return Status::error(StatusCode::invalid_argument, "C header name '", name.c_str(),
                         "' is not a C identifier (letters, digits, _; not starting with a digit)");
  }
  if (model.num_layers < 1 || model.num_layers > kMaxLayers) {
    return Status::error(StatusCode::invalid_argument, "the quantized model has ", model.num_layers,
                         " layers; quantize() a network first");
  }
  const bool whole = model.has_decoder();
  if (score_threshold >= 0 && !whole) {
    return Status::error(StatusCode::invalid_argument,
                         "a score threshold needs the whole network (the encoder alone has no score)");
  }
  const std::string n = name;
  const std::string N = upper(name);
  const char* p = n.c_str();
  const char* P = N.c_str();
  // Scratch: two buffers for the widest hidden layer, then one patch (a convolution's
  // window, kernel x kernel x C bytes).
  std::int64_t hidden = 0;
  std::int32_t patch = 0;
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    if (l + 1 < model.num_layers && layer.output_shape.size() > hidden) hidden = layer.output_shape.size();
    if (layer.kind == LayerKind::conv2d && layer.inputs > patch) patch = layer.inputs;
  }
  const std::int64_t scratch = 2 * hidden + patch;
  std::string h;
  put(&h, "/* %s.h: an int8 autoencoder %s exported by tinyae. Self-contained C99: it needs\n", p,
      whole ? "(encoder and decoder)" : "encoder");
  h.append(" * only <stdint.h> and <string.h>; no heap, no library, no floating point in the network.\n *\n");
  put(&h, " *   static uint8_t scratch[%s_SCRATCH_BYTES];\n", P);
  put(&h, " *   uint8_t in[%s_INPUT_SIZE];\n *   int8_t code[%s_CODE_SIZE];\n", P, P);
  put(&h, " *   %s_quantize_input(x, in);        from floats, or fill `in` directly\n", p);
  put(&h, " *   %s_encode(in, code, scratch);\n", p);
  put(&h, " *   float c = %s_dequantize_code(code[j]);\n", p);
  if (whole) {
    put(&h, " *   uint8_t out[%s_OUTPUT_SIZE];     on the input's grid\n", P);
    put(&h, " *   %s_decode(code, out, scratch);\n", p);
    put(&h, " *   %s_reconstruct(in, out, scratch);\n", p);
    put(&h, " *   static uint8_t score_scratch[%s_SCORE_SCRATCH_BYTES];\n", P);
    put(&h, " *   int64_t score;\n *   int anomalous = %s_score(in, &score, score_scratch);\n", p);
  }
  h.append(" *\n");
  put(&h, " * Input: uint8, x = %s_INPUT_SCALE * (q - %s_INPUT_ZERO_POINT).\n", P, P);
  put(&h, " * Code: int8, value = %s_CODE_SCALE * (q - %s_CODE_ZERO_POINT).\n", P, P);
  if (whole) {
    h.append(" * Output: uint8 on the input's grid. Score: sum of (in - out)^2 over the inputs, exact;\n");
    put(&h, " * times %s_SCORE_SCALE it is the mean squared error in the input's units.\n", P);
  }
  put(&h, " * Layers (layer %d gives the code):\n", model.code_layer);
  for (std::int32_t l = 0; l < model.num_layers; ++l) put(&h, " *   %s\n", describe(model.layers[l]).c_str());
  h.append(" */\n");
  h.append(detail::kCRuntimeText);
  put(&h, "\n#ifndef %s_H\n#define %s_H\n\n", P, P);
  put(&h, "#define %s_INPUT_SIZE %d\n", P, model.input_size);
  put(&h, "#define %s_CODE_SIZE %d\n", P, model.code_size);
  if (whole) put(&h, "#define %s_OUTPUT_SIZE %d\n", P, model.output_size);
  put(&h, "/* Two buffers for the widest hidden layer and a convolution window (at least 1\n"
          " * byte, to size an array). */\n");
  put(&h, "#define %s_SCRATCH_BYTES %lld\n", P, static_cast<long long>(scratch > 0 ? scratch : 1));
  put(&h, "#define %s_ENCODE_SCRATCH_BYTES %s_SCRATCH_BYTES\n", P, P);
  if (whole) {
    put(&h, "#define %s_DECODE_SCRATCH_BYTES %s_SCRATCH_BYTES\n", P, P);
    put(&h, "#define %s_RECONSTRUCT_SCRATCH_BYTES %s_SCRATCH_BYTES\n", P, P);
    put(&h, "/* The scratch and the reconstruction. */\n");
    put(&h, "#define %s_SCORE_SCRATCH_BYTES %lld\n", P, static_cast<long long>(scratch + model.output_size));
  }
  put(&h, "#define %s_INPUT_SCALE %s\n", P, float_literal(model.input_scale).c_str());
  put(&h, "#define %s_INPUT_ZERO_POINT (%d)\n", P, model.input_zero_point);
  put(&h, "#define %s_CODE_SCALE %s\n", P, float_literal(model.code_scale).c_str());
  put(&h, "#define %s_CODE_ZERO_POINT (%d)\n", P, model.code_zero_point);
  if (whole) {
    put(&h, "#define %s_SCORE_SCALE %s\n", P, float_literal(static_cast<float>(model.score_scale())).c_str());
    if (score_threshold >= 0) {
      put(&h, "/* A sample scoring above it is an anomaly (the model's percentile of its normal\n"
              " * samples' int8 scores). */\n#define %s_SCORE_THRESHOLD INT64_C(%lld)\n",
          P, static_cast<long long>(score_threshold));
    }
  }
  h.append("\n");

  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::string id = std::to_string(l);
    put(&h, "/* Layer %d: %s; input scale %s, zero point %d; output scale %s, zero point %d. */\n",
        l, describe(layer).c_str(), float_literal(layer.input_scale).c_str(), layer.input_zero_point,
        float_literal(layer.output_scale).c_str(), layer.output_zero_point);
    if (layer.weights == nullptr) {
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
  put(&h, "static const tinyae_int8_layer %s_layers[%d] = {\n", p, model.num_layers);
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const Shape& i = layer.input_shape;
    const Shape& o = layer.output_shape;
    const std::string id = std::to_string(l);
    const bool weights = layer.weights != nullptr;
    const std::int32_t pad = layer.kind == LayerKind::conv2d       ? layer.input_zero_point
                             : layer.kind == LayerKind::max_pool2d ? (layer.signed_output ? 0x80 : 0)
                                                                   : 0;
    put(&h, "  {%s, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d,\n", kind_name(layer.kind),
        i.height, i.width, i.channels, o.height, o.width, o.channels, layer.kernel, layer.stride, layer.pad_top,
        layer.pad_left, layer.inputs, layer.outputs, pad, layer.requantized_zero_point, layer.clamp_min,
        layer.clamp_max);
    if (weights) {
      put(&h, "   %s_w%d, %s_b%d, %s_m%d, %s_s%d, %s},\n", p, l, p, l, p, l, p, l,
          layer.table != nullptr ? (n + "_t" + id).c_str() : "0");
    } else {
      h.append("   0, 0, 0, 0, 0},\n");
    }
  }
  h.append("};\n\n");
  // One call per layer of first..last; layer l's output in buffer l % 2, the last's in y.
  const auto calls = [&](std::int32_t first, std::int32_t last, std::string x, const std::string& y) {
    for (std::int32_t l = first; l <= last; ++l) {
      const QuantizedLayer& layer = model.layers[l];
      const std::string out = l == last ? y : "buffer + " + std::to_string((l % 2) * hidden);
      switch (layer.kind) {
        case LayerKind::conv2d:
          put(&h, "  tinyae_int8_conv(&%s_layers[%d], %s, buffer + %lld, %s);\n", p, l, x.c_str(),
              static_cast<long long>(2 * hidden), out.c_str());
          break;
        case LayerKind::max_pool2d:
          put(&h, "  tinyae_int8_max_pool(&%s_layers[%d], %s, %s);\n", p, l, x.c_str(), out.c_str());
          break;
        case LayerKind::resize:
          put(&h, "  tinyae_int8_resize(&%s_layers[%d], %s, %s);\n", p, l, x.c_str(), out.c_str());
          break;
        case LayerKind::dense:
          put(&h, "  tinyae_int8_dense(&%s_layers[%d], %s, %s);\n", p, l, x.c_str(), out.c_str());
          break;
      }
      if (l == model.code_layer && l < last) {
        put(&h, "  tinyae_int8_flip(%s, %lld); /* the code, read as uint8 */\n", out.c_str(),
            static_cast<long long>(layer.output_shape.size()));
      }
      x = out;
    }
  };

  put(&h, "/* code[%s_CODE_SIZE] from in[%s_INPUT_SIZE]; scratch: %s_ENCODE_SCRATCH_BYTES bytes. */\n", P, P, P);
  put(&h, "static inline void %s_encode(const uint8_t *in, int8_t *code, void *scratch) {\n", p);
  h.append("  uint8_t *buffer = (uint8_t *)scratch;\n  (void)buffer; /* unused when one layer gives the code */\n");
  calls(0, model.code_layer, "in", "(uint8_t *)code");
  h.append("}\n\n");
  if (whole) {
    const std::int32_t last = model.num_layers - 1;
    put(&h, "/* out[%s_OUTPUT_SIZE] from code[%s_CODE_SIZE]; scratch: %s_DECODE_SCRATCH_BYTES. */\n", P, P, P);
    const std::string code_buffer = "buffer + " + std::to_string((model.code_layer % 2) * hidden);
    put(&h, "static inline void %s_decode(const int8_t *code, uint8_t *out, void *scratch) {\n", p);
    h.append("  uint8_t *buffer = (uint8_t *)scratch;\n");
    put(&h, "  memcpy(%s, code, %s_CODE_SIZE);\n", code_buffer.c_str(), P);
    put(&h, "  tinyae_int8_flip(%s, %s_CODE_SIZE); /* the code, read as uint8 */\n", code_buffer.c_str(), P);
    calls(model.code_layer + 1, last, code_buffer, "out");
    h.append("}\n\n");
    put(&h, "/* out[%s_OUTPUT_SIZE] from in[%s_INPUT_SIZE]; scratch: %s_RECONSTRUCT_SCRATCH_BYTES. */\n", P, P, P);
    put(&h, "static inline void %s_reconstruct(const uint8_t *in, uint8_t *out, void *scratch) {\n", p);
    h.append("  uint8_t *buffer = (uint8_t *)scratch;\n");
    calls(0, last, "in", "out");
    h.append("}\n\n");
    if (score_threshold >= 0) {
      put(&h, "/* *score = the sum over the inputs of (in - reconstruction)^2, exact; returns 1 when\n"
              " * it is above %s_SCORE_THRESHOLD (an anomaly), else 0. scratch:\n"
              " * %s_SCORE_SCRATCH_BYTES bytes. */\n", P, P);
    } else {
      put(&h, "/* *score = the sum over the inputs of (in - reconstruction)^2, exact; returns 0 (the\n"
              " * model has no anomaly threshold). scratch: %s_SCORE_SCRATCH_BYTES bytes. */\n", P);
    }
    put(&h, "static inline int %s_score(const uint8_t *in, int64_t *score, void *scratch) {\n", p);
    put(&h, "  uint8_t *out = (uint8_t *)scratch + %s_SCRATCH_BYTES;\n", P);
    put(&h, "  %s_reconstruct(in, out, scratch);\n", p);
    put(&h, "  *score = tinyae_int8_sum_squares(in, out, %s_INPUT_SIZE);\n", P);
    if (score_threshold >= 0) {
      put(&h, "  return *score > %s_SCORE_THRESHOLD;\n}\n\n", P);
    } else {
      h.append("  return 0;\n}\n\n");
    }
  }
  put(&h, "/* in = clamp(round(x / %s_INPUT_SCALE) + %s_INPUT_ZERO_POINT, 0, 255). */\n", P, P);
  put(&h, "static inline void %s_quantize_input(const float *x, uint8_t *in) {\n", p);
  put(&h, "  int32_t i;\n  for (i = 0; i < %s_INPUT_SIZE; ++i) {\n", P);
  put(&h, "    float v = x[i] / %s_INPUT_SCALE + (float)%s_INPUT_ZERO_POINT;\n", P, P);
  h.append("    v = v > 0.0f ? v : 0.0f; /* NaN -> 0 as well */\n"
           "    v = v < 255.0f ? v : 255.0f;\n"
           "    in[i] = (uint8_t)(int32_t)(v + 0.5f);\n  }\n}\n\n");
  put(&h, "static inline float %s_dequantize_code(int8_t q) {\n", p);
  put(&h, "  return %s_CODE_SCALE * (float)((int32_t)q - %s_CODE_ZERO_POINT);\n}\n\n", P, P);
  if (whole) {
    put(&h, "/* An output byte in the input's units. */\nstatic inline float %s_dequantize_output(uint8_t q) {\n", p);
    put(&h, "  return %s_INPUT_SCALE * (float)((int32_t)q - %s_INPUT_ZERO_POINT);\n}\n\n", P, P);
  }
  put(&h, "#endif /* %s_H */\n", P);
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
