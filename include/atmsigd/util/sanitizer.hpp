// Whether this build runs under AddressSanitizer (GCC's __SANITIZE_ADDRESS__,
// Clang's __has_feature(address_sanitizer)). The demon's free lists (message
// buffers, util/buffer_pool.hpp; log arguments, log/log.hpp) use the plain
// heap then, so that a use after give-back is still reported.
#pragma once

namespace atmsigd {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace atmsigd
