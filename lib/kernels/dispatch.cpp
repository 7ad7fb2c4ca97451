// The one place that picks the float kernels.
#include "f32_kernels.hpp"

namespace tinyae::kernels {

const F32Kernels& f32() { return kF32Scalar; }

}  // namespace tinyae::kernels
