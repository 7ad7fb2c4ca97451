# Runs an encoder program (firmware or cross-built) under its emulator and checks the
# codes it prints with the host reference (platforms/reference/encoder_reference).
#   cmake -DEMULATOR="qemu-system-arm|-M|...|-kernel" -DPROGRAM=... -DREFERENCE=... -DLOG=...
#         [-DREFERENCE_ARGS="a|b"] -P this
string(REPLACE "|" ";" emulator "${EMULATOR}")
# In the program's folder: the training firmware opens its data file by a relative name.
get_filename_component(program_dir "${PROGRAM}" DIRECTORY)
execute_process(COMMAND ${emulator} ${PROGRAM} WORKING_DIRECTORY "${program_dir}"
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 240)
file(WRITE ${LOG} "${out}${err}")   # semihosting output arrives on QEMU's stderr
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "program exited with ${rc}")
endif()
string(REPLACE "|" ";" reference_args "${REFERENCE_ARGS}")
execute_process(COMMAND ${REFERENCE} ${LOG} ${reference_args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "codes differ from the host's (${REFERENCE} ${LOG} exited with ${rc})")
endif()
