// Anomaly detection from the command line: train --class, score, and their errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

using tinyae::test::number_after;
using tinyae::test::Run;
using tinyae::test::run;

const std::string kOut = std::string(P_tmpdir) + "/tinyae_cli_score_test";
const std::string kDigits = test::data_path("sklearn-digits/digits.csv.gz");
const std::string kFashion = "/usr/share/datasets/fashion-mnist/";

std::vector<double> read_scores(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "score");
  std::vector<double> scores;
  while (std::getline(in, line)) scores.push_back(std::strtod(line.c_str(), nullptr));
  return scores;
}

// AUROC by its definition, over every (anomaly, normal) pair.
double pairwise_auroc(const std::vector<double>& scores, const std::vector<bool>& anomalous) {
  double wins = 0;
  double pairs = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!anomalous[i]) continue;
    for (std::size_t j = 0; j < scores.size(); ++j) {
      if (anomalous[j]) continue;
      wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
      pairs += 1;
    }
  }
  return wins / pairs;
}

}  // namespace

TEST_CASE("cli: fashion-anomaly trains on one class, keeps its threshold, and score reproduces its AUROC",
          "[cli][anomaly]") {
  const std::string dir = kOut + "/trouser";
  Run r = run("train --preset fashion-anomaly --class 1 --epochs 3 --out " + dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("class 1 is normal") != std::string::npos);
  CHECK(r.output.find("6000 training samples") != std::string::npos);
  const double threshold = number_after(r.output, "threshold ");
  const double train_auroc = number_after(r.output, "AUROC ");
  Model model;
  REQUIRE(load_model(dir + "/model.tae", &model).ok());
  CHECK(model.anomaly.percentile == 99.0);
  CHECK(model.anomaly.score == Approx(threshold).epsilon(1e-5));
  CHECK(std::ifstream(dir + "/roc.png").good());
  CHECK(std::ifstream(dir + "/scores.png").good());

  r = run("score --model " + dir + "/model.tae --preset fashion-anomaly --class 1 --output " + dir +
          "/scores.csv --roc " + dir + "/roc2.png --histogram " + dir + "/hist.png");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(number_after(r.output, "AUROC ") == train_auroc);
  Image roc;
  REQUIRE(load_image(dir + "/roc2.png", &roc).ok());
  CHECK(roc.width == 480);
  const std::vector<double> scores = read_scores(dir + "/scores.csv");
  REQUIRE(scores.size() == 10000);
  std::vector<std::uint8_t> labels;
  REQUIRE(load_idx_labels(kFashion + "t10k-labels-idx1-ubyte.gz", 10, &labels).ok());
  std::vector<bool> anomalous(labels.size());
  std::int64_t flagged_anomalies = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    anomalous[i] = labels[i] != 1;
    flagged_anomalies += anomalous[i] && scores[i] > model.anomaly.score ? 1 : 0;
  }
  const double area = pairwise_auroc(scores, anomalous);
  CHECK(area == Approx(train_auroc).margin(5e-5));  // printed with 4 decimals
  CHECK(area > 0.95);                               // trousers are easy to tell apart
  const double tpr = number_after(r.output, "flags ");
  CHECK(tpr == Approx(100.0 * double(flagged_anomalies) / 9000).margin(0.05));

  // int8: calibrated on the 6000 trousers, pixels on the 1/255 grid, so every score is
  // an integer sum of squared byte differences times (1/255)^2 / 784 (1/255 as a float).
  r = run("score --model " + dir + "/model.tae --preset fashion-anomaly --class 1 --int8 --input-range 0 1 "
          "--output " + dir + "/scores8.csv");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("calibrated on 6000 normal samples") != std::string::npos);
  const std::vector<double> scores8 = read_scores(dir + "/scores8.csv");
  REQUIRE(scores8.size() == 10000);
  const double input_scale = 1.0f / 255.0f;
  const double unit = input_scale * input_scale / 784.0;
  double worst_fraction = 0;
  for (double v : scores8) {
    const double k = v / unit;
    worst_fraction = std::max(worst_fraction, std::abs(k - std::round(k)));
  }
  CHECK(worst_fraction < 1e-3);
  const double area8 = pairwise_auroc(scores8, anomalous);
  CHECK(number_after(r.output, "AUROC ") == Approx(area8).margin(5e-5));
  CHECK(area8 == Approx(area).margin(0.005));
  const double threshold8 = number_after(r.output, "threshold ");
  CHECK(threshold8 == Approx(model.anomaly.score).epsilon(0.05));
  std::int64_t flagged8 = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) flagged8 += anomalous[i] && scores8[i] > threshold8 ? 1 : 0;
  CHECK(number_after(r.output, "flags ") == Approx(100.0 * double(flagged8) / 9000).margin(0.05));
}

TEST_CASE("cli: a CSV's last column labels it; scores of normal data only need no labels", "[cli][anomaly]") {
  const std::string dir = kOut + "/digits";
  Run r = run("train --layers 64,16:sigmoid:code,64:sigmoid --data " + kDigits +
              " --columns 64 --scale 0.0625 --labels " + kDigits +
              " --class 0 --epochs 20 --batch 16 --optimizer adam --lr 0.01 --threshold-percentile 95 --out " + dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("178 training samples") != std::string::npos);  // the zeros of the 1797
  Model model;
  REQUIRE(load_model(dir + "/model.tae", &model).ok());
  CHECK(model.anomaly.percentile == 95.0);
  r = run("score --model " + dir + "/model.tae --data " + kDigits + " --columns 64 --scale 0.0625 --labels " +
          kDigits + " --class 0");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(number_after(r.output, "AUROC ") > 0.9);
  CHECK(r.output.find("1619 anomalies, 178 normal samples") != std::string::npos);
  r = run("score --model " + dir + "/model.tae --data " + kDigits + " --columns 64 --scale 0.0625 --output " + dir +
          "/s.npy");
  REQUIRE(r.exit_code == 0);
  NpyArray npy;
  REQUIRE(load_npy(dir + "/s.npy", &npy).ok());
  CHECK(npy.shape == std::vector<std::int64_t>{1797});
}

TEST_CASE("cli: anomaly flags that do not fit are errors naming the value, and write no model",
          "[cli][anomaly][bad-input]") {
  const std::string dir = kOut + "/bad";
  REQUIRE(std::system(("rm -rf " + dir).c_str()) == 0);
  const std::string digits = "--layers 64,8:sigmoid:code,64:sigmoid --data " + kDigits + " --columns 64 --scale 0.0625 ";
  Run r = run("train " + digits + "--labels " + kDigits + " --class 12 --out " + dir);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("class 12 does not occur in") != std::string::npos);
  r = run("train " + digits + "--class 3 --out " + dir);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--class needs --labels") != std::string::npos);
  r = run("train " + digits + "--labels " + kDigits + " --class 3 --threshold-percentile 0 --out " + dir);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("threshold percentile 0 is outside (0, 100]") != std::string::npos);
  r = run("train " + digits + "--labels " + kDigits + " --class 3 --threshold-percentile 100.5 --out " + dir);
  CHECK(r.output.find("threshold percentile 100.5 is outside (0, 100]") != std::string::npos);
  r = run("train " + digits + "--labels " + kFashion + "t10k-labels-idx1-ubyte.gz --class 3 --out " + dir);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("has 10000 labels for 1797 samples") != std::string::npos);
  r = run("train " + digits + "--labels " + kFashion + "t10k-images-idx3-ubyte.gz --class 3 --out " + dir);
  CHECK(r.exit_code == 1);
  CHECK_FALSE(std::ifstream(dir + "/model.tae").good());

  r = run("train " + digits + "--epochs 2 --out " + dir + "/plain");
  REQUIRE(r.exit_code == 0);
  r = run("score --model " + dir + "/plain/model.tae --data " + kDigits + " --columns 64 --scale 0.0625 --labels " +
          kDigits);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--labels needs --class") != std::string::npos);
  r = run("score --model " + dir + "/plain/model.tae --data " + kDigits + " --columns 64 --scale 0.0625 --roc " + dir +
          "/roc.png");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--roc and --histogram need --labels and --class") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir + "/roc.png").good());
  r = run("score --model " + dir + "/plain/model.tae --data " + kDigits + " --columns 64 --scale 0.0625");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("above the threshold") == std::string::npos);  // a plain model has none

  const std::string plain = "score --model " + dir + "/plain/model.tae --data " + kDigits + " --columns 64 --scale 0.0625";
  r = run(plain + " --int8 --output " + dir + "/s8.csv");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("score --int8: give --calibration-data (normal samples) or --preset") != std::string::npos);
  r = run(plain + " --calibration-data " + kDigits);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("need --int8") != std::string::npos);
  r = run(plain + " --labels " + kDigits + " --class 3 --int8 --calibration-data " + kDigits +
          " --calibration-labels " + kFashion + "t10k-labels-idx1-ubyte.gz --output " + dir + "/s8.csv");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("has 10000 labels for 1797 samples") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir + "/s8.csv").good());
  r = run(plain + " --int8 --calibration-data " + kDigits + " --output " + dir + "/s8.csv");
  CHECK(r.exit_code == 0);
  CHECK(read_scores(dir + "/s8.csv").size() == 1797);
}

TEST_CASE("cli: train --init fine-tunes a saved model, e.g. an anomaly model on new normal data", "[cli][anomaly]") {
  const std::string dir = kOut + "/init";
  const std::string digits = "--layers 64,16:sigmoid:code,64:sigmoid --data " + kDigits +
                             " --columns 64 --scale 0.0625 --optimizer adam --lr 0.01 --batch 32 ";
  Run r = run("train " + digits + "--epochs 10 --out " + dir + "/first");
  REQUIRE(r.exit_code == 0);
  const double first_train_mse = number_after(r.output, "train     MSE ");
  // No epochs: the saved weights are the ones it started from, bit for bit.
  r = run("train " + digits + "--epochs 0 --init " + dir + "/first/model.tae --out " + dir + "/same");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("starting from the weights of") != std::string::npos);
  Model a;
  Model b;
  REQUIRE(load_model(dir + "/first/model.tae", &a).ok());
  REQUIRE(load_model(dir + "/same/model.tae", &b).ok());
  CHECK(a.parameters == b.parameters);
  CHECK(number_after(r.output, "train     MSE ") == first_train_mse);
  // More epochs go on from there.
  r = run("train " + digits + "--epochs 10 --init " + dir + "/first/model.tae --out " + dir + "/more");
  REQUIRE(r.exit_code == 0);
  CHECK(number_after(r.output, "train     MSE ") < first_train_mse);
  // A model of another network is refused, naming both.
  r = run("train --layers 64,8:sigmoid:code,64:sigmoid --data " + kDigits + " --columns 64 --scale 0.0625 --init " +
          dir + "/first/model.tae --out " + dir + "/other");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("holds 64,16:sigmoid:code,64:sigmoid, not the network being trained, "
                      "64,8:sigmoid:code,64:sigmoid") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir + "/other/model.tae").good());
}
