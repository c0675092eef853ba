# gtest_discover_tests(T PROPERTIES LABELS "a;b" TIMEOUT n) loses the list: CMake flattens it into the property pairs,
# so the tests get label "a" only, and "b" and every property after it are dropped (CMake 3.25). This sets all of
# LABELS on the tests discovered from TARGET when ctest reads them (after the discovered tests' own file).
function(faultline_gtest_labels target)
  set(file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  file(WRITE ${file} "set_tests_properties(\${${target}_TESTS} PROPERTIES LABELS \"${ARGN}\")\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${file})
endfunction()
