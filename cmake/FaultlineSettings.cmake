# Shared compiler settings as INTERFACE targets, linked PRIVATE by every target of the project.
add_library(faultline_warnings INTERFACE)
target_compile_options(faultline_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${FAULTLINE_WERROR}>:-Werror>)

add_library(faultline_sanitizers INTERFACE)
if(FAULTLINE_SANITIZE)
  target_compile_options(faultline_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(faultline_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(faultline_settings INTERFACE)
target_link_libraries(faultline_settings INTERFACE faultline_warnings faultline_sanitizers)
