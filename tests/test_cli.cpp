// The tinyae command line, run as a user would: train, eval, encode, reconstruct,
// features, info, export; checking what it prints and the files it writes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& args) {
  const std::string command = std::string(TINYAE_CLI) + " " + args + " 2>&1";
  Run r{-1, ""};
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

double number_after(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  REQUIRE(at != std::string::npos);
  return std::strtod(text.c_str() + at + label.size(), nullptr);
}

const std::string kOut = std::string(P_tmpdir) + "/tinyae_cli_test";
const std::string kDigits = test::data_path("sklearn-digits/digits.csv.gz");

}  // namespace

TEST_CASE("cli: train, eval, encode, reconstruct, features, info, export on the digits", "[cli]") {
  REQUIRE(std::system(("rm -rf " + kOut).c_str()) == 0);
  Run train = run("train --preset digits-deep --optimizer adam --lr 0.003 --batch 16 --epochs 15 --data " +
                  kDigits + " --out " + kOut);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  const double test_mse = number_after(train.output, "test      MSE ");
  CHECK(test_mse > 0.0);
  CHECK(test_mse < 0.035);  // predicting the mean gives 0.0715

  // The model file reloads and evaluates to what the trainer printed on the same rows.
  Matrix m;
  REQUIRE(load_csv(kDigits, &m).ok());
  Run eval = run("eval --model " + kOut + "/model.tae --preset digits-deep --data " + kDigits);
  INFO(eval.output);
  REQUIRE(eval.exit_code == 0);
  const double eval_mse = number_after(eval.output, "eval      MSE ");
  const double train_mse = number_after(train.output, "train     MSE ");
  // All 1797 digits = 1438 training + 359 held-out: the eval MSE is their weighted mean.
  CHECK(eval_mse == Approx((train_mse * 1438 + test_mse * 359) / 1797).epsilon(1e-3));

  Run encode = run("encode --model " + kOut + "/model.tae --preset digits-deep --data " + kDigits +
                   " --output " + kOut + "/codes.npy");
  REQUIRE(encode.exit_code == 0);
  NpyArray codes;
  REQUIRE(load_npy(kOut + "/codes.npy", &codes).ok());
  CHECK(codes.shape == std::vector<std::int64_t>{1797, 36});
  for (float v : codes.values) REQUIRE((v >= -1.0f && v <= 1.0f));  // tanh code layer

  Run csv = run("encode --model " + kOut + "/model.tae --preset digits-deep --data " + kDigits +
                " --output " + kOut + "/codes.csv");
  REQUIRE(csv.exit_code == 0);
  Matrix codes_csv;
  REQUIRE(load_csv(kOut + "/codes.csv", &codes_csv).ok());
  CHECK(codes_csv.rows == 1797);
  CHECK(codes_csv.cols == 36);
  CHECK(codes_csv.values[5] == Approx(codes.values[5]).margin(1e-6));

  for (const char* png : {"loss.png", "reconstructions.png"}) {
    Image image;
    INFO(png);
    REQUIRE(load_image(kOut + "/" + png, &image).ok());
    CHECK(image.width > 100);
  }
  Run recon = run("reconstruct --model " + kOut + "/model.tae --preset digits-deep --data " + kDigits +
                  " --count 10 --noise 0.3 --output " + kOut + "/denoise.png");
  REQUIRE(recon.exit_code == 0);
  Image grid;
  REQUIRE(load_image(kOut + "/denoise.png", &grid).ok());
  CHECK(grid.width == 10 * (8 * 7 + 1) + 1);  // 10 tiles of 8x8 shown 7x larger
  CHECK(grid.height == 3 * (8 * 7 + 1) + 1);  // clean, noisy, denoised

  Run features = run("features --model " + kOut + "/model.tae --output " + kOut + "/features.png");
  REQUIRE(features.exit_code == 0);
  REQUIRE(load_image(kOut + "/features.png", &grid).ok());

  Run info = run("info --model " + kOut + "/model.tae");
  REQUIRE(info.exit_code == 0);
  CHECK(info.output.find("1x8x8,50:tanh,40:tanh,36:tanh:code,40:tanh,50:tanh,64:sigmoid") != std::string::npos);
  CHECK(info.output.find("parameters  13560") != std::string::npos);

  Run exported = run("export --model " + kOut + "/model.tae --npy " + kOut + "/weights");
  REQUIRE(exported.exit_code == 0);
  NpyArray w0;
  REQUIRE(load_npy(kOut + "/weights/W0.npy", &w0).ok());
  CHECK(w0.shape == std::vector<std::int64_t>{50, 64});
}

TEST_CASE("cli: bad input is a clear error and a failing exit code", "[cli][bad-input]") {
  Run r = run("train --preset nonsense");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("unknown preset 'nonsense'") != std::string::npos);
  r = run("train --preset sparse-patches");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("does not have yet") != std::string::npos);
  r = run("train --layers 64,8:wiggle:code,64 --data " + kDigits);
  CHECK(r.output.find("unknown activation 'wiggle'") != std::string::npos);
  r = run("train --layers 64,8:relu:code,64:sigmoid --data " + kDigits + " --out " + kOut + "/x");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("data has 65 columns but the network's input has 64") != std::string::npos);
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
  const std::string out = kOut + "_conv";  // its own folder: the digits test clears kOut
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
