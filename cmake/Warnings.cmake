# Warnings are errors. Applied per target with atmsigd_warnings(target).
add_library(atmsigd_warnings INTERFACE)
target_compile_options(atmsigd_warnings INTERFACE
  -Wall -Wextra -Werror -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Werror=switch-enum)
# GCC 12 reports false "may be used uninitialized" inside std::variant and
# std::string moves at -O2 (GCC PR 105562/107138); it is no help here.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(atmsigd_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
