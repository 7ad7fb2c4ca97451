// Trains identity-838 through the installed or embedded library.
#include <cstdio>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

int main() {
  constexpr auto spec = tinyae::NetworkSpec(tinyae::Shape::vector(8))
                            .dense(3, tinyae::Activation::sigmoid)
                            .code()
                            .dense(8, tinyae::Activation::sigmoid);
  tinyae::TrainConfig config;
  config.loss = tinyae::Loss::half_sse;
  config.optimizer = tinyae::Optimizer::sgd;
  config.learning_rate = 0.3f;
  config.batch_size = 1;
  config.epochs = 5000;
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  std::vector<float> x(64, 0.0f);
  for (int i = 0; i < 8; ++i) x[i * 8 + i] = 1.0f;
  tinyae::Metrics m;
  tinyae::Status s = memory.allocate(tinyae::arena_bytes(spec, config));
  if (s.ok()) s = net.setup(spec, config, memory.arena());
  if (s.ok()) s = net.fit(x.data(), 8, 8);
  if (s.ok()) s = net.evaluate(x.data(), 8, 8, &m);
  if (!s.ok()) {
    std::fprintf(stderr, "consumer: %s\n", s.message());
    return 1;
  }
  std::printf("consumer: identity-838 SSE %.4f\n", m.sse);
  return m.sse < 0.5 ? 0 : 1;
}
