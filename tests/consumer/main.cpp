// Trains identity-838 through the installed or embedded library.
#include <cstdio>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

int main() {
  constexpr tinyae::NetworkSpec spec = tinyae::reference::kIdentity838;
  constexpr tinyae::TrainConfig config = tinyae::reference::identity838_config();
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
