# tinyae_add_encoder_check(<test name> <target> [<reference program>]): a test that runs
# <target> (through CMAKE_CROSSCOMPILING_EMULATOR) and checks the codes it prints with a
# program of platforms/reference (default encoder_reference: float codes "code <sample>
# <j> <hex bits>"; int8_reference: int8 codes "int8 <sample> <j> <value>"), built for
# the build machine by ExternalProject (tinyae with the host's kernels: AVX-512/AVX2 on x86).
include(ExternalProject)
set(tinyae_platforms_dir ${CMAKE_CURRENT_LIST_DIR})
set(TINYAE_HOST_REFERENCE_DIR ${PROJECT_BINARY_DIR}/host-reference)

# The ExternalProject target tinyae_host_reference, added once.
function(tinyae_host_reference_project)
  if(TARGET tinyae_host_reference)
    return()
  endif()
  ExternalProject_Add(tinyae_host_reference
    SOURCE_DIR ${tinyae_platforms_dir}/reference
    BINARY_DIR ${TINYAE_HOST_REFERENCE_DIR}
    CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release
               -DTINYAE_SOURCE_DIR=${PROJECT_SOURCE_DIR}
               -DTINYAE_WARNINGS_AS_ERRORS=${TINYAE_WARNINGS_AS_ERRORS}
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    BUILD_BYPRODUCTS ${TINYAE_HOST_REFERENCE_DIR}/encoder_reference
                     ${TINYAE_HOST_REFERENCE_DIR}/int8_reference)
endfunction()

function(tinyae_add_encoder_check name target)
  set(reference encoder_reference)
  if(ARGC GREATER 2)
    set(reference ${ARGV2})
  endif()
  tinyae_host_reference_project()
  string(REPLACE ";" "|" emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} "-DEMULATOR=${emulator}"
      -DPROGRAM=$<TARGET_FILE:${target}>
      -DREFERENCE=${TINYAE_HOST_REFERENCE_DIR}/${reference}
      -DLOG=${CMAKE_CURRENT_BINARY_DIR}/${target}.log
      -P ${tinyae_platforms_dir}/compare_with_host.cmake)
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endfunction()

# tinyae_add_int8_header(<target>): compiles the int8 case's exported C header into
# <target> as C99 (platforms/int8_encode.c, entry points in int8_encode.h). The header is
# written at build time by the host's int8_reference, which quantizes the case.
function(tinyae_add_int8_header target)
  tinyae_host_reference_project()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/int8)
  get_property(added DIRECTORY PROPERTY TINYAE_INT8_HEADER_RULE)
  if(NOT added)
    add_custom_command(OUTPUT ${dir}/fw_int8.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${TINYAE_HOST_REFERENCE_DIR}/int8_reference header ${dir}/fw_int8.h
      DEPENDS tinyae_host_reference ${TINYAE_HOST_REFERENCE_DIR}/int8_reference
      COMMENT "Quantizing the int8 case on the host and exporting its C header")
    set_source_files_properties(${tinyae_platforms_dir}/int8_encode.c PROPERTIES
      COMPILE_OPTIONS "-std=c99;-pedantic")
    set_property(DIRECTORY PROPERTY TINYAE_INT8_HEADER_RULE ON)
  endif()
  target_sources(${target} PRIVATE ${tinyae_platforms_dir}/int8_encode.c ${dir}/fw_int8.h)
  target_include_directories(${target} PRIVATE ${dir} ${tinyae_platforms_dir})
endfunction()
