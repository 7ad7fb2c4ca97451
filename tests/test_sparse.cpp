// The sparse autoencoder: its cost and gradient against a plain double computation,
// L-BFGS, patch sampling and preprocessing, and results that do not depend on the
// number of threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/random.hpp"
#include "random_values.hpp"
#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;
using tinyae::test::random_values;
using tinyae::test::OwnedArena;

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }


// J = (1/2N) sum ||x - x^||^2 + (lambda/2)(|W1|^2 + |W2|^2) + beta sum_j KL(rho || rhohat_j)
// for a sigmoid n-h-n network, and its gradient by the textbook (UFLDL) backprop, all
// in double. Parameters are laid out W1 (h x n), b1, W2 (n x h), b2.
struct SparseReference {
  int n, h;
  double lambda, beta, rho;

  double cost(const std::vector<double>& p, const std::vector<float>& x, int rows,
              std::vector<double>* grad) const {
    const double* w1 = p.data();
    const double* b1 = w1 + h * n;
    const double* w2 = b1 + h;
    const double* b2 = w2 + n * h;
    std::vector<double> a2(static_cast<std::size_t>(rows * h));
    std::vector<double> a3(static_cast<std::size_t>(rows * n));
    std::vector<double> rhohat(static_cast<std::size_t>(h), 0.0);
    for (int r = 0; r < rows; ++r) {
      for (int j = 0; j < h; ++j) {
        double z = b1[j];
        for (int i = 0; i < n; ++i) z += w1[j * n + i] * x[static_cast<std::size_t>(r * n + i)];
        a2[static_cast<std::size_t>(r * h + j)] = sigmoid(z);
        rhohat[static_cast<std::size_t>(j)] += sigmoid(z) / rows;
      }
      for (int i = 0; i < n; ++i) {
        double z = b2[i];
        for (int j = 0; j < h; ++j) z += w2[i * h + j] * a2[static_cast<std::size_t>(r * h + j)];
        a3[static_cast<std::size_t>(r * n + i)] = sigmoid(z);
      }
    }
    double sse = 0;
    for (int k = 0; k < rows * n; ++k) {
      const double d = a3[static_cast<std::size_t>(k)] - x[static_cast<std::size_t>(k)];
      sse += d * d;
    }
    double decay = 0;
    for (int k = 0; k < h * n; ++k) decay += w1[k] * w1[k] + w2[k] * w2[k];
    double kl = 0;
    for (double r : rhohat) kl += rho * std::log(rho / r) + (1 - rho) * std::log((1 - rho) / (1 - r));
    const double j_cost = sse / (2.0 * rows) + lambda / 2 * decay + beta * kl;
    if (grad != nullptr) {
      grad->assign(p.size(), 0.0);
      double* g1 = grad->data();
      double* gb1 = g1 + h * n;
      double* g2 = gb1 + h;
      double* gb2 = g2 + n * h;
      for (int r = 0; r < rows; ++r) {
        std::vector<double> d3(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          const double a = a3[static_cast<std::size_t>(r * n + i)];
          d3[static_cast<std::size_t>(i)] = -(x[static_cast<std::size_t>(r * n + i)] - a) * a * (1 - a);
        }
        for (int j = 0; j < h; ++j) {
          double up = 0;
          for (int i = 0; i < n; ++i) up += w2[i * h + j] * d3[static_cast<std::size_t>(i)];
          const double rj = rhohat[static_cast<std::size_t>(j)];
          up += beta * (-rho / rj + (1 - rho) / (1 - rj));
          const double a = a2[static_cast<std::size_t>(r * h + j)];
          const double d2 = up * a * (1 - a);
          for (int i = 0; i < n; ++i) g1[j * n + i] += d2 * x[static_cast<std::size_t>(r * n + i)] / rows;
          gb1[j] += d2 / rows;
        }
        for (int i = 0; i < n; ++i) {
          for (int j = 0; j < h; ++j) g2[i * h + j] += d3[static_cast<std::size_t>(i)] * a2[static_cast<std::size_t>(r * h + j)] / rows;
          gb2[i] += d3[static_cast<std::size_t>(i)] / rows;
        }
      }
      for (int k = 0; k < h * n; ++k) {
        g1[k] += lambda * w1[k];
        g2[k] += lambda * w2[k];
      }
    }
    return j_cost;
  }
};

// The network's parameters without padding, in the reference's layout.
std::vector<double> unpadded(const Network& net, const float* block) {
  const NetworkSpec& spec = net.spec();
  std::vector<double> p;
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const float* w = block + spec.weight_offset(l);
    const float* b = block + spec.bias_offset(l);
    p.insert(p.end(), w, w + spec.weight_count(l));
    p.insert(p.end(), b, b + spec.bias_count(l));
  }
  return p;
}

TrainConfig sparse_config(std::int32_t rows) {
  TrainConfig c;
  c.loss = Loss::half_sse;
  c.weight_decay = 0.01f;
  c.sparsity_weight = 0.3f;
  c.sparsity_target = 0.2f;
  c.batch_size = rows;
  c.batch_parts = 3;
  c.seed = 4;
  return c;
}

std::vector<float> train_and_get(const NetworkSpec& spec, TrainConfig config,
                                 const std::vector<float>& data, std::int32_t rows) {
  OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  REQUIRE(net.fit(data.data(), rows, static_cast<std::int32_t>(spec.input.size())).ok());
  return std::vector<float>(net.parameters(), net.parameters() + spec.parameter_floats());
}

}  // namespace

TEST_CASE("sparse cost and gradient match an independent double computation", "[sparse]") {
  const int n = 9;
  const int h = 4;
  const int rows = 7;
  const NetworkSpec spec =
      NetworkSpec(Shape::vector(n)).dense(h, Activation::sigmoid).code().dense(n, Activation::sigmoid);
  const TrainConfig config = sparse_config(rows);
  const std::vector<float> x = random_values(static_cast<std::size_t>(rows * n), 0.1f, 0.9f, 1);
  OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  // Biases away from zero, so their gradients are exercised.
  const std::vector<float> b = random_values(16, -0.5f, 0.5f, 2);
  for (int j = 0; j < h; ++j) net.biases(0)[j] = b[static_cast<std::size_t>(j)];
  for (int i = 0; i < n; ++i) net.biases(1)[i] = b[static_cast<std::size_t>(i)];

  double objective = 0;
  REQUIRE(net.compute_gradient(x.data(), rows, n, &objective).ok());
  const SparseReference ref{n, h, 0.01, 0.3, 0.2};
  std::vector<double> want_grad;
  const double want = ref.cost(unpadded(net, net.parameters()), x, rows, &want_grad);
  CHECK(objective == Approx(want).epsilon(1e-5));
  const std::vector<double> got_grad = unpadded(net, net.gradients());
  REQUIRE(got_grad.size() == want_grad.size());
  for (std::size_t i = 0; i < got_grad.size(); ++i) {
    INFO("parameter " << i);
    CHECK(got_grad[i] == Approx(want_grad[i]).epsilon(1e-4).margin(1e-6));
  }
}

TEST_CASE("sparsity settings out of range are clear errors", "[sparse][bad-input]") {
  const NetworkSpec spec = reference::kSparsePatches;
  auto setup_error = [&](const TrainConfig& config) {
    OwnedArena memory(arena_bytes(spec, config) + 64);
    Network net;
    const Status s = net.setup(spec, config, memory.arena);
    CHECK(s.code() == StatusCode::invalid_argument);
    return std::string(s.message());
  };
  TrainConfig c = reference::sparse_patches_config();
  c.batch_size = 16;
  c.sparsity_target = 0.0f;
  CHECK_THAT(setup_error(c), Catch::Contains("rho"));
  c.sparsity_target = 1.0f;
  CHECK_THAT(setup_error(c), Catch::Contains("(0, 1)"));
  c.sparsity_target = 0.5f;
  c.sparsity_weight = -0.1f;
  CHECK_THAT(setup_error(c), Catch::Contains("beta"));
  c.sparsity_weight = 0.2f;
  c.activity_l1 = -1.0f;
  CHECK_THAT(setup_error(c), Catch::Contains("L1"));
  // KL needs mean activations in (0, 1).
  TrainConfig relu = reference::mnist_dense_config();
  relu.sparsity_weight = 0.1f;
  OwnedArena memory(arena_bytes(reference::kMnistDense, relu));
  Network net;
  const Status s = net.setup(reference::kMnistDense, relu, memory.arena);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("sigmoid code layer"));
}

TEST_CASE("weights do not depend on the number of threads", "[sparse][threads]") {
  // Mini-batches with Adam, KL and L1 (mnist-sized layers, fewer samples), and the
  // full-batch sparse cost with L-BFGS.
  const NetworkSpec dense = NetworkSpec(Shape::vector(100))
                                .dense(24, Activation::sigmoid)
                                .code()
                                .dense(100, Activation::sigmoid);
  TrainConfig adam;
  adam.loss = Loss::bce;
  adam.batch_size = 37;
  adam.epochs = 2;
  adam.sparsity_weight = 0.1f;
  adam.activity_l1 = 1e-3f;
  const std::vector<float> x = random_values(300 * 100, 0.0f, 1.0f, 5);
  TrainConfig lbfgs = sparse_config(120);
  lbfgs.optimizer = Optimizer::lbfgs;
  lbfgs.epochs = 5;
  for (const TrainConfig& base : {adam, lbfgs}) {
    const std::int32_t rows = base.optimizer == Optimizer::lbfgs ? 120 : 300;
    TrainConfig one = base;
    one.threads = 1;
    const std::vector<float> want = train_and_get(dense, one, x, rows);
    for (std::int32_t threads : {2, 3}) {
      TrainConfig many = base;
      many.threads = threads;
      const std::vector<float> got = train_and_get(dense, many, x, rows);
      INFO(optimizer_name(base.optimizer) << " with " << threads << " threads");
      CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0);
    }
    // The comparison is sensitive to summation order: another partition of the
    // batch rounds differently.
    TrainConfig two_parts = one;
    two_parts.batch_parts = 2;
    CHECK(train_and_get(dense, two_parts, x, rows) != want);
  }
}

namespace {

struct Losses {
  std::vector<double> values;
};

bool record(const EpochStats& stats, void* user) {
  static_cast<Losses*>(user)->values.push_back(stats.train.loss);
  return true;
}

Patches photo_patches(std::int32_t count) {
  Patches p;
  REQUIRE(sample_patches(tinyae::test::data_path("photos"), 16, count, 7, &p).ok());
  return p;
}

}  // namespace

TEST_CASE("L-BFGS lowers the sparse cost monotonically and beats gradient descent",
          "[sparse][lbfgs]") {
  const std::int32_t rows = 1024;
  const Patches patches = photo_patches(rows);
  const NetworkSpec spec = reference::kSparsePatches;
  TrainConfig config = reference::sparse_patches_config();
  config.batch_size = rows;
  config.epochs = 40;
  const std::int32_t iterations = config.epochs;

  OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  double start = 0;
  REQUIRE(net.compute_gradient(patches.values.values.data(), rows, 256, &start).ok());
  Losses lbfgs;
  REQUIRE(net.fit(patches.values.values.data(), rows, 256, record, &lbfgs).ok());
  // It stops at the iteration limit (the cost is far from converged after 40).
  REQUIRE(lbfgs.values.size() == static_cast<std::size_t>(iterations));
  double previous = start;
  for (double v : lbfgs.values) {
    CHECK(v < previous);
    previous = v;
  }
  double end = 0;
  REQUIRE(net.compute_gradient(patches.values.values.data(), rows, 256, &end).ok());
  CHECK(end == Approx(lbfgs.values.back()).epsilon(1e-6));

  // The same number of full-batch gradient-descent steps at the seed's stable rate.
  TrainConfig gd = config;
  gd.optimizer = Optimizer::sgd;
  gd.learning_rate = 0.1f;
  OwnedArena gd_memory(arena_bytes(spec, gd));
  Network gd_net;
  REQUIRE(gd_net.setup(spec, gd, gd_memory.arena).ok());
  Losses descent;
  REQUIRE(gd_net.fit(patches.values.values.data(), rows, 256, record, &descent).ok());
  REQUIRE(descent.values.size() == static_cast<std::size_t>(iterations));
  INFO("start " << start << ", L-BFGS " << lbfgs.values.back() << ", gradient descent "
                << descent.values.back());
  CHECK(lbfgs.values.back() < descent.values.back());
  CHECK(lbfgs.values.back() < 0.5 * start);
}

TEST_CASE("L-BFGS needs the full batch and a fixed objective", "[sparse][lbfgs][bad-input]") {
  const NetworkSpec spec = reference::kIdentity838;
  TrainConfig config;
  config.optimizer = Optimizer::lbfgs;
  config.batch_size = 4;
  OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  const std::vector<float> x = random_values(8 * 8, 0.0f, 1.0f, 3);
  const Status s = net.fit(x.data(), 8, 8);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("full batch"));

  config.noise_stddev = 0.1f;
  OwnedArena memory2(arena_bytes(spec, config));
  CHECK(net.setup(spec, config, memory2.arena).code() == StatusCode::invalid_argument);
  config.noise_stddev = 0;
  config.lbfgs_memory = 0;
  CHECK(net.setup(spec, config, memory2.arena).code() == StatusCode::invalid_argument);
}

TEST_CASE("preprocessing removes each mean and maps +-3 sigma to 0.1 and 0.9", "[sparse][patches]") {
  // Nine quiet patches of 4 values around their means 2 and one loud one: its
  // extremes lie beyond 3 sigma and are clipped.
  std::vector<float> v;
  std::vector<double> centred;
  for (int k = 0; k < 9; ++k) {
    v.insert(v.end(), {3, 1, 3, 1});
    centred.insert(centred.end(), {1, -1, 1, -1});
  }
  v.insert(v.end(), {105, -95, 5, 5});
  centred.insert(centred.end(), {100, -100, 0, 0});
  double sum2 = 0;
  for (double c : centred) sum2 += c * c;
  const double limit = 3 * std::sqrt(sum2 / static_cast<double>(centred.size()));
  REQUIRE(limit < 100);
  preprocess_patches(v.data(), 10, 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double clipped = std::max(-1.0, std::min(1.0, centred[i] / limit));
    CHECK(v[i] == Approx((clipped + 1) * 0.4 + 0.1).epsilon(1e-6));
    CHECK(v[i] >= 0.1f);
    CHECK(v[i] <= 0.9f);
  }
  CHECK(v[36] == Approx(0.9));  // clipped at +3 sigma
  CHECK(v[37] == Approx(0.1));  // clipped at -3 sigma
  CHECK(v[38] == Approx(0.5));  // the mean maps to the middle

  // Real photographs: everything in [0.1, 0.9], some values at the clip limits.
  const Patches p = photo_patches(500);
  REQUIRE(p.values.rows == 500);
  REQUIRE(p.values.cols == 256);
  REQUIRE(p.originals.cols == 256);
  const auto [lo, hi] = std::minmax_element(p.values.values.begin(), p.values.values.end());
  CHECK(*lo >= 0.1f);
  CHECK(*hi <= 0.9f);
  CHECK(*lo == Approx(0.1f));
  CHECK(*hi == Approx(0.9f));
  // Same seed, same patches; the originals are gray pixels in [0, 1].
  const Patches again = photo_patches(500);
  CHECK(again.originals.values == p.originals.values);
  const auto [olo, ohi] = std::minmax_element(p.originals.values.begin(), p.originals.values.end());
  CHECK(*olo >= 0.0f);
  CHECK(*ohi <= 1.0f);
}

TEST_CASE("colour patches become gray with the Rec. 709 weights", "[sparse][patches]") {
  // An IDX file of two 2x2 RGB patches: pure red, green, blue and white pixels.
  std::string idx = {0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  const unsigned char pixels[2][4][3] = {{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}},
                                         {{51, 0, 0}, {0, 51, 0}, {0, 0, 51}, {0, 0, 0}}};
  idx.append(reinterpret_cast<const char*>(pixels), sizeof(pixels));
  const std::string path = tinyae::test::write_temp_file("rgb-patches-idx4-ubyte", idx);
  Patches p;
  REQUIRE(load_patches(path, false, &p).ok());
  REQUIRE(p.size == 2);
  const std::vector<float> want = {0.2126f, 0.7152f, 0.0722f, 1.0f, 0.2126f * 0.2f,
                                   0.7152f * 0.2f, 0.0722f * 0.2f, 0.0f};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(p.originals.values[i] == Approx(want[i]).margin(1e-6));
  CHECK(p.values.values == p.originals.values);  // no preprocessing asked
  // The shared set of 10,000 colour patches.
  Patches shared;
  REQUIRE(load_patches(tinyae::test::data_path("patches/rgb16x16-10000-idx4-ubyte"), true, &shared).ok());
  CHECK(shared.values.rows == 10000);
  CHECK(shared.size == 16);
}

TEST_CASE("patch sampling rejects bad folders and images", "[sparse][patches][bad-input]") {
  namespace fs = std::filesystem;
  const fs::path empty = tinyae::test::temp_path("no-images");
  fs::create_directories(empty);
  tinyae::test::write_temp_file("no-images/readme.txt", "not an image");
  Patches p;
  Status s = sample_patches(empty.string(), 16, 10, 1, &p);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("no images"));

  const fs::path broken = tinyae::test::temp_path("broken-images");
  fs::create_directories(broken);
  tinyae::test::write_temp_file("broken-images/a.png", "\x89PNG\r\n\x1a\nthis is not a png");
  s = sample_patches(broken.string(), 16, 10, 1, &p);
  CHECK_FALSE(s.ok());
  CHECK_THAT(std::string(s.message()), Catch::Contains("a.png"));

  s = sample_patches(tinyae::test::data_path("photos/chelsea.png"), 400, 10, 1, &p);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("smaller than the 400x400 patches"));
  CHECK(sample_patches(tinyae::test::data_path("photos"), 0, 10, 1, &p).code() ==
        StatusCode::invalid_argument);
  CHECK(sample_patches(tinyae::test::data_path("no-such-folder"), 16, 10, 1, &p).code() ==
        StatusCode::io_error);
  // read_patches: a patch file of the wrong side length, then a right one.
  s = read_patches(tinyae::test::data_path("patches/ufldl8x8_whitened_10000x64_f32.npy"), 16, 10, 1, &p);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("holds 8x8 patches, the network needs 16x16"));
  CHECK(p.values.rows == 0);  // untouched by every failure
  REQUIRE(read_patches(tinyae::test::data_path("patches/rgb16x16-10000-idx4-ubyte"), 16, 10, 1, &p).ok());
  CHECK(p.values.rows == 10000);  // a stored set is read whole
}
