# tinyae_add_encoder_check(<test name> <target> [<reference program> [<args>...]]): a test that runs
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
                     ${TINYAE_HOST_REFERENCE_DIR}/int8_reference
                     ${TINYAE_HOST_REFERENCE_DIR}/int8_whole_reference
                     ${TINYAE_HOST_REFERENCE_DIR}/sparse_reference)
endfunction()

function(tinyae_add_encoder_check name target)
  set(reference encoder_reference)
  if(ARGC GREATER 2)
    set(reference ${ARGV2})
  endif()
  # Further arguments go to the reference program after the log.
  set(reference_args "")
  if(ARGC GREATER 3)
    list(SUBLIST ARGV 3 -1 reference_args)
  endif()
  string(REPLACE ";" "|" reference_args "${reference_args}")
  tinyae_host_reference_project()
  string(REPLACE ";" "|" emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} "-DEMULATOR=${emulator}"
      -DPROGRAM=$<TARGET_FILE:${target}>
      -DREFERENCE=${TINYAE_HOST_REFERENCE_DIR}/${reference}
      -DLOG=${CMAKE_CURRENT_BINARY_DIR}/${target}.log
      "-DREFERENCE_ARGS=${reference_args}"
      -P ${tinyae_platforms_dir}/compare_with_host.cmake)
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endfunction()

# tinyae_host_header(<reference> <header> <comment>): a build rule, added once per
# directory, that runs "<reference> header <dir>/<header>" (a host reference program)
# into ${CMAKE_CURRENT_BINARY_DIR}/host-headers; adds the header to the caller's target
# sources through the variable host_header (its full path) and host_header_dir.
function(tinyae_host_header reference header comment)
  tinyae_host_reference_project()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/host-headers)
  get_property(added DIRECTORY PROPERTY TINYAE_HOST_HEADER_${header})
  if(NOT added)
    add_custom_command(OUTPUT ${dir}/${header}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${TINYAE_HOST_REFERENCE_DIR}/${reference} header ${dir}/${header}
      DEPENDS tinyae_host_reference ${TINYAE_HOST_REFERENCE_DIR}/${reference}
      COMMENT "${comment}")
    set_property(DIRECTORY PROPERTY TINYAE_HOST_HEADER_${header} ON)
  endif()
  set(host_header ${dir}/${header} PARENT_SCOPE)
  set(host_header_dir ${dir} PARENT_SCOPE)
endfunction()

# tinyae_add_float_header(<target>): the encoder case's seeded parameters as fw_float.h
# (a const float block and the spec, save_float_c_header), written at build time by
# the host's encoder_reference; defines TINYAE_FW_CONST_PARAMETERS for <target>.
function(tinyae_add_float_header target)
  tinyae_host_header(encoder_reference fw_float.h
    "Exporting the float encoder case's parameters as a C++ header on the host")
  target_sources(${target} PRIVATE ${host_header})
  target_include_directories(${target} PRIVATE ${host_header_dir})
  target_compile_definitions(${target} PRIVATE TINYAE_FW_CONST_PARAMETERS)
endfunction()

# tinyae_add_int8_header(<target>): compiles the int8 case's exported C header into
# <target> as C99 (platforms/int8_encode.c, entry points in int8_encode.h). The header is
# written at build time by the host's int8_reference, which quantizes the case.
function(tinyae_add_int8_header target)
  tinyae_host_header(int8_reference fw_int8.h
    "Quantizing the int8 case on the host and exporting its C header")
  set_source_files_properties(${tinyae_platforms_dir}/int8_encode.c PROPERTIES
    COMPILE_OPTIONS "-std=c99;-pedantic")
  target_sources(${target} PRIVATE ${tinyae_platforms_dir}/int8_encode.c ${host_header})
  target_include_directories(${target} PRIVATE ${host_header_dir} ${tinyae_platforms_dir})
endfunction()

# tinyae_add_int8_whole_header(<target> ae|denoise): compiles the whole int8 case's
# exported C header (fw_ae.h: mnist-dense; fw_denoise.h: mnist-conv) into <target> as
# C99 (platforms/int8_whole.c or int8_denoise.c), written at build time by the host's
# int8_whole_reference.
function(tinyae_add_int8_whole_header target which)
  if(which STREQUAL "ae")
    set(header fw_ae.h)
    set(source ${tinyae_platforms_dir}/int8_whole.c)
  else()
    set(header fw_denoise.h)
    set(source ${tinyae_platforms_dir}/int8_denoise.c)
  endif()
  tinyae_host_header(int8_whole_reference ${header}
    "Quantizing the whole int8 case ${which} on the host and exporting its C header")
  set_source_files_properties(${source} PROPERTIES COMPILE_OPTIONS "-std=c99;-pedantic;-O2")
  target_sources(${target} PRIVATE ${source} ${host_header})
  target_include_directories(${target} PRIVATE ${host_header_dir} ${tinyae_platforms_dir})
endfunction()
