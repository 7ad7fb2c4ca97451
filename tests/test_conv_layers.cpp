// The image layers (lib/core/conv_layers) on every ISA this CPU has: convolution
// against a direct convolution written here in double, gradients of convolution,
// max pooling and resizing against finite differences, exact scratch sizes.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/conv_layers.hpp"
#include "core/random.hpp"
#include "random_values.hpp"
#include "kernels/activation.hpp"
#include "kernels/f32_kernels.hpp"
#include "reference_math.hpp"

using namespace tinyae;
using tinyae::test::random_values;


namespace {

using tinyae::test::activate_double;

constexpr float kCanary = -4242.5f;

std::vector<const kernels::F32Kernels*> every_isa() {
  std::vector<const kernels::F32Kernels*> isas;
  for (const char* const* name = kernels::kIsaNames; *name != nullptr; ++name) {
    if (const kernels::F32Kernels* k = kernels::f32_for(*name)) isas.push_back(k);
  }
  return isas;
}


// A buffer of n floats followed by canaries, to catch writes past the end.
struct Guarded {
  explicit Guarded(std::int64_t n) : values(static_cast<std::size_t>(n) + 16, kCanary), size(n) {}
  float* data() { return values.data(); }
  bool intact() const {
    for (std::size_t i = static_cast<std::size_t>(size); i < values.size(); ++i) {
      if (values[i] != kCanary) return false;
    }
    return true;
  }
  std::vector<float> values;
  std::int64_t size;
};

// A convolution case, with the sizes worked out here from the definitions of 'same'
// (output ceil(in / stride), the odd padding row after) and 'valid'.
struct ConvCase {
  int c, h, w, filters, kernel, stride;
  Padding padding;
  int oh() const { return padding == Padding::same ? (h + stride - 1) / stride : (h - kernel) / stride + 1; }
  int ow() const { return padding == Padding::same ? (w + stride - 1) / stride : (w - kernel) / stride + 1; }
  int pad_top() const {
    const int total = (oh() - 1) * stride + kernel - h;
    return padding == Padding::same && total > 0 ? total / 2 : 0;
  }
  int pad_left() const {
    const int total = (ow() - 1) * stride + kernel - w;
    return padding == Padding::same && total > 0 ? total / 2 : 0;
  }
  int patch() const { return kernel * kernel * c; }
  conv::Conv2dGeometry geometry() const {
    return conv::conv2d_geometry(Shape{c, h, w}, filters, kernel, stride, padding);
  }
};

// Direct convolution of one output value in double (channels-last images, weights
// F x (ky, kx, c)); *abs_sum gets the sum of |terms| for the tolerance.
double direct_conv(const ConvCase& t, const float* x, const float* wts, const float* bias, int s,
                   int oy, int ox, int f, double* abs_sum) {
  double z = bias != nullptr ? bias[f] : 0.0;
  *abs_sum = std::fabs(z);
  for (int ky = 0; ky < t.kernel; ++ky) {
    for (int kx = 0; kx < t.kernel; ++kx) {
      const int iy = oy * t.stride + ky - t.pad_top();
      const int ix = ox * t.stride + kx - t.pad_left();
      if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
      for (int ch = 0; ch < t.c; ++ch) {
        const double term = double{x[((s * t.h + iy) * t.w + ix) * t.c + ch]} *
                            wts[f * t.patch() + (ky * t.kernel + kx) * t.c + ch];
        z += term;
        *abs_sum += std::fabs(term);
      }
    }
  }
  return z;
}

std::vector<ConvCase> forward_cases() {
  std::vector<ConvCase> cases;
  for (int kernel : {1, 2, 3, 5}) {
    for (int stride : {1, 2, 3}) {
      for (Padding padding : {Padding::valid, Padding::same}) {
        for (int c : {1, 3, 8}) {
          for (int filters : {1, 5, 16}) {
            cases.push_back({c, 7, 7, filters, kernel, stride, padding});
            cases.push_back({c, 6, 9, filters, kernel, stride, padding});
          }
        }
      }
    }
  }
  // Larger images: the patch matrix is built a few samples at a time.
  cases.push_back({8, 28, 28, 16, 3, 1, Padding::same});
  cases.push_back({16, 14, 14, 8, 3, 1, Padding::same});
  cases.push_back({16, 28, 28, 1, 3, 1, Padding::same});
  return cases;
}

}  // namespace

TEST_CASE("conv output sizes and padding follow same and valid", "[conv]") {
  CHECK(conv_output_size(28, 3, 1, Padding::same) == 28);
  CHECK(conv_output_size(7, 3, 2, Padding::same) == 4);
  CHECK(conv_output_size(7, 3, 2, Padding::valid) == 3);
  CHECK(conv_output_size(2, 3, 1, Padding::valid) == 0);
  CHECK(conv_pad_before(28, 3, 1, Padding::same) == 1);
  CHECK(conv_pad_before(28, 2, 1, Padding::same) == 0);  // the odd row goes after
  CHECK(conv_pad_before(7, 4, 2, Padding::same) == 1);
  CHECK(conv_pad_before(8, 5, 1, Padding::valid) == 0);
  CHECK(conv::max_pool2d_output(Shape{16, 28, 28}) == Shape{16, 14, 14});
  CHECK(conv::max_pool2d_output(Shape{8, 7, 7}) == Shape{8, 4, 4});
}

TEST_CASE("conv2d forward matches a direct convolution on every ISA", "[conv]") {
  const Activation acts[] = {Activation::identity, Activation::relu, Activation::sigmoid,
                             Activation::tanh};
  for (const kernels::F32Kernels* k : every_isa()) {
    std::uint64_t seed = 1;
    for (const ConvCase& t : forward_cases()) {
      if (t.oh() <= 0 || t.ow() <= 0) continue;
      const int batch = 3;
      const Activation act = acts[seed % 4];
      const conv::Conv2dGeometry g = t.geometry();
      REQUIRE(g.output == Shape{t.filters, t.oh(), t.ow()});
      const std::vector<float> x = random_values(static_cast<std::size_t>(batch * t.c * t.h * t.w), -1.0f, 1.0f, ++seed);
      const std::vector<float> wts = random_values(static_cast<std::size_t>(t.filters * t.patch()), -1.0f, 1.0f, ++seed);
      const std::vector<float> bias = random_values(static_cast<std::size_t>(t.filters), -0.5f, 0.5f, ++seed);
      Guarded y(batch * g.output.size());
      Guarded scratch(conv::conv2d_scratch_floats(g, batch));
      conv::conv2d_forward(*k, g, batch, x.data(), wts.data(), bias.data(), act, y.data(), scratch.data());
      INFO(k->isa << ": C " << t.c << " H " << t.h << " W " << t.w << " filters " << t.filters
                  << " kernel " << t.kernel << " stride " << t.stride << " padding "
                  << (t.padding == Padding::same ? "same" : "valid") << " act " << activation_name(act));
      REQUIRE(y.intact());
      REQUIRE(scratch.intact());
      int bad = 0;
      for (int s = 0; s < batch; ++s) {
        for (int oy = 0; oy < t.oh(); ++oy) {
          for (int ox = 0; ox < t.ow(); ++ox) {
            for (int f = 0; f < t.filters; ++f) {
              double abs_sum = 0;
              const double ref = activate_double(act, direct_conv(t, x.data(), wts.data(), bias.data(), s, oy, ox, f, &abs_sum));
              const float got = y.values[static_cast<std::size_t>(((s * t.oh() + oy) * t.ow() + ox) * t.filters + f)];
              if (std::fabs(got - ref) > 1e-6 * (1.0 + abs_sum)) ++bad;
            }
          }
        }
      }
      CHECK(bad == 0);
    }
  }
}

namespace {

// sum_i r_i * act(y_i): a loss whose gradient with respect to the output is r.
double weighted_sum(const std::vector<float>& y, const std::vector<float>& r) {
  double sum = 0;
  for (std::size_t i = 0; i < y.size(); ++i) sum += double{r[i]} * y[i];
  return sum;
}

// Relative error ||analytic - numeric|| / ||numeric|| with numeric from central
// differences of loss() in each value of params.
template <class Loss>
double gradient_error(std::vector<float>* params, const std::vector<float>& analytic, float h, Loss loss) {
  double diff2 = 0;
  double norm2 = 0;
  for (std::size_t i = 0; i < params->size(); ++i) {
    float& p = (*params)[i];
    const float saved = p;
    p = saved + h;
    const double up = loss();
    p = saved - h;
    const double down = loss();
    p = saved;
    const double numeric = (up - down) / (2.0 * double{h});
    diff2 += (analytic[i] - numeric) * (analytic[i] - numeric);
    norm2 += numeric * numeric;
  }
  return norm2 > 0 ? std::sqrt(diff2 / norm2) : std::sqrt(diff2);
}

}  // namespace

TEST_CASE("conv2d gradients match finite differences on every ISA", "[conv][gradient]") {
  for (const kernels::F32Kernels* k : every_isa()) {
    std::uint64_t seed = 100;
    for (int kernel : {1, 2, 3, 5}) {
      for (int stride : {1, 2}) {
        for (Padding padding : {Padding::valid, Padding::same}) {
          for (int c : {1, 3, 9}) {  // input gradients by planes (3) and pixels (9)
            for (int filters : {1, 4, 9}) {  // one filter, planes (weight gradient by shifted rows or patches), pixels
              if (c * filters == 81) continue;  // each method is covered without it
              const ConvCase t{c, 6, 7, filters, kernel, stride, padding};
              const conv::Conv2dGeometry g = t.geometry();
              const int batch = 2;
              // tanh keeps the loss smooth (no ReLU kinks for the differences to straddle).
              const Activation act = (seed % 2) != 0 ? Activation::tanh : Activation::identity;
              std::vector<float> x = random_values(static_cast<std::size_t>(batch * g.input.size()), -1.0f, 1.0f, ++seed);
              std::vector<float> wts = random_values(static_cast<std::size_t>(filters * t.patch()), -0.5f, 0.5f, ++seed);
              std::vector<float> bias = random_values(static_cast<std::size_t>(filters), -0.5f, 0.5f, ++seed);
              const std::vector<float> r = random_values(static_cast<std::size_t>(batch * g.output.size()), -1.0f, 1.0f, ++seed);
              std::vector<float> y(static_cast<std::size_t>(batch * g.output.size()));
              std::vector<float> scratch(static_cast<std::size_t>(conv::conv2d_scratch_floats(g, batch)) + 1);
              auto loss = [&] {
                conv::conv2d_forward(*k, g, batch, x.data(), wts.data(), bias.data(), act, y.data(), scratch.data());
                return weighted_sum(y, r);
              };
              loss();
              std::vector<float> dz(y.size());
              for (std::size_t i = 0; i < y.size(); ++i) dz[i] = r[i] * kernels::derivative_from_output(act, y[i]);
              std::vector<float> dw(wts.size(), kCanary);
              std::vector<float> db(bias.size(), kCanary);
              std::vector<float> dx(x.size(), kCanary);
              conv::conv2d_backward(*k, g, batch, x.data(), wts.data(), dz.data(), dw.data(), db.data(), dx.data(), scratch.data());
              INFO(k->isa << ": C " << c << " filters " << filters << " kernel " << kernel << " stride "
                          << stride << " padding " << (padding == Padding::same ? "same" : "valid")
                          << " act " << activation_name(act));
              CHECK(gradient_error(&wts, dw, 1e-2f, loss) < 2e-3);
              CHECK(gradient_error(&bias, db, 1e-2f, loss) < 2e-3);
              CHECK(gradient_error(&x, dx, 1e-2f, loss) < 2e-3);
              // Without dx only the parameter gradients are formed, the same values.
              std::vector<float> dw2(wts.size());
              conv::conv2d_backward(*k, g, batch, x.data(), wts.data(), dz.data(), dw2.data(), db.data(), nullptr, scratch.data());
              CHECK(dw2 == dw);
            }
          }
        }
      }
    }
  }
}

namespace {

// Channels-last values 0.01 apart in a shuffled order: no ties, and a step of 1e-3
// never changes which value of a window is largest.
std::vector<float> distinct_values(std::size_t n, std::uint64_t seed) {
  Pcg32 rng(seed, 23);
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>(i) - 1.0f;
  for (std::size_t i = n - 1; i > 0; --i) {
    const std::size_t j = rng.next_u32() % (i + 1);
    std::swap(v[i], v[j]);
  }
  return v;
}

}  // namespace

TEST_CASE("max pooling takes each 2x2 window's maximum and routes the gradient to it", "[conv][gradient]") {
  for (const Shape in : {Shape{1, 7, 7}, Shape{3, 6, 5}, Shape{8, 4, 9}, Shape{2, 1, 3}}) {
    const int batch = 2;
    const Shape out = conv::max_pool2d_output(in);
    std::vector<float> x = distinct_values(static_cast<std::size_t>(batch * in.size()), 3);
    Guarded y(batch * out.size());
    conv::max_pool2d_forward(in, batch, x.data(), y.data());
    CHECK(y.intact());
    for (int s = 0; s < batch; ++s) {
      for (int oy = 0; oy < out.height; ++oy) {
        for (int ox = 0; ox < out.width; ++ox) {
          for (int ch = 0; ch < in.channels; ++ch) {
            float m = -1e30f;
            for (int iy = 2 * oy; iy < 2 * oy + 2 && iy < in.height; ++iy) {
              for (int ix = 2 * ox; ix < 2 * ox + 2 && ix < in.width; ++ix) {
                m = std::fmax(m, x[static_cast<std::size_t>(((s * in.height + iy) * in.width + ix) * in.channels + ch)]);
              }
            }
            CHECK(y.values[static_cast<std::size_t>(((s * out.height + oy) * out.width + ox) * in.channels + ch)] == m);
          }
        }
      }
    }
    const std::vector<float> r = random_values(static_cast<std::size_t>(batch * out.size()), -1.0f, 1.0f, 4);
    std::vector<float> dx(x.size(), kCanary);
    conv::max_pool2d_backward(in, batch, x.data(), r.data(), false, dx.data());
    std::vector<float> yv(static_cast<std::size_t>(batch * out.size()));
    auto loss = [&] {
      conv::max_pool2d_forward(in, batch, x.data(), yv.data());
      return weighted_sum(yv, r);
    };
    INFO("input " << in.channels << "x" << in.height << "x" << in.width);
    CHECK(gradient_error(&x, dx, 1e-3f, loss) < 1e-4);
    // As the input of a ReLU's output: the same routing times the ReLU's derivative,
    // here on values clamped at 0 as a ReLU leaves them (windows of zeros included).
    std::vector<float> relu_x(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) relu_x[i] = x[i] > 0.0f ? x[i] : 0.0f;
    std::vector<float> routed(x.size(), kCanary);
    std::vector<float> fused(x.size(), kCanary);
    conv::max_pool2d_backward(in, batch, relu_x.data(), r.data(), false, routed.data());
    conv::max_pool2d_backward(in, batch, relu_x.data(), r.data(), true, fused.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      CHECK(fused[i] == (relu_x[i] > 0.0f ? routed[i] : 0.0f));
    }
  }
}

TEST_CASE("nearest resize copies floor(o * in / out) and sums the gradient back", "[conv][gradient]") {
  // 4 -> 7 as in mnist-conv's decoder: rows 0 0 1 1 2 2 3.
  const Shape small{1, 4, 4};
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i);
  std::vector<float> y(49);
  conv::resize_nearest_forward(small, 7, 7, 1, x.data(), y.data());
  const int src[7] = {0, 0, 1, 1, 2, 2, 3};
  for (int oy = 0; oy < 7; ++oy) {
    for (int ox = 0; ox < 7; ++ox) CHECK(y[static_cast<std::size_t>(oy * 7 + ox)] == static_cast<float>(src[oy] * 4 + src[ox]));
  }
  struct Case { Shape in; int h, w; };
  for (const Case& t : {Case{{8, 4, 4}, 7, 7}, Case{{3, 7, 7}, 14, 14}, Case{{2, 5, 6}, 3, 11}, Case{{1, 3, 2}, 3, 2}}) {
    const int batch = 2;
    const Shape out{t.in.channels, t.h, t.w};
    std::vector<float> xv = random_values(static_cast<std::size_t>(batch * t.in.size()), -1.0f, 1.0f, 5);
    Guarded yv(batch * out.size());
    conv::resize_nearest_forward(t.in, t.h, t.w, batch, xv.data(), yv.data());
    CHECK(yv.intact());
    const std::vector<float> r = random_values(static_cast<std::size_t>(batch * out.size()), -1.0f, 1.0f, 6);
    std::vector<float> dx(xv.size(), kCanary);
    conv::resize_nearest_backward(t.in, t.h, t.w, batch, r.data(), dx.data());
    std::vector<float> ybuf(static_cast<std::size_t>(batch * out.size()));
    auto loss = [&] {
      conv::resize_nearest_forward(t.in, t.h, t.w, batch, xv.data(), ybuf.data());
      return weighted_sum(ybuf, r);
    };
    INFO("input " << t.in.channels << "x" << t.in.height << "x" << t.in.width << " to " << t.h << "x" << t.w);
    CHECK(gradient_error(&xv, dx, 1e-2f, loss) < 1e-4);
  }
}
