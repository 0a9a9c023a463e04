// The index of alternative T in std::variant V, at compile time: a switch on
// an action's index() names its cases with it (issue 13: one switch instead
// of a chain of get_ifs, each testing the index again).
#pragma once

#include <cstddef>
#include <type_traits>
#include <variant>

namespace atmsigd {

template <class T, class V, std::size_t I = 0>
consteval std::size_t index_in() {
  static_assert(I < std::variant_size_v<V>, "T is not an alternative of V");
  if constexpr (std::is_same_v<std::variant_alternative_t<I, V>, T>)
    return I;
  else
    return index_in<T, V, I + 1>();
}

}  // namespace atmsigd
