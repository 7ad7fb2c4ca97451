#include "quantize_command.hpp"

#include <cstdio>

#include "presets.hpp"
#include "tinyae/anomaly.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/quantize_io.hpp"

namespace tinyae::cli {
namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "tinyae: %s\n", s.message());
  return 1;
}

// The calibration and data flags both commands share.
void add_flags(CLI::App* cmd, QuantCommands::Flags* f, bool held_out) {
  cmd->add_option("--data", f->data, "calibration samples (.csv[.gz], .npy, IDX); default: the preset's training set");
  cmd->add_option("--preset", f->preset, "take --columns/--scale and the data paths from a preset");
  cmd->add_option("--columns", f->columns, "keep the first N columns of each row");
  cmd->add_option("--scale", f->scale, "multiply CSV/NPY values by this");
  cmd->add_option("--calibration-rows", f->calibration_rows, "calibrate on the first N samples")
      ->capture_default_str()->check(CLI::Range(1, 1 << 30));
  cmd->add_option("--calibration", f->calibration, "min-max or percentile")
      ->capture_default_str()->check(CLI::IsMember({"min-max", "percentile"}));
  cmd->add_option("--percentile", f->percentile, "with --calibration percentile: % of values kept per side")
      ->capture_default_str();
  cmd->add_option("--input-range", f->input_range, "fixed input range MIN MAX instead of calibrating it (0 1 for pixels/255)")
      ->expected(2);
  cmd->add_option("--name", f->name, "C identifier for the header's functions and arrays")->capture_default_str();
  cmd->add_flag("--whole-network", f->whole_network,
                "quantize the decoder too (reconstruct, score; an anomaly model's threshold in the header)");
  cmd->add_option("--class", f->normal_class,
                  "with --whole-network: the normal class; calibrate on its samples of --data")
      ->check(CLI::Range(0, 0x7fffffff));
  cmd->add_option("--calibration-labels", f->calibration_labels,
                  "with --class: labels of --data (IDX, CSV last column; default: the preset's)");
  if (held_out) {
    cmd->add_option("--test", f->test, "held-out samples for the report; default: the preset's test set");
    cmd->add_option("--isa", f->isa, "int8 kernels: avx512vnni, avxvnni, avx2, neondot, neon, scalar (default: best)");
    cmd->add_option("--labels", f->labels,
                    "with --class: labels of the held-out samples (default: the preset's); prints the AUROC "
                    "of float and int8 scores");
  }
}

struct Loaded {
  Model model;
  ArenaBuffer network_memory;
  ArenaBuffer quant_memory;
  Network net;
  QuantizedModel quantized;
  QuantizedNetwork encoder;
};

Status load_rows_limited(const std::string& path, const QuantCommands::Flags& f, std::int32_t limit, Matrix* out) {
  TINYAE_RETURN_IF_ERROR(load_rows(path, f.columns, f.scale, out));
  if (limit > 0 && out->rows > limit) {
    out->rows = limit;
    out->values.resize(static_cast<std::size_t>(limit) * static_cast<std::size_t>(out->cols));
  }
  return Status();
}

// Loads the float model, quantizes it on the calibration data and sets up the encoder.
Status quantize_model(QuantCommands::Flags& f, Loaded* l, Matrix* calibration) {
  if (!f.preset.empty()) {
    Preset p;
    TINYAE_RETURN_IF_ERROR(find_preset(f.preset, &p));
    if (f.data.empty()) f.data = p.train_data;
    if (f.test.empty()) f.test = p.test_data;
    if (f.columns == 0) f.columns = p.columns;
    if (f.scale == 1.0f) f.scale = p.scale;
    if (f.normal_class >= 0 && f.calibration_labels.empty() && f.data == p.train_data) {
      f.calibration_labels = p.train_labels;
    }
    if (f.normal_class >= 0 && f.labels.empty() && f.test == p.test_data) f.labels = p.test_labels;
  }
  if (f.data.empty()) {
    return Status::error(StatusCode::invalid_argument, "give --data (calibration samples) or --preset");
  }
  if (f.normal_class < 0 && (!f.labels.empty() || !f.calibration_labels.empty())) {
    return Status::error(StatusCode::invalid_argument, "quantize: --labels and --calibration-labels need --class");
  }
  if (f.normal_class >= 0 && !f.whole_network) {
    return Status::error(StatusCode::invalid_argument, "quantize: --class needs --whole-network (scores)");
  }
  TINYAE_RETURN_IF_ERROR(load_model(f.model, &l->model));
  const NetworkSpec& spec = l->model.spec;
  const QuantizeScope scope = f.whole_network ? QuantizeScope::whole_network : QuantizeScope::encoder;
  TINYAE_RETURN_IF_ERROR(quantizable(spec, scope));
  TINYAE_RETURN_IF_ERROR(l->network_memory.allocate(arena_bytes(spec, 256)));
  TINYAE_RETURN_IF_ERROR(l->net.setup(spec, 256, l->network_memory.arena()));
  TINYAE_RETURN_IF_ERROR(set_parameters(l->model, &l->net));
  if (f.normal_class >= 0 && !f.calibration_labels.empty()) {  // the normal class's samples
    Matrix all;
    std::vector<std::uint8_t> other;
    TINYAE_RETURN_IF_ERROR(load_rows(f.data, f.columns, f.scale, &all));
    TINYAE_RETURN_IF_ERROR(anomaly_flags(f.calibration_labels, all.rows, f.normal_class, &other));
    *calibration = normal_rows(all, other);
    if (calibration->rows > f.calibration_rows) {
      calibration->rows = f.calibration_rows;
      calibration->values.resize(static_cast<std::size_t>(calibration->rows) * static_cast<std::size_t>(calibration->cols));
    }
  } else {
    TINYAE_RETURN_IF_ERROR(load_rows_limited(f.data, f, f.calibration_rows, calibration));
  }

  QuantizeOptions options;
  options.scope = scope;
  options.calibration = f.calibration == "percentile" ? Calibration::percentile : Calibration::min_max;
  options.percentile = f.percentile;
  if (f.input_range.size() == 2) {
    options.fixed_input_range = true;
    options.input_min = f.input_range[0];
    options.input_max = f.input_range[1];
  }
  TINYAE_RETURN_IF_ERROR(l->quant_memory.allocate(quantized_model_bytes(spec, scope) +
                                                  quantize_work_bytes(spec, scope) +
                                                  quantized_network_bytes(spec, 256, scope)));
  TINYAE_RETURN_IF_ERROR(quantize(l->net, calibration->values.data(), calibration->rows, calibration->cols,
                                  options, l->quant_memory.arena(), &l->quantized));
  return l->encoder.setup(l->quantized, 256, l->quant_memory.arena(), f.isa.empty() ? nullptr : f.isa.c_str());
}

// The C header; a whole anomaly model's threshold is the model's percentile of the int8
// scores of the calibration samples (its normal samples).
Status write_header(const QuantCommands::Flags& f, Loaded& l, const Matrix& calibration) {
  const QuantizedModel& model = l.quantized;
  double threshold = -1;
  if (model.has_decoder() && l.model.anomaly.percentile > 0) {
    std::vector<double> scores;
    TINYAE_RETURN_IF_ERROR(int8_reconstruction_scores(l.encoder, calibration.values.data(), calibration.rows,
                                                      calibration.cols, &scores));
    TINYAE_RETURN_IF_ERROR(percentile_threshold(scores.data(), std::int64_t(scores.size()),
                                                l.model.anomaly.percentile, &threshold));
  }
  TINYAE_RETURN_IF_ERROR(save_c_header(f.c_header, model, f.name, static_cast<std::int64_t>(threshold)));
  std::printf("wrote %s (%s_encode: %d inputs -> %d int8 codes", f.c_header.c_str(), f.name.c_str(),
              model.input_size, model.code_size);
  if (model.has_decoder()) std::printf("; _decode, _reconstruct, _score");
  if (threshold >= 0) {
    std::printf("; score threshold %lld, the %g percentile of the %d calibration samples' int8 scores",
                static_cast<long long>(threshold), l.model.anomaly.percentile, calibration.rows);
  }
  std::printf(")\n");
  return Status();
}

// export --c-header F --float: the model's float parameter block and spec as a C++
// header for Network::setup(spec, const float*, ...).
int run_float_export(const QuantCommands::Flags& f, const std::string& name) {
  Model m;
  ArenaBuffer memory;
  Network net;
  Status s = load_model(f.model, &m);
  if (s.ok()) s = memory.allocate(arena_bytes(m.spec, 1));
  if (s.ok()) s = net.setup(m.spec, 1, memory.arena());
  if (s.ok()) s = set_parameters(m, &net);
  if (s.ok()) s = save_float_c_header(f.c_header, m.spec, net.parameters(), m.spec.parameter_floats(), name);
  if (!s.ok()) return fail(s);
  std::printf("wrote %s (%s_parameters: %lld floats; inference on 1 sample needs an arena of %zu bytes)\n",
              f.c_header.c_str(), name.c_str(), static_cast<long long>(m.spec.parameter_floats()),
              arena_bytes_const_parameters(m.spec, 1));
  return 0;
}

int run_quantize(QuantCommands::Flags& f) {
  Loaded l;
  Matrix calibration;
  Status s = quantize_model(f, &l, &calibration);
  if (!s.ok()) return fail(s);
  const NetworkSpec& spec = l.model.spec;
  std::int64_t float_bytes = 0;
  for (std::int32_t layer = 0; layer < l.quantized.num_layers; ++layer) {
    float_bytes += 4 * (spec.weight_count(layer) + spec.bias_count(layer));
  }
  std::printf("quantized %s: %d %s layer(s), %s calibration on %d samples, int8 kernels %s\n",
              f.model.c_str(), l.quantized.num_layers, f.whole_network ? "network" : "encoder",
              f.calibration.c_str(), calibration.rows, l.encoder.isa());
  std::printf("parameters  %lld bytes int8 (weights, int32 bias/multiplier/shift, tables), "
              "%lld bytes float32: %.2fx smaller\n",
              static_cast<long long>(l.quantized.parameter_bytes()), static_cast<long long>(float_bytes),
              static_cast<double>(float_bytes) / static_cast<double>(l.quantized.parameter_bytes()));
  Matrix held_out;
  const char* which = "held-out";
  if (!f.test.empty()) {
    if (!(s = load_rows_limited(f.test, f, 0, &held_out)).ok()) return fail(s);
  } else {
    held_out = calibration;
    which = "calibration (no --test given)";
  }
  QuantizationReport r;
  s = measure_quantization(l.net, l.encoder, held_out.values.data(), held_out.rows, held_out.cols, &r);
  if (!s.ok()) return fail(s);
  std::printf("codes       on %lld %s samples: max |float - int8| %.5f, mean %.5f, "
              "cosine similarity mean %.5f (min %.5f)\n",
              static_cast<long long>(r.samples), which, r.code_max_abs_error, r.code_mean_abs_error,
              r.code_cosine_mean, r.code_cosine_min);
  std::printf("recon MSE   float encoder %.6f, int8 encoder %.6f (%+.2f%%), both through the float decoder\n",
              r.float_mse, r.int8_code_mse, 100.0 * (r.int8_code_mse / r.float_mse - 1.0));
  if (l.quantized.has_decoder()) {
    std::printf("recon MSE   int8 network %.6f (%+.2f%% against float), the int8 output dequantized\n",
                r.int8_mse, 100.0 * (r.int8_mse / r.float_mse - 1.0));
  }
  std::printf("per layer   RMS error of the dequantized int8 output / RMS of the float output:\n");
  for (std::int32_t layer = 0; layer < r.layers; ++layer) {
    const double rel = r.layer_float_rms[layer] > 0 ? r.layer_rms_error[layer] / r.layer_float_rms[layer] : 0.0;
    std::printf("  layer %d %-10s %.6f / %.6f (%.2f%%)%s\n", layer, layer_kind_name(spec.layers[layer].kind),
                r.layer_rms_error[layer], r.layer_float_rms[layer], 100.0 * rel,
                layer == spec.code_layer ? "  (code)" : "");
  }
  if (f.normal_class >= 0 && !f.labels.empty()) {
    // Without --test, every sample of --data (the calibration took its normal ones).
    Matrix all;
    if (f.test.empty() && !(s = load_rows(f.data, f.columns, f.scale, &all)).ok()) return fail(s);
    const Matrix& scored = f.test.empty() ? all : held_out;
    std::vector<std::uint8_t> anomalous;
    std::vector<double> float_scores, int8_scores;
    double float_auroc = 0, int8_auroc = 0;
    s = anomaly_flags(f.labels, scored.rows, f.normal_class, &anomalous);
    if (s.ok()) s = reconstruction_scores(l.net, scored.values.data(), scored.rows, scored.cols, &float_scores);
    if (s.ok()) {
      s = int8_reconstruction_scores(l.encoder, scored.values.data(), scored.rows, scored.cols, &int8_scores);
    }
    const auto n = static_cast<std::int64_t>(anomalous.size());
    if (s.ok()) s = auroc(float_scores.data(), anomalous.data(), n, &float_auroc);
    if (s.ok()) s = auroc(int8_scores.data(), anomalous.data(), n, &int8_auroc);
    if (!s.ok()) return fail(s);
    std::printf("AUROC       float %.4f, int8 %.4f (%+.4f), class %d normal\n", float_auroc, int8_auroc,
                int8_auroc - float_auroc, f.normal_class);
  }
  if (!f.c_header.empty() && !(s = write_header(f, l, calibration)).ok()) return fail(s);
  return 0;
}

}  // namespace

QuantCommands::QuantCommands(CLI::App& app, CLI::App* export_cmd) : export_(export_cmd) {
  quantize_ = app.add_subcommand("quantize", "int8: quantize a model and report what it costs in accuracy");
  quantize_->add_option("--model", quantize_flags_.model, "model file")->required();
  quantize_->add_option("--c-header", quantize_flags_.c_header, "also write the int8 network as a C header");
  add_flags(quantize_, &quantize_flags_, true);

  // export: exactly one of --npy (main.cpp's) and --c-header.
  CLI::Option_group* formats = export_cmd->add_option_group("format", "what to write");
  CLI::Option* npy = export_cmd->get_option("--npy");
  npy->required(false);
  formats->add_option(npy);
  CLI::Option* header = formats->add_option("--c-header", export_flags_.c_header,
                      "the int8 encoder (or --whole-network) as a self-contained C99 header (needs calibration data)");
  formats->require_option(1);
  export_cmd->add_flag("--float", export_flags_.float_header,
                       "with --c-header: the float network as a C++ header of const arrays "
                       "(no quantization; default --name tinyae_model)")
      ->needs(header);
  add_flags(export_cmd, &export_flags_, false);
}

bool QuantCommands::parsed() const {
  return quantize_->parsed() || (export_->parsed() && !export_flags_.c_header.empty());
}

int QuantCommands::run() {
  if (quantize_->parsed()) return run_quantize(quantize_flags_);
  Flags& f = export_flags_;
  f.model = export_->get_option("--model")->as<std::string>();
  if (f.float_header) return run_float_export(f, export_->count("--name") > 0 ? f.name : "tinyae_model");
  Loaded l;
  Matrix calibration;
  Status s = quantize_model(f, &l, &calibration);
  if (!s.ok() || !(s = write_header(f, l, calibration)).ok()) return fail(s);
  return 0;
}

}  // namespace tinyae::cli
