# tinyae_add_encoder_check(<test name> <target>): a test that runs <target> (through
# CMAKE_CROSSCOMPILING_EMULATOR) and checks the codes it prints ("code <sample> <j>
# <hex bits>") with platforms/reference/encoder_reference, built for the build machine
# by ExternalProject (tinyae::core with the host's kernels: AVX-512/AVX2 on x86).
include(ExternalProject)
set(tinyae_platforms_dir ${CMAKE_CURRENT_LIST_DIR})

function(tinyae_add_encoder_check name target)
  if(NOT TARGET tinyae_host_reference)
    ExternalProject_Add(tinyae_host_reference
      SOURCE_DIR ${tinyae_platforms_dir}/reference
      BINARY_DIR ${PROJECT_BINARY_DIR}/host-reference
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release
                 -DTINYAE_SOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -DTINYAE_WARNINGS_AS_ERRORS=${TINYAE_WARNINGS_AS_ERRORS}
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      BUILD_BYPRODUCTS ${PROJECT_BINARY_DIR}/host-reference/encoder_reference)
  endif()
  string(REPLACE ";" "|" emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} "-DEMULATOR=${emulator}"
      -DPROGRAM=$<TARGET_FILE:${target}>
      -DREFERENCE=${PROJECT_BINARY_DIR}/host-reference/encoder_reference
      -DLOG=${CMAKE_CURRENT_BINARY_DIR}/${target}.log
      -P ${tinyae_platforms_dir}/compare_with_host.cmake)
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endfunction()
