// tinyae: train autoencoders and look at what they learned, from the command line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "import_command.hpp"
#include "output_pictures.hpp"
#include "presets.hpp"
#include "quantize_command.hpp"
#include "score_command.hpp"
#include "training_log.hpp"
#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/tinyae.hpp"

namespace {

using namespace tinyae;

int fail(const Status& s) {
  std::fprintf(stderr, "tinyae: %s\n", s.message());
  return 1;
}

struct DataFlags {
  std::string path;
  std::string preset;
  std::int32_t columns = 0;
  float scale = 1.0f;
  std::int32_t patch_size = 0;  // from the preset: the data are image patches
};

void add_data_flags(CLI::App* cmd, DataFlags* d, bool required) {
  cmd->add_option("--data", d->path, "samples: .csv[.gz], .npy, or IDX (e.g. t10k-images-idx3-ubyte.gz)")
      ->required(required);
  cmd->add_option("--columns", d->columns, "keep the first N columns of each row (CSV labels dropped)");
  cmd->add_option("--scale", d->scale, "multiply CSV/NPY values by this (IDX images are scaled to [0,1])");
  cmd->add_option("--preset", d->preset,
                  "the preset the model was trained with: its --columns, --scale and, without --data, its test set");
}

// Applies a preset's data conventions where the user gave none.
Status resolve_data(DataFlags* d, CLI::App* cmd, std::string* default_test) {
  if (d->preset.empty()) return Status();
  cli::Preset p;
  TINYAE_RETURN_IF_ERROR(cli::find_preset(d->preset, &p));
  if (cmd->count("--columns") == 0) d->columns = p.columns;
  if (cmd->count("--scale") == 0) d->scale = p.scale;
  if (d->path.empty()) d->path = p.train_data;
  d->patch_size = p.patch_size;
  if (default_test != nullptr) *default_test = p.test_data;
  return Status();
}

Status load_data(const DataFlags& d, Matrix* out) {
  return cli::load_rows(d.path, d.columns, d.scale, out, d.patch_size);
}

// Creates dir and any missing parents; true when it exists as a folder afterwards.
bool ensure_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  return std::filesystem::is_directory(dir, error);
}

// ---------------------------------------------------------------------------- train

struct TrainFlags {
  std::string preset;
  std::string layers;
  DataFlags data;
  std::string test;
  std::string out = "tinyae-out";
  std::string loss;
  std::string optimizer;
  std::int32_t epochs = 0;
  std::int32_t batch = 0;
  float lr = 0;
  float weight_decay = 0;
  float noise = 0;
  std::uint64_t seed = 1;
  std::int32_t threads = 0;
  float sparsity_target = 0;
  float sparsity_weight = 0;
  float activity_l1 = 0;
  std::int32_t holdout = 0;
  std::string init;
  std::string labels;
  std::string test_labels;
  std::int32_t normal_class = -1;
  double threshold_percentile = reference::kAnomalyPercentile;
  std::int32_t window = 0;  // > 0: stream --data this many rows at a time
};

// --window: what a streamed training set cannot do (it is never all in memory).
Status check_streamable(const TrainFlags& f, const cli::Preset& preset, const TrainConfig& config,
                        CLI::App* cmd) {
  const char* why = nullptr;
  if (f.data.path.empty()) why = "needs --data (an .npy or IDX file)";
  else if (preset.patch_size > 0) why = "streams rows of a file, not patches sampled from images";
  else if (cli::ends_with(f.data.path, ".csv") || cli::ends_with(f.data.path, ".csv.gz")) why = "streams .npy and IDX files, not CSV";
  else if (config.optimizer == Optimizer::lbfgs) why = "needs a mini-batch optimizer (lbfgs works on the full batch)";
  else if (cmd->count("--columns") > 0) why = "takes every column of the file (no --columns)";
  else if (cmd->count("--holdout") > 0) why = "cannot hold out rows; give --test";
  else if (preset.anomaly || cmd->count("--class") > 0 || cmd->count("--threshold-percentile") > 0) {
    why = "does not train anomaly models (their threshold needs every training score); train without --window";
  }
  if (why == nullptr) return Status();
  return Status::error(StatusCode::invalid_argument, "train --window ", why);
}

// A streamed training set's errors, window by window.
Status evaluate_windows(Network& net, FileBatchStream& stream, Metrics* out) {
  TINYAE_RETURN_IF_ERROR(stream.start_epoch());
  Metrics total;
  double bce_sum = 0;
  for (;;) {
    const float* values = nullptr;
    std::int32_t rows = 0;
    TINYAE_RETURN_IF_ERROR(stream.next_window(&values, &rows));
    if (rows == 0) break;
    Metrics m;
    TINYAE_RETURN_IF_ERROR(net.evaluate(values, rows, stream.cols(), &m));
    total.sse += m.sse;
    bce_sum += m.bce * static_cast<double>(m.samples);
    total.samples += m.samples;
  }
  total.mse = total.sse / (static_cast<double>(total.samples) * stream.cols());
  total.bce = bce_sum / static_cast<double>(total.samples);
  total.loss = total.mse;
  *out = total;
  return Status();
}

void print_metrics(const char* name, const Metrics& m) {
  std::printf("%-9s MSE %.6f", name, m.mse);
  if (!std::isnan(m.bce)) std::printf("  BCE %.6f", m.bce);
  std::printf("  (%lld samples)\n", static_cast<long long>(m.samples));
}

int run_train(TrainFlags& f, CLI::App* cmd) {
  cli::Preset preset;
  if (!f.preset.empty()) {
    Status s = cli::find_preset(f.preset, &preset);
    if (!s.ok()) return fail(s);
  } else if (f.layers.empty()) {
    return fail(Status::error(StatusCode::invalid_argument, "train: give --preset or --layers"));
  }
  if (!f.layers.empty()) {
    Status s = cli::parse_layers(f.layers, &preset.spec);
    if (!s.ok()) return fail(s);
  }
  TrainConfig& config = preset.config;
  if (!f.loss.empty()) {
    Status s = parse_loss(f.loss.c_str(), &config.loss);
    if (!s.ok()) return fail(s);
  }
  if (!f.optimizer.empty()) {
    Status s = parse_optimizer(f.optimizer.c_str(), &config.optimizer);
    if (!s.ok()) return fail(s);
  }
  if (cmd->count("--epochs")) config.epochs = f.epochs;
  if (cmd->count("--batch")) config.batch_size = f.batch;
  if (cmd->count("--lr")) config.learning_rate = f.lr;
  if (cmd->count("--weight-decay")) config.weight_decay = f.weight_decay;
  if (cmd->count("--noise")) config.noise_stddev = f.noise;
  if (cmd->count("--seed")) config.seed = f.seed;
  if (cmd->count("--threads")) config.threads = f.threads;
  if (cmd->count("--sparsity-target")) config.sparsity_target = f.sparsity_target;
  if (cmd->count("--sparsity-weight")) config.sparsity_weight = f.sparsity_weight;
  if (cmd->count("--l1")) config.activity_l1 = f.activity_l1;
  if (f.data.path.empty()) f.data.path = preset.train_data;
  if (cmd->count("--columns") == 0) f.data.columns = preset.columns;
  if (cmd->count("--scale") == 0) f.data.scale = preset.scale;
  f.data.patch_size = preset.patch_size;
  if (f.test.empty() && cmd->count("--data") == 0) f.test = preset.test_data;
  const bool streamed = cmd->count("--window") > 0;
  const std::int32_t holdout =
      cmd->count("--holdout") ? f.holdout : (f.test.empty() && !streamed ? preset.holdout : 0);

  Matrix all;
  FileBatchStream stream;
  if (streamed) {
    // Memory: one window of the file (its first one is kept for the pictures).
    Status s = check_streamable(f, preset, config, cmd);
    if (s.ok()) s = stream.open(f.data.path, f.window, f.data.scale, config.shuffle, config.seed);
    const float* first = nullptr;
    if (s.ok()) s = stream.start_epoch();
    if (s.ok()) s = stream.next_window(&first, &all.rows);
    if (!s.ok()) return fail(s);
    all.cols = stream.cols();
    all.values.assign(first, first + std::int64_t{all.rows} * all.cols);
  } else if (f.data.path.empty() && preset.name == "identity-838") {
    all = cli::one_hot8();
  } else if (f.data.path.empty()) {
    return fail(Status::error(StatusCode::invalid_argument, "train: give --data",
                              preset.patch_size > 0 ? " (a folder of photographs, or a patch file)" : ""));
  } else {
    Status s = load_data(f.data, &all);
    if (!s.ok()) return fail(s);
  }
  // Anomaly detection: train on the normal class only (or on data that is all normal)
  // and keep a threshold on the training scores.
  const bool anomaly = preset.anomaly || cmd->count("--class") > 0 || cmd->count("--threshold-percentile") > 0;
  const bool preset_data = cmd->count("--data") == 0;
  if (preset.anomaly && preset_data && f.normal_class < 0) f.normal_class = 0;
  if (f.labels.empty() && preset_data) f.labels = preset.train_labels;
  if (f.test_labels.empty() && cmd->count("--test") == 0 && preset_data) f.test_labels = preset.test_labels;
  if (f.normal_class >= 0) {
    if (f.labels.empty()) return fail(Status::error(StatusCode::invalid_argument, "train: --class needs --labels"));
    std::vector<std::uint8_t> anomalous;
    Status s = cli::anomaly_flags(f.labels, all.rows, f.normal_class, &anomalous);
    if (!s.ok()) return fail(s);
    all = cli::normal_rows(all, anomalous);
  }
  if (anomaly && !(f.threshold_percentile > 0 && f.threshold_percentile <= 100)) {
    return fail(Status::error(StatusCode::invalid_argument, "train: threshold percentile ",
                              f.threshold_percentile, " is outside (0, 100]"));
  }
  Matrix train;
  Matrix test;
  train.cols = test.cols = all.cols;
  for (std::int32_t i = 0; i < all.rows; ++i) {
    Matrix& dst = holdout > 1 && i % holdout == holdout - 1 ? test : train;
    dst.values.insert(dst.values.end(), all.row(i), all.row(i) + all.cols);
    ++dst.rows;
  }
  if (!f.test.empty()) {
    DataFlags test_flags = f.data;
    test_flags.path = f.test;
    Status s = load_data(test_flags, &test);
    if (!s.ok()) return fail(s);
  }
  const std::int64_t train_rows = streamed ? stream.rows_per_epoch() : train.rows;
  if (config.batch_size > train_rows) config.batch_size = static_cast<std::int32_t>(train_rows);  // full batch at most

  ArenaBuffer memory;
  Network net;
  Status s = memory.allocate(arena_bytes(preset.spec, config));
  if (s.ok()) s = net.setup(preset.spec, config, memory.arena());
  if (s.ok() && !f.init.empty()) {  // fine-tuning: start from a saved model's weights
    Model start;
    s = load_model(f.init, &start);
    if (s.ok() && cli::describe(start.spec) != cli::describe(preset.spec)) {
      return fail(Status::error(StatusCode::invalid_argument, "--init ", f.init.c_str(), " holds ",
                                cli::describe(start.spec).c_str(), ", not the network being trained, ",
                                cli::describe(preset.spec).c_str()));
    }
    if (s.ok()) s = set_parameters(start, &net);
    if (!s.ok()) return fail(s);
    std::printf("starting from the weights of %s\n", f.init.c_str());
  }
  if (!s.ok()) return fail(s);
  if (!ensure_dir(f.out)) {
    return fail(Status::error(StatusCode::io_error, f.out.c_str(), ": cannot create the output folder"));
  }
  if (f.normal_class >= 0) std::printf("anomaly detection: class %d is normal\n", f.normal_class);
  std::printf("%s: %s, %d parameters, %s loss, %s lr %g, batch %d, %d epochs%s, %lld training samples\n",
              preset.name.empty() ? "custom" : preset.name.c_str(), cli::describe(preset.spec).c_str(),
              static_cast<int>(preset.spec.parameter_count()), loss_name(config.loss),
              optimizer_name(config.optimizer), static_cast<double>(config.learning_rate),
              config.batch_size, config.epochs, config.noise_stddev > 0 ? ", denoising" : "",
              static_cast<long long>(train_rows));
  if (streamed) {
    std::printf("streaming %s, %d rows at a time (shuffled within each window)\n", f.data.path.c_str(),
                f.window);
  }

  const std::string csv_path = f.out + "/loss.csv";
  std::FILE* csv = std::fopen(csv_path.c_str(), "w");
  if (csv == nullptr) return fail(Status::error(StatusCode::io_error, csv_path.c_str(), ": cannot write"));
  std::fprintf(csv, "epoch,loss,mse,sse,seconds\n");
  std::fflush(stdout);  // the header line before any progress on stderr
  cli::TrainingLog log(stderr, isatty(fileno(stderr)) != 0, csv);
  s = streamed ? net.fit(stream, cli::TrainingLog::on_epoch, &log, cli::TrainingLog::on_step)
               : net.fit(train.values.data(), train.rows, train.cols, cli::TrainingLog::on_epoch, &log,
                         cli::TrainingLog::on_step);
  const double seconds = log.seconds();
  if (std::fclose(csv) != 0 && s.ok()) s = Status::error(StatusCode::io_error, csv_path.c_str(), ": write failed");
  if (!s.ok()) return fail(s);
  std::printf("trained in %.2f s (%.0f samples/s)\n", seconds,
              seconds > 0 ? double(train_rows) * config.epochs / seconds : 0.0);

  Metrics m;
  s = streamed ? evaluate_windows(net, stream, &m) : net.evaluate(train.values.data(), train.rows, train.cols, &m);
  if (!s.ok()) return fail(s);
  print_metrics("train", m);
  if (test.rows > 0) {
    if (!(s = net.evaluate(test.values.data(), test.rows, test.cols, &m)).ok()) return fail(s);
    print_metrics("test", m);
    if (config.noise_stddev > 0) {  // what a denoiser is for: noisy inputs, clean targets
      std::vector<float> noisy(test.values.size());
      add_gaussian_noise(test.values.data(), static_cast<std::int64_t>(noisy.size()),
                         config.noise_stddev, config.clip_noisy_input, config.seed + 1, noisy.data());
      if (!(s = net.evaluate(noisy.data(), test.rows, test.cols, &m, test.values.data())).ok()) return fail(s);
      print_metrics("denoised", m);
    }
  }
  AnomalyThreshold threshold;
  std::string anomaly_pictures;
  if (anomaly) {
    std::vector<double> scores;
    if (!(s = reconstruction_scores(net, train.values.data(), train.rows, train.cols, &scores)).ok() ||
        !(s = percentile_threshold(scores.data(), train.rows, f.threshold_percentile, &threshold.score)).ok()) {
      return fail(s);
    }
    threshold.percentile = f.threshold_percentile;
    std::printf("threshold %.6g: the %g percentile of the training samples' scores\n", threshold.score,
                threshold.percentile);
    if (test.rows > 0 && f.normal_class >= 0 && !f.test_labels.empty()) {
      std::vector<std::uint8_t> anomalous;
      if (!(s = cli::anomaly_flags(f.test_labels, test.rows, f.normal_class, &anomalous)).ok() ||
          !(s = reconstruction_scores(net, test.values.data(), test.rows, test.cols, &scores)).ok()) {
        return fail(s);
      }
      double area = 0;
      s = cli::report_anomaly(scores, anomalous, threshold, f.out + "/roc.png", f.out + "/scores.png", &area);
      if (!s.ok()) return fail(s);
      anomaly_pictures = ", roc.png, scores.png";
    }
  }
  const std::string model_path = f.out + "/model.tae";
  if (!(s = save_model(model_path, net, anomaly ? &threshold : nullptr)).ok()) return fail(s);
  const std::string loss_title = std::string("training loss (") + loss_name(config.loss) + ") per epoch";
  const Matrix& shown = test.rows > 0 ? test : train;
  if (!(s = cli::save_curve(f.out + "/loss.png", log.losses(), loss_title)).ok() ||
      !(s = cli::save_reconstructions(f.out + "/reconstructions.png", net, shown, config.noise_stddev,
                                      config.seed)).ok()) {
    return fail(s);
  }
  std::string pictures = "loss.png, reconstructions.png";
  if (preset.name == "identity-838" && f.data.path.empty()) {  // the seed's pictures
    s = cli::save_curve(f.out + "/sse.png", log.sse(), "sse per epoch");
    if (!s.ok() || !(s = cli::save_identity_pictures(f.out, net, train)).ok()) return fail(s);
    pictures += ", sse.png, weights.png, hidden.png";
  } else {
    s = cli::save_code_picture(f.out + "/codes.png", net, shown, 16, config.noise_stddev, config.seed);
    if (!s.ok()) return fail(s);
    pictures += ", codes.png";
  }
  std::printf("wrote %s, loss.csv, %s%s to %s\n", model_path.c_str(), pictures.c_str(), anomaly_pictures.c_str(),
              f.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tinyae: train autoencoders, look at what they learned, export them"};
  app.footer("Run 'tinyae SUBCOMMAND --help' for its options. Example:\n"
             "  tinyae train --preset mnist-dense --out out/m\n"
             "  tinyae reconstruct --model out/m/model.tae --preset mnist-dense --codes --output codes.png");
  app.require_subcommand(1);

  TrainFlags train;
  CLI::App* train_cmd = app.add_subcommand(
      "train", "train a preset or a layer list; writes model.tae, loss.csv and PNG pictures to --out");
  train_cmd->footer("With --preset, the options given replace the preset's network, training and data settings.\n"
                    "Pictures: loss.png, reconstructions.png, and codes.png (samples, codes, reconstructions);\n"
                    "identity-838 writes sse.png, weights.png and hidden.png instead of codes.png.\n"
                    "--layers items: 32 = dense, 32 units; conv16k3s2valid = conv2d, 16 filters 3x3, stride 2\n"
                    "(default 1), valid or same padding (default same); pool = 2x2 max pooling, stride 2;\n"
                    "resize14x14 = nearest-neighbour resize. Activations (dense, conv): identity, sigmoid, tanh,\n"
                    "relu. Mark the code layer with :code. 'tinyae info' prints a model in this form, e.g.\n"
                    "  1x28x28,conv8k3:relu,pool:code,resize28x28,conv1k3:sigmoid");
  train_cmd->add_option("--preset", train.preset, "identity-838, sparse-patches, digits-deep, mnist-dense, mnist-conv or fashion-anomaly (network, training, data)");
  train_cmd->add_option("--layers", train.layers,
                        "the network: input (N or CxHxW), then per layer N (dense), conv<F>k<K>[s<S>][same|valid], "
                        "pool or resize<H>x<W>, each [:activation][:code]; e.g. 784,32:relu:code,784:sigmoid");
  train_cmd->add_option("--data", train.data.path, "training samples: .csv[.gz], .npy or IDX (one sample per row); sparse-patches: a folder of photographs, one image, or a patch file");
  train_cmd->add_option("--columns", train.data.columns, "keep the first N columns of each row (drops CSV labels)");
  train_cmd->add_option("--scale", train.data.scale, "multiply CSV/NPY values by this (IDX images are scaled to [0,1])");
  train_cmd->add_option("--test", train.test, "held-out samples, same format; their MSE/BCE is printed");
  train_cmd->add_option("--holdout", train.holdout, "without --test: hold out every Nth sample");
  train_cmd->add_option("--out", train.out, "output folder")->capture_default_str();
  train_cmd->add_option("--loss", train.loss, "mse, half_sse or bce");
  train_cmd->add_option("--optimizer", train.optimizer, "sgd, momentum, adam or lbfgs (full batch)");
  train_cmd->add_option("--epochs", train.epochs, "passes over the data")->check(CLI::Range(0, 1 << 30));
  train_cmd->add_option("--batch", train.batch, "samples per step (1 = per-sample SGD)")->check(CLI::Range(1, 1 << 24));
  train_cmd->add_option("--lr", train.lr, "learning rate");
  train_cmd->add_option("--weight-decay", train.weight_decay, "L2 penalty (lambda/2) sum W^2 on weights, not biases");
  train_cmd->add_option("--noise", train.noise, "denoising: noisy inputs (this Gaussian standard deviation), clean targets");
  train_cmd->add_option("--sparsity-target", train.sparsity_target,
                        "KL sparsity: target mean activation rho of the (sigmoid) code units, in (0, 1)");
  train_cmd->add_option("--sparsity-weight", train.sparsity_weight, "KL sparsity: weight beta (0 = off)");
  train_cmd->add_option("--l1", train.activity_l1, "L1 activity penalty on the code layer (0 = off)");
  train_cmd->add_option("--threads", train.threads, "OpenMP threads (0 = OpenMP's default); results do not depend on it");
  train_cmd->add_option("--init", train.init,
                        "fine-tuning: start from this model's weights instead of random ones (same network)");
  train_cmd->add_option("--labels", train.labels,
                        "labels of --data (IDX labels, or a CSV whose last column is the label), for --class");
  train_cmd->add_option("--test-labels", train.test_labels, "labels of --test: the test AUROC of an anomaly model");
  train_cmd->add_option("--class", train.normal_class,
                        "anomaly detection: train on the samples of this class only, store a threshold")
      ->check(CLI::Range(0, 0x7fffffff));
  train_cmd->add_option("--threshold-percentile", train.threshold_percentile,
                        "anomaly detection: the threshold is this percentile of the training scores")
      ->capture_default_str();
  train_cmd->add_option("--window", train.window,
                        "stream --data (.npy or IDX) this many rows at a time instead of loading it: memory for one "
                        "window; rows are shuffled within each window")
      ->check(CLI::Range(1, 1 << 30));
  train_cmd->add_option("--seed", train.seed, "seeds the initial weights, shuffles and noise")->capture_default_str();

  DataFlags eval_data;
  std::string eval_model;
  CLI::App* eval_cmd = app.add_subcommand("eval", "reconstruction errors of a model on data (MSE, BCE, SSE)");
  eval_cmd->add_option("--model", eval_model, "model file")->required();
  add_data_flags(eval_cmd, &eval_data, false);

  DataFlags encode_data;
  std::string encode_model;
  std::string encode_output;
  CLI::App* encode_cmd = app.add_subcommand("encode", "write the code layer's values for data, one row per sample");
  encode_cmd->add_option("--model", encode_model, "model file")->required();
  encode_cmd->add_option("--output", encode_output, "codes as .npy or .csv")->required();
  add_data_flags(encode_cmd, &encode_data, false);

  DataFlags recon_data;
  std::string recon_model;
  std::string recon_output;
  std::int32_t recon_count = 16;
  float recon_noise = 0;
  bool recon_codes = false;
  CLI::App* recon_cmd = app.add_subcommand(
      "reconstruct", "PNG of samples and their reconstructions (with --noise: clean, noisy, denoised)");
  recon_cmd->add_option("--model", recon_model, "model file")->required();
  recon_cmd->add_option("--output", recon_output, "PNG file")->required();
  recon_cmd->add_option("--count", recon_count, "samples shown (the first ones)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  recon_cmd->add_option("--noise", recon_noise, "add Gaussian noise of this standard deviation first (denoising)");
  recon_cmd->add_flag("--codes", recon_codes, "one row per sample: input, its code (heat row), reconstruction");
  add_data_flags(recon_cmd, &recon_data, false);

  std::string features_model;
  std::string features_output;
  CLI::App* features_cmd = app.add_subcommand("features", "PNG mosaic of the first layer's weights, one tile per unit");
  features_cmd->add_option("--model", features_model, "model file")->required();
  features_cmd->add_option("--output", features_output, "PNG file")->required();

  std::string info_model;
  CLI::App* info_cmd = app.add_subcommand("info", "a model's layers, parameters and memory");
  info_cmd->add_option("--model", info_model, "model file")->required();

  std::string export_model;
  std::string export_npy;
  CLI::App* export_cmd = app.add_subcommand("export", "write a model's weights for other tools");
  export_cmd->add_option("--model", export_model, "model file")->required();
  export_cmd->add_option("--npy", export_npy, "folder for W<layer>.npy and b<layer>.npy")->required();
  cli::QuantCommands quant(app, export_cmd);  // quantize, export --c-header
  cli::ImportCommand import_cmd(app);
  cli::ScoreCommand score_cmd(app);

  CLI11_PARSE(app, argc, argv);
  if (quant.parsed()) return quant.run();
  if (import_cmd.parsed()) return import_cmd.run();
  if (score_cmd.parsed()) return score_cmd.run();

  if (train_cmd->parsed()) return run_train(train, train_cmd);

  if (info_cmd->parsed()) {
    Model m;
    Status s = load_model(info_model, &m);
    if (!s.ok()) return fail(s);
    std::printf("layers      %s\n", cli::describe(m.spec).c_str());
    for (std::int32_t l = 0; l < m.spec.num_layers; ++l) {
      const Shape in = m.spec.layer_input(l);
      const Shape out = m.spec.layers[l].output;
      std::printf("  layer %d   %s %dx%dx%d -> %dx%dx%d, %s%s\n", l, layer_kind_name(m.spec.layers[l].kind),
                  in.channels, in.height, in.width, out.channels, out.height, out.width,
                  activation_name(m.spec.layers[l].activation), l == m.spec.code_layer ? " (code)" : "");
    }
    std::printf("parameters  %lld (%lld bytes as float32)\n", static_cast<long long>(m.spec.parameter_count()),
                static_cast<long long>(m.spec.parameter_count() * 4));
    std::printf("arena       %zu bytes to run 1 sample, %zu for 256\n", arena_bytes(m.spec, 1),
                arena_bytes(m.spec, 256));
    return 0;
  }

  if (export_cmd->parsed()) {
    Model m;
    Status s = load_model(export_model, &m);
    if (!s.ok()) return fail(s);
    if (!ensure_dir(export_npy)) return fail(Status::error(StatusCode::io_error, export_npy.c_str(), ": cannot create"));
    const float* p = m.parameters.data();
    for (std::int32_t l = 0; l < m.spec.num_layers; ++l) {
      // W is out x in (dense) or filters x (kernel * kernel * channels) (conv2d).
      const std::int64_t out = m.spec.bias_count(l);
      if (out == 0) continue;  // pooling and resizing have no parameters
      const std::int64_t in = m.spec.weight_count(l) / out;
      if (!(s = save_npy(export_npy + "/W" + std::to_string(l) + ".npy", p, {out, in})).ok()) return fail(s);
      p += out * in;
      if (!(s = save_npy(export_npy + "/b" + std::to_string(l) + ".npy", p, {out})).ok()) return fail(s);
      p += out;
    }
    std::int32_t arrays = 0;
    for (std::int32_t l = 0; l < m.spec.num_layers; ++l) arrays += m.spec.bias_count(l) > 0 ? 1 : 0;
    std::printf("wrote %d weight and %d bias arrays to %s\n", arrays, arrays, export_npy.c_str());
    return 0;
  }

  if (features_cmd->parsed()) {
    Model m;
    Status s = load_model(features_model, &m);
    if (!s.ok()) return fail(s);
    std::int32_t h = 0;
    std::int32_t w = 0;
    cli::tile_shape(m.spec, &h, &w);
    auto units = static_cast<std::int32_t>(m.spec.layers[0].output.size());
    if (m.spec.layers[0].kind == LayerKind::conv2d) {  // the first layer's kernels
      if (m.spec.input.channels != 1) {
        return fail(Status::error(StatusCode::unsupported, "features: the first layer's kernels have ",
                                  m.spec.input.channels, " channels; only 1-channel kernels are drawn"));
      }
      units = m.spec.layers[0].output.channels;
      h = w = m.spec.layers[0].kernel;
    } else if (m.spec.layers[0].kind != LayerKind::dense) {
      return fail(Status::error(StatusCode::unsupported, "features: the first layer (",
                                layer_kind_name(m.spec.layers[0].kind), ") has no weights to draw"));
    }
    GridOptions grid;
    grid.columns = static_cast<std::int32_t>(std::ceil(std::sqrt(double(units))));
    grid.normalize_each = true;
    grid.upscale = h == 1 ? 8 : std::max(1, 48 / h);
    s = save_png(features_output, tile_grid(m.parameters.data(), units, h, w, grid));
    if (!s.ok()) return fail(s);
    std::printf("wrote %d features to %s\n", units, features_output.c_str());
    return 0;
  }

  // eval, encode, reconstruct: a model and data.
  CLI::App* cmd = eval_cmd->parsed() ? eval_cmd : encode_cmd->parsed() ? encode_cmd : recon_cmd;
  DataFlags& data = eval_cmd->parsed() ? eval_data : encode_cmd->parsed() ? encode_data : recon_data;
  const std::string& model_path = eval_cmd->parsed() ? eval_model : encode_cmd->parsed() ? encode_model : recon_model;
  std::string default_test;
  Status s = resolve_data(&data, cmd, &default_test);
  if (!s.ok()) return fail(s);
  if (cmd->count("--data") == 0 && !default_test.empty()) data.path = default_test;
  if (data.path.empty()) return fail(Status::error(StatusCode::invalid_argument, "give --data"));
  Matrix x;
  cli::LoadedModel loaded;
  if (!(s = load_data(data, &x)).ok() || !(s = cli::load_network(model_path, 256, &loaded)).ok()) return fail(s);
  Network& net = loaded.net;

  if (eval_cmd->parsed()) {
    Metrics m;
    if (!(s = net.evaluate(x.values.data(), x.rows, x.cols, &m)).ok()) return fail(s);
    print_metrics("eval", m);
    std::printf("SSE       %.6f\n", m.sse);
    return 0;
  }
  if (encode_cmd->parsed()) {
    const auto width = static_cast<std::int32_t>(net.spec().code_shape().size());
    std::vector<float> codes(static_cast<std::size_t>(x.rows) * width);
    if (!(s = net.encode(x.values.data(), x.rows, x.cols, codes.data())).ok()) return fail(s);
    if (encode_output.size() >= 4 && encode_output.compare(encode_output.size() - 4, 4, ".csv") == 0) {
      std::FILE* f = std::fopen(encode_output.c_str(), "w");
      if (f == nullptr) return fail(Status::error(StatusCode::io_error, encode_output.c_str(), ": cannot write"));
      for (std::int32_t r = 0; r < x.rows; ++r) {
        for (std::int32_t c = 0; c < width; ++c) {
          std::fprintf(f, c == 0 ? "%.9g" : ",%.9g", static_cast<double>(codes[std::size_t(r) * width + c]));
        }
        std::fprintf(f, "\n");
      }
      if (std::fclose(f) != 0) return fail(Status::error(StatusCode::io_error, encode_output.c_str(), ": write failed"));
    } else if (!(s = save_npy(encode_output, codes.data(), {x.rows, width})).ok()) {
      return fail(s);
    }
    std::printf("wrote %d codes of %d values to %s\n", x.rows, width, encode_output.c_str());
    return 0;
  }
  x.rows = std::min(x.rows, recon_count);
  x.values.resize(static_cast<std::size_t>(x.rows) * x.cols);
  const std::uint64_t noise_seed = 1;
  s = recon_codes ? cli::save_code_picture(recon_output, net, x, recon_count, recon_noise, noise_seed)
                  : cli::save_reconstructions(recon_output, net, x, recon_noise, noise_seed);
  if (!s.ok()) return fail(s);
  std::printf("wrote %s (%s)\n", recon_output.c_str(),
              recon_codes ? (recon_noise > 0 ? "per sample: noisy, code, denoised, clean"
                                             : "per sample: input, code, reconstruction")
                          : (recon_noise > 0 ? "rows: clean, noisy, denoised" : "rows: inputs, reconstructions"));
  return 0;
}
