# Fails if a firmware ELF contains a heap: malloc and friends, newlib's _sbrk, or
# operator new/delete. Run as: cmake -DNM=arm-none-eabi-nm -DELFS=a.elf|b.elf -P this
string(REPLACE "|" ";" elfs "${ELFS}")
set(failed FALSE)
foreach(elf IN LISTS elfs)
  execute_process(COMMAND ${NM} ${elf} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} ${elf} failed")
  endif()
  # Defined or undefined, any of these means dynamic memory.
  string(REGEX MATCHALL
    "[ \n](_?malloc|_malloc_r|_?free|_free_r|_?calloc|_calloc_r|_?realloc|_realloc_r|_sbrk|_sbrk_r|_Znw[jm][A-Za-z0-9_]*|_Zna[jm][A-Za-z0-9_]*|_Zdl[Pv][A-Za-z0-9_]*|_Zda[Pv][A-Za-z0-9_]*|__cxa_allocate_exception)\n"
    found "${symbols}")
  list(LENGTH found count)
  get_filename_component(short ${elf} NAME)
  if(count GREATER 0)
    string(REPLACE "\n" "" found "${found}")
    message("${short}: heap symbols present:${found}")
    set(failed TRUE)
  else()
    string(REGEX MATCHALL "\n" lines "${symbols}")
    list(LENGTH lines nsym)
    message("${short}: no heap symbols among ${nsym} (malloc, free, calloc, realloc, _sbrk, operator new/delete)")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "firmware links a heap")
endif()
