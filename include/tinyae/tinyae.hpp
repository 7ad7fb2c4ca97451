// tinyae: train and run autoencoders on CPUs and in firmware. The core API.
#pragma once

#include "tinyae/arena.hpp"
#include "tinyae/network.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/reference_systems.hpp"
#include "tinyae/status.hpp"
#include "tinyae/train_config.hpp"
