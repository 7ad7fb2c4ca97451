// mnist-dense (DESIGN.md) on the real Fashion-MNIST from Debian's dataset-fashion-mnist.
#include <catch2/catch.hpp>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

TEST_CASE("mnist-dense reaches test MSE 0.0198 in 5 epochs on Fashion-MNIST", "[reference][mnist-dense]") {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  Matrix train;
  Matrix test;
  Status s = load_idx_images(dir + "train-images-idx3-ubyte.gz", &train);
  INFO(s.message() << " (apt-get install dataset-fashion-mnist)");
  REQUIRE(s.ok());
  REQUIRE(load_idx_images(dir + "t10k-images-idx3-ubyte.gz", &test).ok());
  REQUIRE(train.rows == 60000);

  constexpr NetworkSpec spec = reference::kMnistDense;
  constexpr TrainConfig config = reference::mnist_dense_config();
  ArenaBuffer memory;
  REQUIRE(memory.allocate(arena_bytes(spec, config)).ok());
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena()).ok());
  REQUIRE(net.fit(train.values.data(), train.rows, 784).ok());
  Metrics m;
  REQUIRE(net.evaluate(test.values.data(), test.rows, 784, &m).ok());
  INFO("test MSE " << m.mse << ", BCE " << m.bce << " (PyTorch, same set-up: 0.0188 / 0.3027)");
  CHECK(m.mse <= 0.0198);
  CHECK(m.bce < 0.31);
}
