// Finite-difference checks of every activation, loss, regularizer and layer, plus a
// forward pass against an independent double-precision computation.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/loss.hpp"
#include "core/random.hpp"
#include "random_values.hpp"
#include "kernels/activation.hpp"
#include "kernels/f32_kernels.hpp"
#include "test_support.hpp"
#include "reference_math.hpp"

using namespace tinyae;
using tinyae::test::random_values;

namespace {

using tinyae::test::activate_double;

const Activation kActivations[] = {Activation::identity, Activation::sigmoid, Activation::tanh,
                                   Activation::relu};

// The batch-mean loss of outputs a = act(z) against y, written out independently.
double loss_double(Loss loss, Activation act, const std::vector<double>& z,
                   const std::vector<float>& y, int b) {
  const double n = static_cast<double>(z.size());
  double sum = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double a = activate_double(act, z[i]);
    if (loss == Loss::bce) {
      sum -= y[i] * std::log(a) + (1 - y[i]) * std::log(1 - a);
    } else {
      sum += (a - y[i]) * (a - y[i]);
    }
  }
  switch (loss) {
    case Loss::mse: return sum / n;
    case Loss::half_sse: return sum / (2.0 * b);
    case Loss::bce: return sum / n;
  }
  return 0;
}


}  // namespace

TEST_CASE("activation derivatives match finite differences", "[gradient]") {
  for (Activation act : kActivations) {
    for (double z = -4.05; z < 4.0; z += 0.1) {  // never exactly at relu's kink
      const double h = 1e-4;
      const double fd = (activate_double(act, z + h) - activate_double(act, z - h)) / (2 * h);
      const float a = kernels::activate(act, static_cast<float>(z));
      CHECK(a == Approx(activate_double(act, z)).margin(1e-6));
      CHECK(kernels::derivative_from_output(act, a) == Approx(fd).epsilon(1e-4).margin(1e-6));
    }
  }
}

TEST_CASE("loss values and output deltas match finite differences", "[gradient]") {
  const int b = 3;
  const int d = 5;
  const std::vector<float> z = random_values(b * d, -3.0f, 3.0f, 1, 99);
  const std::vector<float> y = random_values(b * d, 0.0f, 1.0f, 2, 99);
  for (Loss loss : {Loss::mse, Loss::half_sse, Loss::bce}) {
    for (Activation act : kActivations) {
      if (loss == Loss::bce && act != Activation::sigmoid) continue;
      // The output layer with identity weights (k = d, no bias), so its logits are z:
      // the loss and delta come from the fused kernel the trainer uses.
      std::vector<float> eye(static_cast<std::size_t>(d * d), 0.0f);
      for (int j = 0; j < d; ++j) eye[static_cast<std::size_t>(j * d + j)] = 1.0f;
      std::vector<float> delta(z.size());
      kernels::OutputLoss out{y.data(), d, output_scale(loss, b, d), loss == Loss::bce};
      kernels::f32().dense_forward_loss(b, d, d, z.data(), d, eye.data(), d, nullptr, act, &out,
                                        delta.data(), d);
      ErrorSums sums;
      sums.sse = out.sse;
      sums.bce = out.bce_sum;
      sums.samples = b;
      std::vector<double> zd(z.begin(), z.end());
      const double value = loss_double(loss, act, zd, y, b);
      CHECK(make_metrics(loss, sums, d).loss == Approx(value).epsilon(1e-5));
      for (std::size_t i = 0; i < z.size(); ++i) {
        const double h = 1e-5;
        std::vector<double> plus = zd;
        std::vector<double> minus = zd;
        plus[i] += h;
        minus[i] -= h;
        const double fd = (loss_double(loss, act, plus, y, b) - loss_double(loss, act, minus, y, b)) / (2 * h);
        INFO("loss " << loss_name(loss) << ", activation " << activation_name(act) << ", i " << i);
        CHECK(delta[i] == Approx(fd).epsilon(1e-3).margin(1e-6));
      }
    }
  }
}

TEST_CASE("bce from logits stays finite where the sigmoid saturates", "[gradient]") {
  CHECK(test::bce_from_logit(100.0f, 0.0f) == Approx(100.0));
  CHECK(test::bce_from_logit(-100.0f, 1.0f) == Approx(100.0));
  CHECK(test::bce_from_logit(0.0f, 0.5f) == Approx(std::log(2.0)));
  CHECK(std::isfinite(test::bce_from_logit(-1e30f, 1.0f)));
}

namespace {

// Relative error ||analytic - numeric|| / ||numeric|| of the whole gradient, where
// numeric comes from central differences of compute_gradient's objective.
double gradient_error(const NetworkSpec& spec, const TrainConfig& config, int rows,
                      const std::vector<float>& data) {
  test::OwnedArena memory(arena_bytes(spec, config));
  Arena& arena = memory.arena;
  Network net;
  REQUIRE(net.setup(spec, config, arena).ok());
  // Non-zero biases so every bias gradient path is exercised.
  Pcg32 rng(5, 7);
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    for (std::int64_t i = 0; i < spec.bias_count(l); ++i) net.biases(l)[i] = 0.2f * rng.next_float() - 0.1f;
  }
  double objective = 0;
  REQUIRE(net.compute_gradient(data.data(), rows, static_cast<std::int32_t>(spec.input.size()), &objective).ok());
  std::vector<float> analytic(net.gradients(), net.gradients() + spec.parameter_floats());
  double diff2 = 0;
  double norm2 = 0;
  int checked = 0;
  int kinks = 0;
  const float h = 1e-2f;
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    for (std::int64_t i = 0; i < spec.weight_count(l) + spec.bias_count(l); ++i) {
      const std::int64_t index = i < spec.weight_count(l)
                                     ? spec.weight_offset(l) + i
                                     : spec.bias_offset(l) + (i - spec.weight_count(l));
      float& p = net.parameters()[index];
      const float saved = p;
      // Central differences at h and h/2: where they disagree, a ReLU kink lies
      // within h of this point and the difference quotient means nothing there.
      double numeric_at[2] = {};
      for (int k = 0; k < 2; ++k) {
        const float step = k == 0 ? h : h / 2;
        double up = 0;
        double down = 0;
        p = saved + step;
        REQUIRE(net.compute_gradient(data.data(), rows, static_cast<std::int32_t>(spec.input.size()), &up).ok());
        p = saved - step;
        REQUIRE(net.compute_gradient(data.data(), rows, static_cast<std::int32_t>(spec.input.size()), &down).ok());
        p = saved;
        numeric_at[k] = (up - down) / (2.0 * static_cast<double>(step));
      }
      const double numeric = numeric_at[1];
      ++checked;
      if (std::fabs(numeric_at[0] - numeric_at[1]) >
          0.05 * std::fmax(std::fabs(numeric_at[0]), std::fabs(numeric_at[1])) + 1e-4) {
        ++kinks;
        continue;
      }
      const double a = analytic[static_cast<std::size_t>(index)];
      diff2 += (a - numeric) * (a - numeric);
      norm2 += numeric * numeric;
    }
  }
  CHECK(kinks * 10 <= checked);  // almost every parameter is checked
  return std::sqrt(diff2 / norm2);
}

}  // namespace

TEST_CASE("network gradients match finite differences for every activation and loss",
          "[gradient]") {
  const int rows = 4;
  const std::vector<float> data = random_values(rows * 6, 0.05f, 0.95f, 3, 99);
  for (Activation hidden : kActivations) {
    for (Loss loss : {Loss::mse, Loss::half_sse, Loss::bce}) {
      for (float decay : {0.0f, 0.05f}) {
        const Activation out = loss == Loss::bce ? Activation::sigmoid : hidden;
        const NetworkSpec spec = NetworkSpec(Shape::vector(6))
                                     .dense(5, hidden)
                                     .dense(3, hidden)
                                     .code()
                                     .dense(4, hidden)
                                     .dense(6, out);
        TrainConfig config;
        config.loss = loss;
        config.batch_size = rows;
        config.weight_decay = decay;
        config.seed = 11;
        INFO("hidden " << activation_name(hidden) << ", loss " << loss_name(loss)
                       << ", weight decay " << decay);
        CHECK(gradient_error(spec, config, rows, data) < 2e-2);
      }
    }
  }
}

// Per-sample SGD has its own step paths (plain loops up to 16 wide, the fused
// dense_sgd_backward from 16): fit must equal steps of p -= lr * gradient, the
// gradient from compute_gradient (the batch path the finite differences check).
TEST_CASE("per-sample SGD steps equal steps along compute_gradient", "[gradient]") {
  const int rows = 5;
  for (int width : {3, 8, 16, 24}) {
    for (Activation hidden : kActivations) {
      for (Loss loss : {Loss::mse, Loss::half_sse, Loss::bce}) {
        const Activation out = loss == Loss::bce ? Activation::sigmoid : hidden;
        const int in = width < 16 ? 8 : 20;
        const NetworkSpec spec =
            NetworkSpec(Shape::vector(in)).dense(width, hidden).code().dense(in, out);
        const std::vector<float> data = random_values(rows * in, 0.05f, 0.95f, 3, 7);
        TrainConfig config;
        config.loss = loss;
        config.optimizer = Optimizer::sgd;
        config.learning_rate = 0.05f;
        config.batch_size = 1;
        config.epochs = 2;
        config.shuffle = false;
        config.seed = 5;
        INFO("width " << width << ", hidden " << activation_name(hidden) << ", loss "
                      << loss_name(loss));
        test::OwnedArena fit_memory(arena_bytes(spec, config));
        Network fitted;
        REQUIRE(fitted.setup(spec, config, fit_memory.arena).ok());
        REQUIRE(fitted.fit(data.data(), rows, in).ok());

        test::OwnedArena memory(arena_bytes(spec, config));
        Network stepped;
        REQUIRE(stepped.setup(spec, config, memory.arena).ok());
        const auto floats = static_cast<std::size_t>(spec.parameter_floats());
        std::vector<float> p(stepped.parameters(), stepped.parameters() + floats);
        for (int epoch = 0; epoch < config.epochs; ++epoch) {
          for (int r = 0; r < rows; ++r) {
            double objective = 0;
            REQUIRE(stepped.compute_gradient(data.data() + r * in, 1, in, &objective).ok());
            for (std::size_t i = 0; i < floats; ++i) p[i] -= config.learning_rate * stepped.gradients()[i];
            REQUIRE(stepped.set_parameters(p.data(), spec.parameter_floats()).ok());
          }
        }
        double worst = 0;
        for (std::size_t i = 0; i < floats; ++i) {
          const double error = std::fabs(fitted.parameters()[i] - p[i]) / (1.0 + std::fabs(p[i]));
          if (error > worst) worst = error;
        }
        CHECK(worst < 1e-5);
      }
    }
  }
}

TEST_CASE("weight decay adds (lambda/2) sum W^2 to the objective, biases excluded", "[gradient]") {
  const NetworkSpec spec =
      NetworkSpec(Shape::vector(4)).dense(2, Activation::tanh).code().dense(4, Activation::identity);
  const std::vector<float> data = random_values(2 * 4, 0.0f, 1.0f, 4, 99);
  TrainConfig config;
  config.batch_size = 2;
  config.seed = 3;
  test::OwnedArena memory(2 * arena_bytes(spec, config));
  Arena& arena = memory.arena;
  Network plain;
  Network decayed;
  REQUIRE(plain.setup(spec, config, arena).ok());
  config.weight_decay = 0.3f;
  REQUIRE(decayed.setup(spec, config, arena).ok());
  for (std::int32_t l = 0; l < 2; ++l) decayed.biases(l)[0] = plain.biases(l)[0] = 5.0f;
  double sum_w2 = 0;
  for (std::int32_t l = 0; l < 2; ++l) {
    for (std::int64_t i = 0; i < spec.weight_count(l); ++i) sum_w2 += double{plain.weights(l)[i]} * plain.weights(l)[i];
  }
  double j0 = 0;
  double j1 = 0;
  REQUIRE(plain.compute_gradient(data.data(), 2, 4, &j0).ok());
  REQUIRE(decayed.compute_gradient(data.data(), 2, 4, &j1).ok());
  CHECK(j1 - j0 == Approx(0.15 * sum_w2).epsilon(1e-5));
  CHECK(decayed.gradients()[spec.bias_offset(0)] == plain.gradients()[spec.bias_offset(0)]);
  CHECK(decayed.gradients()[spec.weight_offset(0)] ==
        Approx(plain.gradients()[spec.weight_offset(0)] + 0.3f * plain.weights(0)[0]));
}

TEST_CASE("forward pass and encoder match an independent double computation", "[forward]") {
  const NetworkSpec spec = NetworkSpec(Shape::vector(7))
                               .dense(5, Activation::tanh)
                               .dense(3, Activation::relu)
                               .code()
                               .dense(7, Activation::sigmoid);
  TrainConfig config;
  config.batch_size = 2;  // smaller than rows: inference runs in chunks
  config.seed = 9;
  test::OwnedArena memory(arena_bytes(spec, config));
  Arena& arena = memory.arena;
  Network net;
  REQUIRE(net.setup(spec, config, arena).ok());
  for (std::int32_t l = 0; l < 3; ++l) {
    for (std::int64_t i = 0; i < spec.bias_count(l); ++i) net.biases(l)[i] = 0.05f * static_cast<float>(i) - 0.1f;
  }
  const int rows = 5;
  const std::vector<float> data = random_values(rows * 7, 0.0f, 1.0f, 8, 99);
  std::vector<float> out(rows * 7);
  std::vector<float> code(rows * 3);
  REQUIRE(net.reconstruct(data.data(), rows, 7, out.data()).ok());
  REQUIRE(net.encode(data.data(), rows, 7, code.data()).ok());
  for (int r = 0; r < rows; ++r) {
    std::vector<double> a(data.begin() + r * 7, data.begin() + (r + 1) * 7);
    for (std::int32_t l = 0; l < 3; ++l) {
      const auto in = spec.layer_input(l).size();
      const auto n = spec.layers[l].output.size();
      std::vector<double> next(static_cast<std::size_t>(n));
      for (std::int64_t j = 0; j < n; ++j) {
        double z = net.biases(l)[j];
        for (std::int64_t i = 0; i < in; ++i) z += double{net.weights(l)[j * in + i]} * a[static_cast<std::size_t>(i)];
        next[static_cast<std::size_t>(j)] = activate_double(spec.layers[l].activation, z);
      }
      a = next;
      if (l == 1) {
        for (int j = 0; j < 3; ++j) CHECK(code[r * 3 + j] == Approx(a[j]).margin(1e-5));
      }
    }
    for (int j = 0; j < 7; ++j) CHECK(out[r * 7 + j] == Approx(a[j]).margin(1e-5));
  }
  Metrics m;
  REQUIRE(net.evaluate(data.data(), rows, 7, &m).ok());
  double sse = 0;
  for (int i = 0; i < rows * 7; ++i) sse += double{out[i] - data[i]} * (out[i] - data[i]);
  CHECK(m.sse == Approx(sse).epsilon(1e-5));
  CHECK(m.mse == Approx(sse / (rows * 7)).epsilon(1e-5));
  CHECK(m.samples == rows);
}

TEST_CASE("KL and L1 sparsity gradients match finite differences", "[gradient][sparse]") {
  const int rows = 5;
  const std::vector<float> data = random_values(rows * 6, 0.05f, 0.95f, 4, 99);
  // KL needs a sigmoid code layer; L1 is checked on sigmoid and tanh codes (tanh has
  // both signs). Three parts of the batch: the 1-row in-place path and a 2-row part.
  for (Activation code : {Activation::sigmoid, Activation::tanh}) {
    for (int mode = 1; mode <= 3; ++mode) {
      const bool kl = (mode & 1) != 0;
      const bool l1 = (mode & 2) != 0;
      if (kl && code != Activation::sigmoid) continue;
      const NetworkSpec spec = NetworkSpec(Shape::vector(6))
                                   .dense(5, Activation::tanh)
                                   .dense(4, code)
                                   .code()
                                   .dense(6, Activation::sigmoid);
      TrainConfig config;
      config.loss = Loss::half_sse;
      config.batch_size = rows;
      config.batch_parts = 3;
      config.weight_decay = 0.01f;
      config.sparsity_weight = kl ? 0.5f : 0.0f;
      config.sparsity_target = 0.2f;
      config.activity_l1 = l1 ? 0.3f : 0.0f;
      config.seed = 12;
      INFO("code " << activation_name(code) << ", KL " << kl << ", L1 " << l1);
      CHECK(gradient_error(spec, config, rows, data) < 2e-2);
    }
  }
}

TEST_CASE("networks with convolution, pooling and resizing: gradients match finite differences",
          "[gradient][conv]") {
  const int rows = 4;
  // Image layers around a sigmoid code (with KL and L1 penalties), and a strided and a
  // 1x1 convolution feeding dense layers. The convolutions cover all three lowerings.
  const NetworkSpec image = NetworkSpec(Shape{2, 5, 5})
                                .conv2d(8, 3, 1, Padding::same, Activation::tanh)
                                .max_pool2d()
                                .conv2d(3, 2, 1, Padding::valid, Activation::sigmoid)
                                .code()
                                .resize(5, 5)
                                .conv2d(2, 3, 1, Padding::same, Activation::sigmoid);
  const NetworkSpec mixed = NetworkSpec(Shape{1, 6, 6})
                                .conv2d(4, 3, 2, Padding::same, Activation::relu)
                                .conv2d(8, 1, 1, Padding::valid, Activation::tanh)
                                .dense(5, Activation::sigmoid)
                                .code()
                                .dense(36, Activation::identity);
  for (const NetworkSpec& spec : {image, mixed}) {
    REQUIRE(validate(spec).ok());
    const std::vector<float> data = random_values(static_cast<std::size_t>(rows * spec.input.size()), 0.05f, 0.95f, 3, 99);
    for (float decay : {0.0f, 0.05f}) {
      TrainConfig config;
      config.loss = &spec == &image ? Loss::bce : Loss::mse;
      config.batch_size = rows;
      config.weight_decay = decay;
      config.sparsity_weight = &spec == &image ? 0.1f : 0.0f;
      config.sparsity_target = 0.2f;
      config.activity_l1 = 0.01f;
      config.seed = 11;
      INFO((&spec == &image ? "image" : "mixed") << " network, weight decay " << decay);
      CHECK(gradient_error(spec, config, rows, data) < 2e-2);
    }
  }
}
