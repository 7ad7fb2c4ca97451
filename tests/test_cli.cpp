// The tinyae command line, run as a user would: train, eval, encode, reconstruct,
// features, info, export; checking what it prints and the files it writes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "test_support.hpp"
#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"

using namespace tinyae;

namespace {

using tinyae::test::number_after;
using tinyae::test::Run;
using tinyae::test::run;

const std::string kOut = std::string(P_tmpdir) + "/tinyae_cli_test";
const std::string kDigits = test::data_path("sklearn-digits/digits.csv.gz");

// An inference network holding a saved model.
struct Loaded {
  Model model;
  ArenaBuffer memory;
  Network net;
};
void load_network(const std::string& path, Loaded* out) {
  REQUIRE(load_model(path, &out->model).ok());
  REQUIRE(out->memory.allocate(arena_bytes(out->model.spec, 64)).ok());
  REQUIRE(out->net.setup(out->model.spec, 64, out->memory.arena()).ok());
  REQUIRE(set_parameters(out->model, &out->net).ok());
}

bool same_pixels(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels && a.pixels == b.pixels;
}

// The options the command line draws identity-838's heat maps with.
HeatMapOptions identity_map(const char* title) {
  HeatMapOptions map;
  map.title = title;
  map.row_name = "in ";
  map.column_name = "h";
  map.show_values = true;
  map.cell = 48;
  return map;
}

}  // namespace

TEST_CASE("cli: train, eval, encode, reconstruct, features, info, export on the digits", "[cli]") {
  // Its own folder, cleared first: CTest runs the CLI tests in parallel.
  const std::string dir = kOut + "_digits";
  REQUIRE(std::system(("rm -rf " + dir).c_str()) == 0);
  Run train = run("train --preset digits-deep --optimizer adam --lr 0.003 --batch 16 --epochs 15 --data " +
                  kDigits + " --out " + dir);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  // Not a terminal: one plain progress line per epoch, nothing redrawn in place.
  for (int epoch = 1; epoch <= 15; ++epoch) {
    CHECK(train.output.find("epoch " + std::to_string(epoch) + "/15  loss ") != std::string::npos);
  }
  CHECK(train.output.find('\r') == std::string::npos);
  CHECK(train.output.find('\033') == std::string::npos);
  const double test_mse = number_after(train.output, "test      MSE ");
  CHECK(test_mse > 0.0);
  CHECK(test_mse < 0.035);  // predicting the mean gives 0.0715

  // The model file reloads and evaluates to what the trainer printed on the same rows.
  Matrix m;
  REQUIRE(load_csv(kDigits, &m).ok());
  Run eval = run("eval --model " + dir + "/model.tae --preset digits-deep --data " + kDigits);
  INFO(eval.output);
  REQUIRE(eval.exit_code == 0);
  const double eval_mse = number_after(eval.output, "eval      MSE ");
  const double train_mse = number_after(train.output, "train     MSE ");
  // All 1797 digits = 1438 training + 359 held-out: the eval MSE is their weighted mean.
  CHECK(eval_mse == Approx((train_mse * 1438 + test_mse * 359) / 1797).epsilon(1e-3));

  Run encode = run("encode --model " + dir + "/model.tae --preset digits-deep --data " + kDigits +
                   " --output " + dir + "/codes.npy");
  REQUIRE(encode.exit_code == 0);
  NpyArray codes;
  REQUIRE(load_npy(dir + "/codes.npy", &codes).ok());
  CHECK(codes.shape == std::vector<std::int64_t>{1797, 36});
  for (float v : codes.values) REQUIRE((v >= -1.0f && v <= 1.0f));  // tanh code layer

  Run csv = run("encode --model " + dir + "/model.tae --preset digits-deep --data " + kDigits +
                " --output " + dir + "/codes.csv");
  REQUIRE(csv.exit_code == 0);
  Matrix codes_csv;
  REQUIRE(load_csv(dir + "/codes.csv", &codes_csv).ok());
  CHECK(codes_csv.rows == 1797);
  CHECK(codes_csv.cols == 36);
  CHECK(codes_csv.values[5] == Approx(codes.values[5]).margin(1e-6));

  for (const char* png : {"loss.png", "reconstructions.png"}) {
    Image image;
    INFO(png);
    REQUIRE(load_image(dir + "/" + png, &image).ok());
    CHECK(image.width > 100);
  }
  // codes.png is the saved model's picture of the first 16 held-out digits (every 5th).
  {
    Loaded loaded;
    load_network(dir + "/model.tae", &loaded);
    std::vector<float> held_out;
    for (int i = 4; i < m.rows && held_out.size() < 16 * 64; i += 5) {
      for (int j = 0; j < 64; ++j) held_out.push_back(m.row(i)[j] / 16.0f);
    }
    CodePictureOptions options;
    options.upscale = 7;
    Image want;
    REQUIRE(code_picture(loaded.net, held_out.data(), nullptr, 16, options, &want).ok());
    Image codes_png;
    REQUIRE(load_image(dir + "/codes.png", &codes_png).ok());
    CHECK(same_pixels(codes_png, want));

    // reconstruct --codes with noise: noisy inputs (seed 1), codes, denoised, clean.
    Run with_codes = run("reconstruct --model " + dir + "/model.tae --preset digits-deep --data " + kDigits +
                         " --count 6 --noise 0.3 --codes --output " + dir + "/denoise_codes.png");
    INFO(with_codes.output);
    REQUIRE(with_codes.exit_code == 0);
    std::vector<float> clean(6 * 64);
    for (int i = 0; i < 6; ++i) {
      for (int j = 0; j < 64; ++j) clean[i * 64 + j] = m.row(i)[j] / 16.0f;
    }
    std::vector<float> noisy(clean.size());
    add_gaussian_noise(clean.data(), 6 * 64, 0.3f, true, 1, noisy.data());
    options.columns = 1;
    REQUIRE(code_picture(loaded.net, noisy.data(), clean.data(), 6, options, &want).ok());
    REQUIRE(load_image(dir + "/denoise_codes.png", &codes_png).ok());
    CHECK(same_pixels(codes_png, want));
  }
  Run recon = run("reconstruct --model " + dir + "/model.tae --preset digits-deep --data " + kDigits +
                  " --count 10 --noise 0.3 --output " + dir + "/denoise.png");
  REQUIRE(recon.exit_code == 0);
  Image grid;
  REQUIRE(load_image(dir + "/denoise.png", &grid).ok());
  CHECK(grid.width == 10 * (8 * 7 + 1) + 1);  // 10 tiles of 8x8 shown 7x larger
  CHECK(grid.height == 3 * (8 * 7 + 1) + 1);  // clean, noisy, denoised

  Run features = run("features --model " + dir + "/model.tae --output " + dir + "/features.png");
  REQUIRE(features.exit_code == 0);
  REQUIRE(load_image(dir + "/features.png", &grid).ok());

  Run info = run("info --model " + dir + "/model.tae");
  REQUIRE(info.exit_code == 0);
  CHECK(info.output.find("1x8x8,50:tanh,40:tanh,36:tanh:code,40:tanh,50:tanh,64:sigmoid") != std::string::npos);
  CHECK(info.output.find("parameters  13560") != std::string::npos);

  Run exported = run("export --model " + dir + "/model.tae --npy " + dir + "/weights");
  REQUIRE(exported.exit_code == 0);
  NpyArray w0;
  REQUIRE(load_npy(dir + "/weights/W0.npy", &w0).ok());
  CHECK(w0.shape == std::vector<std::int64_t>{50, 64});
}

TEST_CASE("cli: bad input is a clear error and a failing exit code", "[cli][bad-input]") {
  Run r = run("train --preset nonsense");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("unknown preset 'nonsense'") != std::string::npos);
  r = run("train --preset sparse-patches");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("give --data (a folder of photographs, or a patch file)") != std::string::npos);
  r = run("train --layers 64,8:wiggle:code,64 --data " + kDigits);
  CHECK(r.output.find("unknown activation 'wiggle'") != std::string::npos);
  r = run("train --layers 64,8:relu:code,64:sigmoid --data " + kDigits + " --out " + kOut + "/x");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("data has 65 columns but the network's input has 64") != std::string::npos);
  r = run("train --preset identity-838 --epochs 1 --sparsity-weight 0.1 --sparsity-target 1.5 --out " + kOut + "/x");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("sparsity target (rho) must be in (0, 1), got 1.5") != std::string::npos);
  r = run("train --preset identity-838 --epochs 1 --l1 -1 --out " + kOut + "/x");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("L1 activity coefficient must be zero or positive") != std::string::npos);
  r = run("train --preset identity-838 --epochs 1 --threads -2 --out " + kOut + "/x");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("threads must be 0") != std::string::npos);
  // A forced ISA the CPU or build cannot serve stops the command; it never falls back.
  setenv("TINYAE_FORCE_ISA", "sse9", 1);
  r = run("train --preset identity-838 --epochs 1 --out " + kOut + "/forced");
  unsetenv("TINYAE_FORCE_ISA");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("TINYAE_FORCE_ISA: unknown ISA 'sse9'") != std::string::npos);
  CHECK_FALSE(std::ifstream(kOut + "/forced/model.tae").good());
  r = run("eval --model /nonexistent.tae --data " + kDigits);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/nonexistent.tae: cannot open") != std::string::npos);
  // Output folders are created with their parents, as on a fresh checkout.
  REQUIRE(std::system(("rm -rf " + kOut + "/new").c_str()) == 0);
  r = run("train --preset identity-838 --epochs 10 --out " + kOut + "/new/nested");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  Model saved;
  CHECK(load_model(kOut + "/new/nested/model.tae", &saved).ok());
  r = run("train --help");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("--noise") != std::string::npos);
}

TEST_CASE("cli: the mnist-conv preset trains a denoiser, and info, features and export read it",
          "[cli][mnist-conv]") {
  const std::string images = test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz");
  const std::string out = kOut + "_conv";  // its own folder: CLI tests run in parallel
  REQUIRE(std::system(("rm -rf " + out).c_str()) == 0);
  Run train = run("train --preset mnist-conv --data " + images +
                  " --holdout 5 --epochs 1 --noise 0.5 --out " + out);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  CHECK(train.output.find("1x28x28,conv16k3same:relu,pool,conv8k3same:relu,pool,conv8k3same:relu,pool:code,"
                          "resize7x7,conv8k3same:relu,resize14x14,conv8k3same:relu,resize28x28,"
                          "conv16k3same:relu,conv1k3same:sigmoid") != std::string::npos);
  CHECK(train.output.find("denoised") != std::string::npos);

  Run info = run("info --model " + out + "/model.tae");
  REQUIRE(info.exit_code == 0);
  CHECK(info.output.find("layer 0   conv2d 1x28x28 -> 16x28x28, relu") != std::string::npos);
  CHECK(info.output.find("layer 5   max_pool2d 8x7x7 -> 8x4x4, identity (code)") != std::string::npos);
  CHECK(info.output.find("parameters  4385") != std::string::npos);

  Run features = run("features --model " + out + "/model.tae --output " + out + "/kernels.png");
  REQUIRE(features.exit_code == 0);
  CHECK(features.output.find("wrote 16 features") != std::string::npos);

  Run exported = run("export --model " + out + "/model.tae --npy " + out + "/weights");
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.output.find("wrote 7 weight and 7 bias arrays") != std::string::npos);
  NpyArray w;
  REQUIRE(load_npy(out + "/weights/W0.npy", &w).ok());
  CHECK(w.shape == std::vector<std::int64_t>{16, 9});
  REQUIRE(load_npy(out + "/weights/W12.npy", &w).ok());
  CHECK(w.shape == std::vector<std::int64_t>{1, 144});
}

TEST_CASE("cli: identity-838 writes the seed pictures of the model it saves", "[cli][pictures]") {
  const std::string out = kOut + "/identity";
  REQUIRE(std::system(("rm -rf " + out).c_str()) == 0);
  Run r = run("train --preset identity-838 --out " + out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Loaded loaded;
  load_network(out + "/model.tae", &loaded);
  const float* w = loaded.model.parameters.data();  // 3 units x 8 inputs, then 3 biases
  const float* b = w + 24;

  // weights.png: one row per input, one column per hidden unit, coloured by w / max |w|.
  Image weights;
  REQUIRE(load_image(out + "/weights.png", &weights).ok());
  Rect cells;
  Image drawn;
  REQUIRE(first_layer_heat_map(loaded.net, identity_map("input to hidden weights"), &drawn, &cells).ok());
  REQUIRE(weights.width == drawn.width);
  REQUIRE(weights.height == drawn.height);
  int largest = 0;
  int smallest = 0;
  float peak = 0;
  for (int k = 0; k < 24; ++k) {
    largest = w[k] > w[largest] ? k : largest;
    smallest = w[k] < w[smallest] ? k : smallest;
    peak = std::max(peak, std::fabs(w[k]));
  }
  int reddest = -1;
  int bluest = -1;
  int most_red = -999;
  int most_blue = -999;
  for (int input = 0; input < 8; ++input) {
    for (int unit = 0; unit < 3; ++unit) {
      const test::Rgb p = test::pixel(weights, cells.x + unit * 48 + 2, cells.y + input * 48 + 2);
      const test::Rgb want = test::heat_colour(w[unit * 8 + input] / peak);
      for (int c = 0; c < 3; ++c) CHECK(std::abs(p[c] - want[c]) <= 1);
      if (p[0] - p[2] > most_red) most_red = p[0] - p[2], reddest = unit * 8 + input;
      if (p[2] - p[0] > most_blue) most_blue = p[2] - p[0], bluest = unit * 8 + input;
    }
  }
  CHECK(reddest == largest);
  CHECK(bluest == smallest);

  // hidden.png: the sigmoid of each one-hot input's weights plus bias, full colour at 1.
  Image hidden;
  REQUIRE(load_image(out + "/hidden.png", &hidden).ok());
  float codes[24];
  for (int input = 0; input < 8; ++input) {
    for (int unit = 0; unit < 3; ++unit) {
      codes[input * 3 + unit] = static_cast<float>(1.0 / (1.0 + std::exp(-double(w[unit * 8 + input] + b[unit]))));
    }
  }
  HeatMapOptions map = identity_map("hidden activations");
  map.limit = 1.0f;
  heat_map(codes, 8, 3, map, &cells);
  for (int k = 0; k < 24; ++k) {
    INFO("input " << k / 3 << " unit " << k % 3 << " activation " << codes[k]);
    const test::Rgb p = test::pixel(hidden, cells.x + (k % 3) * 48 + 2, cells.y + (k / 3) * 48 + 2);
    const test::Rgb want = test::heat_colour(codes[k]);
    for (int c = 0; c < 3; ++c) CHECK(std::abs(p[c] - want[c]) <= 1);
  }
  Image sse;
  REQUIRE(load_image(out + "/sse.png", &sse).ok());
  CHECK(sse.width == 640);
  CHECK(sse.height == 360);

#ifdef TINYAE_EXAMPLE_IDENTITY
  // The example trains the same reference system: the same pictures, pixel for pixel.
  const std::string example_out = kOut + "/identity-example";
  REQUIRE(std::system((std::string(TINYAE_EXAMPLE_IDENTITY) + " " + example_out + " >/dev/null").c_str()) == 0);
  for (const char* png : {"weights.png", "hidden.png", "sse.png"}) {
    INFO(png);
    Image from_cli;
    Image from_example;
    REQUIRE(load_image(out + "/" + png, &from_cli).ok());
    REQUIRE(load_image(example_out + "/" + png, &from_example).ok());
    CHECK(same_pixels(from_cli, from_example));
  }
#endif
}

TEST_CASE("cli: on a terminal train draws a progress bar in place", "[cli]") {
  // script(1) (util-linux, essential in Debian) runs the command on a pseudo-terminal.
  const std::string command = "script -qec '" + std::string(TINYAE_CLI) +
                              " train --preset digits-deep --epochs 3 --threads 1 --data " + kDigits + " --out " +
                              kOut + "/tty' /dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  INFO(output);
  // The bar: carriage return, a 30-character bar, percent, epoch, running loss, rate.
  const std::size_t bar = output.find("\r[");
  REQUIRE(bar != std::string::npos);
  CHECK(output.compare(bar + 32, 1, "]") == 0);
  CHECK(output.find("%  epoch 1/3  loss ", bar) != std::string::npos);
  CHECK(output.find("samples/s\033[K", bar) != std::string::npos);
  // Each epoch's line replaces the bar.
  CHECK(output.find("\r\033[Kepoch 1/3  loss ") != std::string::npos);
  CHECK(output.find("epoch 3/3  loss ") != std::string::npos);
}

TEST_CASE("cli: KL sparsity and L1 flags lower the mean code activation", "[cli]") {
  // identity-838 (sigmoid code) with Adam on the full batch; the same run with each penalty.
  const std::string base = "train --preset identity-838 --optimizer adam --lr 0.05 --batch 8 --epochs 800 --out " + kOut;
  auto mean_code = [&](const std::string& flags, const std::string& name) {
    Run r = run(base + "/" + name + " " + flags);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    Loaded loaded;
    load_network(kOut + "/" + name + "/model.tae", &loaded);
    float data[64] = {};
    for (int i = 0; i < 8; ++i) data[i * 9] = 1.0f;
    float codes[24];
    REQUIRE(loaded.net.encode(data, 8, 8, codes).ok());
    double sum = 0;
    for (float c : codes) sum += c;
    return sum / 24;
  };
  const double plain = mean_code("", "dense");
  const double kl = mean_code("--sparsity-target 0.1 --sparsity-weight 1", "kl");
  const double l1 = mean_code("--l1 1", "l1");
  CHECK(plain > 0.3);
  CHECK(kl == Approx(0.1).margin(0.05));  // near the target rho
  CHECK(l1 < plain / 10);
}

TEST_CASE("cli: the sparse-patches preset samples photo patches and trains with L-BFGS",
          "[cli][sparse]") {
  const std::string out = kOut + "_sparse";
  REQUIRE(std::system(("rm -rf " + out).c_str()) == 0);
  Run train = run("train --preset sparse-patches --data " + test::data_path("photos") +
                  " --holdout 10 --epochs 8 --out " + out);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  CHECK(train.output.find("sparse-patches: 1x16x16,64:sigmoid:code,256:sigmoid") != std::string::npos);
  CHECK(train.output.find("lbfgs") != std::string::npos);
  CHECK(train.output.find("9216 training samples") != std::string::npos);  // 10,240 minus every 10th
  // The objective J falls at every L-BFGS iteration.
  std::ifstream csv(out + "/loss.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<double> losses;
  while (std::getline(csv, line)) losses.push_back(std::strtod(line.c_str() + line.find(',') + 1, nullptr));
  REQUIRE(losses.size() == 8);
  for (std::size_t i = 1; i < losses.size(); ++i) CHECK(losses[i] < losses[i - 1]);

  Run features = run("features --model " + out + "/model.tae --output " + out + "/features.png");
  REQUIRE(features.exit_code == 0);
  CHECK(features.output.find("wrote 64 features") != std::string::npos);
  Image mosaic;
  REQUIRE(load_image(out + "/features.png", &mosaic).ok());

  Run empty = run("train --preset sparse-patches --data " + test::data_path("sklearn-digits") + " --out " + out);
  CHECK(empty.exit_code != 0);
  CHECK(empty.output.find("no images") != std::string::npos);
}

namespace {

// A float64 (or uint8) .npy file, as NumPy writes one (float64 is what np.save of a
// float array gives unless the user casts it).
void save_npy_f64(const std::string& path, const std::vector<double>& values, const std::vector<std::int64_t>& shape,
                  bool as_uint8 = false) {
  std::string dims;
  for (std::int64_t d : shape) dims += std::to_string(d) + ", ";
  dims.resize(dims.size() - (shape.size() == 1 ? 1 : 2));  // (3,) and (3, 8)
  std::string header = std::string("{'descr': '") + (as_uint8 ? "|u1" : "<f8") +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (double v : values) {
    if (as_uint8) bytes += static_cast<char>(static_cast<unsigned char>(v));
    else bytes.append(reinterpret_cast<const char*>(&v), 8);
  }
  std::ofstream(path, std::ios::binary) << bytes;
}

NpyArray read_npy(const std::string& path) {
  NpyArray a;
  REQUIRE(load_npy(path, &a).ok());
  return a;
}

std::string read_text(const std::string& path);

// Whether two models have the same spec (as info prints it) and bit-identical
// parameters: the same file, so quantize and export --c-header treat them alike.
void check_same_model(const std::string& a_path, const std::string& b_path) {
  Model a;
  Model b;
  REQUIRE(load_model(a_path, &a).ok());
  REQUIRE(load_model(b_path, &b).ok());
  CHECK(run("info --model " + a_path).output == run("info --model " + b_path).output);
  REQUIRE(a.parameters.size() == b.parameters.size());
  CHECK(std::memcmp(a.parameters.data(), b.parameters.data(), a.parameters.size() * sizeof(float)) == 0);
  CHECK(read_text(a_path) == read_text(b_path));
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// out x in -> in x out (a Keras Dense kernel from a tinyae or PyTorch weight).
void save_transposed(const std::string& from, const std::string& to) {
  const NpyArray a = read_npy(from);
  REQUIRE(a.shape.size() == 2);
  const std::int64_t rows = a.shape[0];
  const std::int64_t cols = a.shape[1];
  std::vector<float> t(a.values.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) t[std::size_t(c * rows + r)] = a.values[std::size_t(r * cols + c)];
  }
  REQUIRE(save_npy(to, t.data(), {cols, rows}).ok());
}

void copy_npy(const std::string& from, const std::string& to) {
  const NpyArray a = read_npy(from);
  REQUIRE(save_npy(to, a.values.data(), a.shape).ok());
}

}  // namespace

TEST_CASE("cli: import reads back what export --npy wrote, bit for bit, in either layout", "[cli][import]") {
  const std::string dir = kOut + "_import";
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir + "/keras " + dir + "/f64").c_str()) == 0);
  Run r = run("train --preset identity-838 --epochs 300 --out " + dir + "/trained");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  REQUIRE(run("export --model " + dir + "/trained/model.tae --npy " + dir + "/npy").exit_code == 0);

  r = run("import --npy " + dir + "/npy --preset identity-838 --out " + dir + "/imported.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("wrote " + dir + "/imported.tae: 8,3:sigmoid:code,8:sigmoid, 59 parameters from 2 weight "
                      "and 2 bias arrays (--layout out-in)") != std::string::npos);
  check_same_model(dir + "/trained/model.tae", dir + "/imported.tae");

  // Keras' Dense kernels are in x out: the transposed files with --layout in-out.
  for (const char* l : {"0", "1"}) {
    save_transposed(dir + "/npy/W" + l + ".npy", dir + "/keras/W" + l + ".npy");
    copy_npy(dir + "/npy/b" + l + ".npy", dir + "/keras/b" + l + ".npy");
  }
  r = run("import --npy " + dir + "/keras --layers 8,3:sigmoid:code,8:sigmoid --layout in-out --out " + dir +
          "/keras.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_same_model(dir + "/trained/model.tae", dir + "/keras.tae");

  // float64 files (np.save of a float array) read as the float32 values they hold.
  for (const char* name : {"W0", "b0", "W1", "b1"}) {
    const NpyArray a = read_npy(dir + "/npy/" + name + ".npy");
    save_npy_f64(dir + "/f64/" + name + ".npy", std::vector<double>(a.values.begin(), a.values.end()), a.shape);
    CHECK(read_npy(dir + "/f64/" + name + ".npy").item_bytes == 8);
  }
  r = run("import --npy " + dir + "/f64 --preset identity-838 --out " + dir + "/f64.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_same_model(dir + "/trained/model.tae", dir + "/f64.tae");
}

TEST_CASE("cli: import refuses files that do not fit the spec, naming the file, and writes nothing",
          "[cli][import][bad-input]") {
  const std::string dir = kOut + "_import_bad";
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir + "/keras").c_str()) == 0);
  REQUIRE(run("train --preset identity-838 --epochs 5 --out " + dir + "/trained").exit_code == 0);
  REQUIRE(run("export --model " + dir + "/trained/model.tae --npy " + dir + "/npy").exit_code == 0);
  for (const char* l : {"0", "1"}) {
    save_transposed(dir + "/npy/W" + l + ".npy", dir + "/keras/W" + l + ".npy");
    copy_npy(dir + "/npy/b" + l + ".npy", dir + "/keras/b" + l + ".npy");
  }
  const std::string fresh = dir + "/never.tae";  // must not appear
  const std::string old = dir + "/old.tae";      // must keep its bytes
  std::ofstream(old) << "an older file";
  // Copies the good files into a new folder, then lets the case spoil it.
  auto folder = [&](const std::string& name) {
    const std::string d = dir + "/" + name;
    REQUIRE(std::system(("mkdir -p " + d + " && cp " + dir + "/npy/*.npy " + d).c_str()) == 0);
    return d;
  };
  auto check_error = [&](const std::string& args, const std::string& message) {
    INFO(args);
    for (const std::string& out : {fresh, old}) {
      Run r = run("import " + args + " --out " + out);
      INFO(r.output);
      CHECK(r.exit_code == 1);
      CHECK(r.output.find(message) != std::string::npos);
    }
    CHECK(!exists(fresh));
    CHECK(read_text(old) == "an older file");
  };

  check_error("--npy " + dir + "/keras --preset identity-838",
              dir + "/keras/W0.npy has shape (8, 3); the spec's layer 0 (dense 8 -> 3) needs (3, 8) with --layout "
                    "out-in");
  check_error("--npy " + dir + "/npy --preset identity-838 --layout in-out",
              dir + "/npy/W0.npy has shape (3, 8); the spec's layer 0 (dense 8 -> 3) needs (8, 3) with --layout "
                    "in-out");
  check_error("--npy " + dir + "/npy --preset mnist-dense",
              dir + "/npy/W0.npy has shape (3, 8); the spec's layer 0 (dense 784 -> 32) needs (32, 784) with "
                    "--layout out-in");

  std::string d = folder("missing");
  REQUIRE(std::remove((d + "/b1.npy").c_str()) == 0);
  check_error("--npy " + d + " --preset identity-838",
              d + "/b1.npy is missing: the spec's layer 1 (dense 3 -> 8) needs (8,)");
  d = folder("missing_w");
  REQUIRE(std::remove((d + "/W0.npy").c_str()) == 0);
  check_error("--npy " + d + " --preset identity-838",
              d + "/W0.npy is missing: the spec's layer 0 (dense 8 -> 3) needs (3, 8) with --layout out-in");

  d = folder("nan");
  NpyArray w1 = read_npy(d + "/W1.npy");
  w1.values[5] = std::nanf("");
  REQUIRE(save_npy(d + "/W1.npy", w1.values.data(), w1.shape).ok());
  check_error("--npy " + d + " --preset identity-838",
              d + "/W1.npy: element 5 is not finite");
  d = folder("inf64");
  const NpyArray b0 = read_npy(d + "/b0.npy");
  std::vector<double> huge(b0.values.begin(), b0.values.end());
  huge[2] = 1e300;  // finite in float64, beyond float32's range
  save_npy_f64(d + "/b0.npy", huge, b0.shape);
  check_error("--npy " + d + " --preset identity-838",
              d + "/b0.npy: element 2 is not finite");

  d = folder("uint8");
  save_npy_f64(d + "/W0.npy", std::vector<double>(24, 1.0), {3, 8}, true);
  check_error("--npy " + d + " --preset identity-838",
              d + "/W0.npy: holds uint8 values; parameters must be float32 or float64");

  d = folder("bias_shape");
  REQUIRE(save_npy(d + "/b0.npy", b0.values.data(), {1, 3}).ok());
  check_error("--npy " + d + " --preset identity-838",
              d + "/b0.npy has shape (1, 3); the spec's layer 0 (dense 8 -> 3) needs (3,)");

  d = folder("extra");
  copy_npy(d + "/W1.npy", d + "/W2.npy");
  check_error("--npy " + d + " --preset identity-838", d + "/W2.npy: the spec has layers 0 to 1 only");

  check_error("--npy " + dir + "/npy", "import: give the network as --layers or --preset");
  check_error("--npy " + dir + "/npy --preset identity-838 --layers 8,3:code,8",
              "import: give the network as --layers or --preset");
  check_error("--npy " + dir + "/nowhere --preset identity-838", dir + "/nowhere: not a folder");
  check_error("--npy " + dir + "/npy --layers 8,3:code,9", "--layers '8,3:code,9': network spec: output 9x1x1");
}

TEST_CASE("cli: a conv --layers network trains on a few images; import reads its export, PyTorch's and Keras' "
          "conv layouts",
          "[cli][import][layers]") {
  const std::string dir = kOut + "_conv_layers";
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir + "/torch " + dir + "/keras").c_str()) == 0);
  Matrix images;
  REQUIRE(load_idx_images(test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz"), &images).ok());
  const std::string few = dir + "/few.npy";
  REQUIRE(save_npy(few, images.values.data(), {48, 784}).ok());

  const std::string layers = "1x28x28,conv4k3:relu,pool,conv2k3s2:relu:code,resize30x30,conv1k3valid:sigmoid";
  const std::string written = "1x28x28,conv4k3same:relu,pool,conv2k3s2same:relu:code,resize30x30,conv1k3valid:sigmoid";
  Run r = run("train --layers " + layers + " --data " + few + " --epochs 4 --batch 16 --lr 0.01 --out " + dir +
              "/trained");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("custom: " + written + ", 133 parameters") != std::string::npos);
  CHECK(r.output.find("epoch 4/4") != std::string::npos);
  Model trained;
  REQUIRE(load_model(dir + "/trained/model.tae", &trained).ok());
  CHECK(trained.spec.layers[2].output == Shape{2, 7, 7});  // the code: stride 2 on 14x14
  CHECK(trained.spec.layers[4].padding == Padding::valid);
  CHECK(trained.spec.layers[4].output == Shape{1, 28, 28});

  Run help = run("train --help");
  CHECK(help.output.find("conv<F>k<K>[s<S>][same|valid], pool or resize<H>x<W>") != std::string::npos);
  CHECK(help.output.find("pool = 2x2 max pooling, stride 2") != std::string::npos);
  // info prints the list in the form --layers reads.
  Run info = run("info --model " + dir + "/trained/model.tae");
  REQUIRE(info.exit_code == 0);
  CHECK(info.output.find("layers      " + written + "\n") != std::string::npos);

  REQUIRE(run("export --model " + dir + "/trained/model.tae --npy " + dir + "/npy").exit_code == 0);
  r = run("import --npy " + dir + "/npy --layers " + written + " --out " + dir + "/imported.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_same_model(dir + "/trained/model.tae", dir + "/imported.tae");
  Run eval_trained = run("eval --model " + dir + "/trained/model.tae --data " + few);
  Run eval_imported = run("eval --model " + dir + "/imported.tae --data " + few);
  REQUIRE(eval_trained.exit_code == 0);
  CHECK(eval_imported.output == eval_trained.output);

  // tinyae's conv weights are filters x (ky, kx, c); PyTorch's (f, c, ky, kx), Keras' (ky, kx, c, f).
  for (const int l : {0, 2, 4}) {
    const std::string w = "/W" + std::to_string(l) + ".npy";
    const std::string b = "/b" + std::to_string(l) + ".npy";
    const NpyArray a = read_npy(dir + "/npy" + w);
    const LayerSpec& layer = trained.spec.layers[l];
    const std::int64_t f_n = layer.output.channels;
    const std::int64_t k = layer.kernel;
    const std::int64_t c_n = trained.spec.layer_input(l).channels;
    REQUIRE(a.shape == std::vector<std::int64_t>{f_n, k * k * c_n});
    std::vector<float> torch(a.values.size());
    std::vector<float> keras(a.values.size());
    for (std::int64_t f = 0; f < f_n; ++f) {
      for (std::int64_t y = 0; y < k; ++y) {
        for (std::int64_t x = 0; x < k; ++x) {
          for (std::int64_t c = 0; c < c_n; ++c) {
            const float v = a.values[std::size_t(((f * k + y) * k + x) * c_n + c)];
            torch[std::size_t(((f * c_n + c) * k + y) * k + x)] = v;
            keras[std::size_t(((y * k + x) * c_n + c) * f_n + f)] = v;
          }
        }
      }
    }
    REQUIRE(save_npy(dir + "/torch" + w, torch.data(), {f_n, c_n, k, k}).ok());
    REQUIRE(save_npy(dir + "/keras" + w, keras.data(), {k, k, c_n, f_n}).ok());
    copy_npy(dir + "/npy" + b, dir + "/torch" + b);
    copy_npy(dir + "/npy" + b, dir + "/keras" + b);
  }
  r = run("import --npy " + dir + "/torch --layers " + layers + " --out " + dir + "/torch.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_same_model(dir + "/trained/model.tae", dir + "/torch.tae");
  r = run("import --npy " + dir + "/keras --layers " + layers + " --layout in-out --out " + dir + "/keras.tae");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_same_model(dir + "/trained/model.tae", dir + "/keras.tae");

  // PyTorch's files read as Keras' are refused, the expected shape named.
  r = run("import --npy " + dir + "/torch --layers " + layers + " --layout in-out --out " + dir + "/wrong.tae");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(dir + "/torch/W0.npy has shape (4, 1, 3, 3); the spec's layer 0 (conv2d 3x3, 1 -> 4 channels) "
                            "needs (3, 3, 1, 4) with --layout in-out") != std::string::npos);
  r = run("import --npy " + dir + "/keras --layers " + layers + " --out " + dir + "/wrong.tae");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(dir + "/keras/W0.npy has shape (3, 3, 1, 4); the spec's layer 0 (conv2d 3x3, 1 -> 4 channels) "
                            "needs (4, 9) or (4, 1, 3, 3) with --layout out-in") != std::string::npos);
  // A W file for the pooling layer has no place.
  copy_npy(dir + "/npy/W0.npy", dir + "/npy/W1.npy");
  r = run("import --npy " + dir + "/npy --layers " + layers + " --out " + dir + "/wrong.tae");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(dir + "/npy/W1.npy: the spec's layer 1 is max_pool2d, which has no parameters") !=
        std::string::npos);
  CHECK(!exists(dir + "/wrong.tae"));
}

TEST_CASE("cli: train --window streams a data file instead of loading it", "[cli][stream]") {
  // Fashion-MNIST's 10000 test images (gzip IDX), a small network, one epoch.
  const std::string images = test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz");
  const std::string dir = kOut + "/window";
  const std::string train = "train --layers 784,16:sigmoid:code,784:sigmoid --loss bce --lr 0.005 "
                            "--batch 100 --epochs 1 --data " + images + " ";
  const std::string adam = train + "--optimizer adam ";
  Run loaded = run(adam + "--out " + dir + "/loaded");
  REQUIRE(loaded.exit_code == 0);
  // A window holding the whole file: exactly the loaded training, shuffles included.
  Run whole = run(adam + "--window 10000 --out " + dir + "/whole");
  INFO(whole.output);
  REQUIRE(whole.exit_code == 0);
  CHECK(whole.output.find("streaming " + images + ", 10000 rows at a time") != std::string::npos);
  Model a;
  Model b;
  REQUIRE(load_model(dir + "/loaded/model.tae", &a).ok());
  REQUIRE(load_model(dir + "/whole/model.tae", &b).ok());
  CHECK(a.parameters == b.parameters);
  CHECK(number_after(whole.output, "train     MSE ") == number_after(loaded.output, "train     MSE "));
  // Windows of 1500 rows (7 windows, the last of 1000): other orders, as good a fit.
  Run windows = run(adam + "--window 1500 --out " + dir + "/windows");
  REQUIRE(windows.exit_code == 0);
  CHECK(windows.output.find("(10000 samples)") != std::string::npos);
  const double windowed = number_after(windows.output, "train     MSE ");
  CHECK(windowed == Approx(number_after(loaded.output, "train     MSE ")).epsilon(0.05));
  CHECK(std::ifstream(dir + "/windows/reconstructions.png").good());
  // What a stream cannot do is refused, saying why.
  struct Refused {
    std::string flags;
    const char* why;
  };
  const Refused refused[] = {
      {"--optimizer adam --holdout 5", "give --test"},
      {"--optimizer lbfgs", "mini-batch optimizer"},
      {"--optimizer adam --class 3 --labels " + test::data_path("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "anomaly"},
  };
  for (const Refused& r : refused) {
    Run bad = run(train + "--window 1000 " + r.flags + " --out " + dir + "/bad");
    INFO(bad.output);
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find(r.why) != std::string::npos);
  }
  Run csv = run("train --layers 64,8:sigmoid:code,64:sigmoid --data " + kDigits + " --window 100 --out " + dir + "/bad");
  CHECK(csv.exit_code == 1);
  CHECK(csv.output.find("not CSV") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir + "/bad/model.tae").good());
}
