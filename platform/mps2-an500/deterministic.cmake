# ctest qemu.board.deterministic: runs a firmware twice under QEMU -icount and
# requires byte-identical output (instruction counts included).
#   cmake -DQEMU=... -DELF=... -DARGS="..." -P deterministic.cmake
separate_arguments(qemu_args UNIX_COMMAND "${QEMU_ARGS}")
foreach(run 1 2)
  execute_process(COMMAND ${QEMU} ${qemu_args} -kernel ${ELF} -append "${ARGS}"
    OUTPUT_VARIABLE out${run} RESULT_VARIABLE rc${run} TIMEOUT 60)
  if(NOT rc${run} EQUAL 0)
    message(FATAL_ERROR "run ${run} exited with ${rc${run}}:\n${out${run}}")
  endif()
endforeach()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "two runs differ:\n--- run 1\n${out1}\n--- run 2\n${out2}")
endif()
message(STATUS "two runs are identical:\n${out1}")
