// Symbol visibility for the shared-library build; static builds need nothing.
#pragma once

#if defined(TINYAE_SHARED)
#if defined(TINYAE_BUILDING)
#define TINYAE_EXPORT __attribute__((visibility("default")))
#else
#define TINYAE_EXPORT
#endif
#else
#define TINYAE_EXPORT
#endif
