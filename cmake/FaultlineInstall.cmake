# Install rules and the Debian package. The installed tree is the layout harness/include/faultline/harness/layout.h
# describes; the build tree mirrors its share/ part with links into the source tree, so one lookup serves both.
#
#   <prefix>/bin/faultline, <prefix>/bin/walkv
#   <prefix>/lib/faultline/libfaultfs.so, <prefix>/lib/faultline/walkv-planted (selftest's engine)
#   <prefix>/share/faultline/scenarios/*.json, <prefix>/share/faultline/profiles/*.json
#   <prefix>/share/doc/faultline/ (README, ARCHITECTURE, docs/*.md, report.schema.json)
include(GNUInstallDirs)

# The build tree's share/: links, made at configure time, so `build/<preset>/bin/faultline` finds the scenarios.
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/faultline)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scenarios ${CMAKE_BINARY_DIR}/share/faultline/scenarios SYMBOLIC)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scenarios/profiles ${CMAKE_BINARY_DIR}/share/faultline/profiles SYMBOLIC)

set(FAULTLINE_INSTALL_LIBEXECDIR ${CMAKE_INSTALL_LIBDIR}/faultline)
install(TARGETS faultline walkv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS faultfs LIBRARY DESTINATION ${FAULTLINE_INSTALL_LIBEXECDIR})
if(TARGET walkv-planted)
  install(TARGETS walkv-planted RUNTIME DESTINATION ${FAULTLINE_INSTALL_LIBEXECDIR})
endif()
file(GLOB FAULTLINE_SCENARIO_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.json)
file(GLOB FAULTLINE_PROFILE_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/profiles/*.json)
install(FILES ${FAULTLINE_SCENARIO_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/faultline/scenarios)
install(FILES ${FAULTLINE_PROFILE_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/faultline/profiles)
# The large workloads (docs/faults.md, "Workloads"): not part of `--scenario all`; run with --scenario-dir.
file(GLOB FAULTLINE_LARGE_SCENARIO_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/large/*.json)
install(FILES ${FAULTLINE_LARGE_SCENARIO_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/faultline/scenarios/large)
install(FILES README.md ARCHITECTURE.md reports/report.schema.json DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian wants the changelog compressed with gzip -9n (no name or time stamp, so the package is reproducible).
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/changelog > ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/changelog VERBATIM)
add_custom_target(faultline_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The shim is preloaded by path, never linked against: no SONAME, so the package needs no ldconfig scripts.
set_target_properties(faultfs PROPERTIES NO_SONAME ON)

# `cpack -G DEB` in the build directory: faultline_<version>_amd64.deb, installed under /usr, with Depends computed
# by dpkg-shlibdeps from the programs' shared libraries.
set(CPACK_PACKAGE_NAME faultline)
set(CPACK_PACKAGE_VENDOR "The Faultline developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "crash-testing harness for storage engines")
set(CPACK_PACKAGE_DESCRIPTION "Faultline drives a seeded workload into a storage engine running as a child
process, injects storage faults through an LD_PRELOAD shim (torn writes, bit flips,
short writes, I/O errors, power loss), restarts the engine and checks that recovery
kept every acknowledged write and served no value that was never written. It ships
walkv, a small write-ahead-log key-value engine, and writes JSON, JUnit and GitHub
reports.")
set(CPACK_PACKAGE_CONTACT "The Faultline developers <faultline@example.org>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
