# Shared compiler settings as INTERFACE targets, linked PRIVATE by every target of the project.
add_library(faultline_warnings INTERFACE)
target_compile_options(faultline_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${FAULTLINE_WERROR}>:-Werror>)

# Code that acts on a fault kind switches over faultline::FaultKind without a default (faults/include/faultline/
# fault_kinds.h): -Wswitch-enum names every switch a new kind must extend. Linked by faults, scenarios and harness.
add_library(faultline_switch_enum INTERFACE)
target_compile_options(faultline_switch_enum INTERFACE -Wswitch-enum)

add_library(faultline_sanitizers INTERFACE)
if(FAULTLINE_SANITIZE)
  target_compile_options(faultline_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(faultline_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(faultline_settings INTERFACE)
target_link_libraries(faultline_settings INTERFACE faultline_warnings faultline_sanitizers)
