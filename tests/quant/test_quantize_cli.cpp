// `tinyae quantize` and `tinyae export --c-header`, run as a user would.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "../cli_support.hpp"
#include "../test_support.hpp"

namespace {

using tinyae::test::number_after;
using tinyae::test::Run;
using tinyae::test::run;

bool has(const Run& r, const char* text) { return r.output.find(text) != std::string::npos; }

const std::string kOut = tinyae::test::temp_path("quantize_cli");
const std::string kDigits = tinyae::test::data_path("sklearn-digits/digits.csv.gz");
const std::string kData = " --data " + kDigits + " --columns 64 --scale 0.0625";

}  // namespace

TEST_CASE("cli: quantize reports the int8 accuracy and export writes the C header", "[quant][cli]") {
  REQUIRE(std::system(("rm -rf " + kOut).c_str()) == 0);
  Run train = run("train --layers 64,24:tanh,12:sigmoid:code,64:sigmoid --loss bce --optimizer adam --lr 0.01"
                  " --batch 32 --epochs 30 --holdout 5 --out " + kOut + kData);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  const std::string model = " --model " + kOut + "/model.tae";

  Run q = run("quantize" + model + kData + " --test " + kDigits + " --calibration percentile --isa scalar"
              " --c-header " + kOut + "/digits.h --name digits");
  INFO(q.output);
  REQUIRE(q.exit_code == 0);
  CHECK(has(q, "2 encoder layer(s), percentile calibration on 1797 samples, int8 kernels scalar"));
  CHECK(has(q, "on 1797 held-out samples"));
  const double float_mse = number_after(q.output, "float encoder ");
  const double int8_mse = number_after(q.output, "int8 encoder ");
  CHECK(float_mse > 0);
  CHECK(int8_mse < 1.05 * float_mse);
  CHECK(number_after(q.output, "cosine similarity mean ") > 0.99);
  std::ifstream header(kOut + "/digits.h");
  const std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
  CHECK(text.find("static inline void digits_encode(const uint8_t *in, int8_t *code, void *scratch)") != std::string::npos);
  CHECK(text.find("#define DIGITS_SCRATCH_BYTES 48") != std::string::npos);  // 2 x 24

  CHECK(has(q, "  layer 1 dense"));
  CHECK(has(q, "(code)"));

  // The whole network: the int8 reconstruction against the float one, every layer.
  Run w = run("quantize" + model + kData + " --whole-network --input-range 0 1");
  INFO(w.output);
  REQUIRE(w.exit_code == 0);
  CHECK(has(w, "3 network layer(s)"));
  CHECK(has(w, "  layer 2 dense"));
  const double float_recon = number_after(w.output, "float encoder ");
  const double int8_recon = number_after(w.output, "int8 network ");
  CHECK(int8_recon > 0);
  CHECK(int8_recon < 1.1 * float_recon);
  // Its C header has the decoder's entry points (its bytes: test_c_header.cpp).
  w = run("export" + model + kData + " --whole-network --c-header " + kOut + "/whole.h --name digits");
  INFO(w.output);
  REQUIRE(w.exit_code == 0);
  CHECK(has(w, "_decode, _reconstruct, _score"));
  CHECK_FALSE(has(w, "score threshold"));  // not an anomaly model
  const std::string whole = tinyae::test::read_all(kOut + "/whole.h");
  CHECK(whole.find("static inline void digits_reconstruct(const uint8_t *in, uint8_t *out, void *scratch)") !=
        std::string::npos);
  CHECK(whole.find("#define DIGITS_OUTPUT_SIZE 64") != std::string::npos);
  CHECK(whole.find("DIGITS_SCORE_THRESHOLD") == std::string::npos);
  // --class: the AUROC of float and int8 scores on labelled held-out samples.
  w = run("quantize" + model + kData + " --whole-network --labels " + kDigits + " --class 3");
  INFO(w.output);
  REQUIRE(w.exit_code == 0);
  const std::string line = w.output.substr(w.output.find("AUROC       float "));
  const double float_auroc = number_after(line, "float ");
  const double int8_auroc = number_after(line, "int8 ");
  CHECK(float_auroc > 0.3);
  CHECK(int8_auroc == Approx(float_auroc).margin(0.02));
  w = run("quantize" + model + kData + " --labels " + kDigits + " --class 3");
  CHECK(w.exit_code == 1);
  CHECK(has(w, "--class needs --whole-network"));

  Run e = run("export" + model + kData + " --c-header " + kOut + "/e.h --calibration-rows 100");
  INFO(e.output);
  REQUIRE(e.exit_code == 0);
  CHECK(has(e, "tinyae_encoder_encode: 64 inputs -> 12 int8 codes"));
}

TEST_CASE("cli: an anomaly model's whole int8 header keeps the threshold of its normal class", "[quant][cli][anomaly]") {
  const std::string dir = kOut + "/anomaly";
  Run r = run("train --layers 64,16:sigmoid:code,64:sigmoid --batch 32 --epochs 30 --labels " + kDigits +
              " --class 3 --out " + dir + kData);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string model = " --model " + dir + "/model.tae";
  const std::string calibrate = kData + " --whole-network --class 3 --calibration-labels " + kDigits;
  Run e = run("export" + model + calibrate + " --c-header " + dir + "/digits.h --name digits");
  INFO(e.output);
  REQUIRE(e.exit_code == 0);
  // The 183 threes of the 1797 digits are the calibration samples.
  CHECK(has(e, "the 99 percentile of the 183 calibration samples' int8 scores"));
  const double threshold = number_after(e.output, "score threshold ");
  const std::string header = tinyae::test::read_all(dir + "/digits.h");
  CHECK(header.find("#define DIGITS_SCORE_THRESHOLD INT64_C(" + std::to_string(static_cast<long long>(threshold)) +
                    ")") != std::string::npos);
  // score --int8 computes the same threshold (on the MSE's scale) from the same threes.
  Run sc = run("score" + model + kData + " --labels " + kDigits + " --class 3 --int8 --calibration-data " + kDigits +
               " --calibration-labels " + kDigits);
  INFO(sc.output);
  REQUIRE(sc.exit_code == 0);
  const double scale = number_after(sc.output, "squared byte differences times ");
  CHECK(number_after(sc.output, "threshold ") == Approx(threshold * scale).epsilon(1e-5));
  // quantize --class prints both AUROCs over all 1797 digits.
  Run q = run("quantize" + model + calibrate + " --labels " + kDigits);
  INFO(q.output);
  REQUIRE(q.exit_code == 0);
  const std::string line = q.output.substr(q.output.find("AUROC       float "));
  CHECK(number_after(line, "int8 ") == Approx(number_after(line, "float ")).margin(0.02));
  // --calibration-labels without --class is an error.
  e = run("export" + model + kData + " --whole-network --calibration-labels " + kDigits + " --c-header " + dir +
          "/bad.h");
  CHECK(e.exit_code == 1);
  CHECK(has(e, "need --class"));
}

TEST_CASE("cli: quantize and export --c-header reject bad input clearly", "[quant][cli][bad-input]") {
  Run r = run("quantize --model /nonexistent.tae" + kData);
  CHECK(r.exit_code == 1);
  CHECK(has(r, "/nonexistent.tae: cannot open"));
  r = run("export --model /nonexistent.tae");
  CHECK(r.exit_code != 0);
  CHECK(has(r, "Exactly 1 option from [--npy,--c-header] is required"));
  // A model of the digits' 64 columns, calibrated on 65 (the label column kept).
  REQUIRE(std::system(("rm -rf " + kOut + "/bad").c_str()) == 0);
  Run train = run("train --layers 64,8:relu:code,64:sigmoid --epochs 1 --out " + kOut + "/bad" + kData);
  REQUIRE(train.exit_code == 0);
  r = run("quantize --model " + kOut + "/bad/model.tae --data " + kDigits);
  CHECK(r.exit_code == 1);
  CHECK(has(r, "calibration data has 65 columns but the network's input has 64"));
  r = run("export --model " + kOut + "/bad/model.tae --c-header " + kOut + "/x.h");
  CHECK(r.exit_code == 1);
  CHECK(has(r, "give --data (calibration samples) or --preset"));
  r = run("export --model " + kOut + "/bad/model.tae --c-header " + kOut + "/x.h --name 9bad" + kData);
  CHECK(has(r, "is not a C identifier"));
  r = run("quantize --model " + kOut + "/bad/model.tae --isa sse9" + kData);
  CHECK(has(r, "unknown int8 ISA 'sse9'"));
}

TEST_CASE("cli: quantize takes an mnist-conv model and exports its conv encoder", "[quant][cli][mnist-conv]") {
  const std::string images = tinyae::test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz");
  const std::string out = kOut + "_conv";  // its own folder: CLI tests run in parallel
  REQUIRE(std::system(("rm -rf " + out).c_str()) == 0);
  Run train = run("train --preset mnist-conv --data " + images + " --holdout 5 --epochs 1 --batch 32 --out " + out);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  Run q = run("quantize --model " + out + "/model.tae --data " + images + " --calibration-rows 500 --test " +
              images + " --input-range 0 1 --c-header " + out + "/conv.h --name conv");
  INFO(q.output);
  REQUIRE(q.exit_code == 0);
  CHECK(has(q, "6 encoder layer(s), min-max calibration on 500 samples"));
  CHECK(has(q, "on 10000 held-out samples"));
  const double float_mse = number_after(q.output, "float encoder ");
  CHECK(float_mse > 0);
  CHECK(number_after(q.output, "int8 encoder ") < 1.05 * float_mse);
  CHECK(number_after(q.output, "cosine similarity mean ") > 0.99);
  CHECK(has(q, "conv_encode: 784 inputs -> 128 int8 codes"));
  std::ifstream header(out + "/conv.h");
  const std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
  CHECK(text.find("static inline void tinyae_int8_conv(") != std::string::npos);  // the runtime
  CHECK(text.find("  tinyae_int8_max_pool(&conv_layers[5], buffer + 0, (uint8_t *)code);") != std::string::npos);
  CHECK(text.find("{TINYAE_INT8_MAX_POOL2D, 7, 7, 8, 4, 4, 8, 2, 2, 0, 0, 0, 0, 128,") != std::string::npos);
  // Two buffers for the 28x28x16 output and one 3x3x16 window.
  CHECK(text.find("#define CONV_SCRATCH_BYTES 25232") != std::string::npos);
}

TEST_CASE("cli: export --c-header --float writes the float network as const arrays", "[quant][cli]") {
  const std::string dir = tinyae::test::temp_path("float_export_cli");
  REQUIRE(std::system(("rm -rf " + dir).c_str()) == 0);
  Run train = run("train --preset identity-838 --epochs 20 --out " + dir);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  Run e = run("export --model " + dir + "/model.tae --c-header " + dir + "/m.h --float --name m838");
  INFO(e.output);
  REQUIRE(e.exit_code == 0);
  CHECK(has(e, "m838_parameters: 96 floats"));
  const std::string header = tinyae::test::read_all(dir + "/m.h");
  CHECK(header.find("inline constexpr tinyae::NetworkSpec m838_spec =\n"
                    "    tinyae::NetworkSpec(tinyae::Shape{8, 1, 1})\n"
                    "    .dense(3, tinyae::Activation::sigmoid).code()\n"
                    "    .dense(8, tinyae::Activation::sigmoid);") != std::string::npos);
  CHECK(header.find("alignas(tinyae::kAlignment) inline constexpr float m838_parameters[96] = {") !=
        std::string::npos);
  Run plain = run("export --model " + dir + "/model.tae --c-header " + dir + "/d.h --float");
  CHECK(plain.exit_code == 0);
  CHECK(has(plain, "tinyae_model_parameters"));  // the float header's own default name
  Run alone = run("export --model " + dir + "/model.tae --npy " + dir + "/npy --float");
  CHECK(alone.exit_code != 0);
  CHECK(has(alone, "--float requires --c-header"));
}
