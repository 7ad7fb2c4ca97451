# Runs the encoder firmware under QEMU and checks its codes with the host reference.
#   cmake -DEMULATOR="qemu-system-arm|-M|...|-kernel" -DELF=... -DREFERENCE=... -DLOG=... -P this
string(REPLACE "|" ";" emulator "${EMULATOR}")
execute_process(COMMAND ${emulator} ${ELF}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 240)
file(WRITE ${LOG} "${out}${err}")   # semihosting output arrives on QEMU's stderr
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "firmware exited with ${rc}")
endif()
execute_process(COMMAND ${REFERENCE} ${LOG} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "firmware codes differ from the host's (${REFERENCE} ${LOG} exited with ${rc})")
endif()
