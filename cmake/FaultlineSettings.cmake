# Shared compiler settings as INTERFACE targets, linked PRIVATE by every target of the project.
add_library(faultline_warnings INTERFACE)
target_compile_options(faultline_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wswitch-enum
  $<$<BOOL:${FAULTLINE_WERROR}>:-Werror>)
# -Wswitch-enum: a switch over an enum lists its cases, even with a default. Code that acts on a fault kind switches
# over faultline::FaultKind with no default at all (faults/include/faultline/fault_kinds.h), so the compiler names
# every place a new kind must extend (docs/faults.md, "Adding a fault kind").

add_library(faultline_sanitizers INTERFACE)
if(FAULTLINE_SANITIZE)
  target_compile_options(faultline_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(faultline_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(faultline_settings INTERFACE)
target_link_libraries(faultline_settings INTERFACE faultline_warnings faultline_sanitizers)
