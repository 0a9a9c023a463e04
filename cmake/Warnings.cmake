# Warnings are errors. Applied per target with atmsigd_warnings(target).
add_library(atmsigd_warnings INTERFACE)
target_compile_options(atmsigd_warnings INTERFACE
  -Wall -Wextra -Werror -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Werror=switch-enum)
