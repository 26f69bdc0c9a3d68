# Runs the built `ota` with ARGS and writes what it prints to OUT: how the
# build makes the man page (`ota manpage`) and the bash completion
# (`ota completion bash`) from the command's own --help texts.
# Usage: cmake -DOTA=path/to/ota -DARGS="manpage" -DOUT=ota.1 -P ota-output.cmake
execute_process(COMMAND ${OTA} ${ARGS} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "ota ${ARGS} failed: ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
