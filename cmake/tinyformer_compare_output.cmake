# Runs a generated model's program (host executable or QEMU firmware) and
# compares its "output:" line with the expected one (the host interpreter's).
#   cmake "-DCOMMAND=prog|arg|..." -DEXPECTED=expected_output.txt
#         [-DINSTRUCTION_TOLERANCE_PERCENT=10 -DINSTRUCTION_TOLERANCE_FLOOR=15000]
#         -P tinyformer_compare_output.cmake
# With INSTRUCTION_TOLERANCE_PERCENT (QEMU firmware, which counts instructions),
# the engine's estimate in EXPECTED ("estimated total: <n> instructions",
# engine/instruction_model.h) must also be within that many percent of the
# firmware's "total: <n> instructions", or within INSTRUCTION_TOLERANCE_FLOOR
# instructions (default 0) when that is larger; every layer's estimate is
# printed beside its count.
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 100)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the model program exited with ${rc}")
endif()
file(STRINGS ${EXPECTED} expected REGEX "^output:")
if(NOT out MATCHES "(^|\n)(output:[^\n]*)")
  message(FATAL_ERROR "no 'output:' line in the program's output")
endif()
set(actual "${CMAKE_MATCH_2}")
string(STRIP "${actual}" actual)
string(STRIP "${expected}" expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "output differs from the host interpreter's:\n  expected ${expected}\n  actual   ${actual}")
endif()
message(STATUS "output matches the host interpreter bit for bit")

if(NOT DEFINED INSTRUCTION_TOLERANCE_PERCENT)
  return()
endif()
if(NOT out MATCHES "(^|\n)total: ([0-9]+) instructions")
  message(FATAL_ERROR "no 'total: <n> instructions' line in the firmware's output (built without the profile hook?)")
endif()
set(measured "${CMAKE_MATCH_2}")
file(STRINGS ${EXPECTED} estimated_line REGEX "^estimated total: [0-9]+ instructions")
if(NOT estimated_line MATCHES "^estimated total: ([0-9]+) instructions")
  message(FATAL_ERROR "${EXPECTED} has no 'estimated total: <n> instructions' line")
endif()
set(estimated "${CMAKE_MATCH_1}")
# Per layer, for the log: "layer <i> <name>: measured <m>, estimated <e>".
file(STRINGS ${EXPECTED} estimated_layers REGEX "^estimated layer ")
set(table "")
foreach(line ${estimated_layers})
  if(line MATCHES "^estimated layer ([0-9]+) ([^:]+): ([0-9]+) instructions")
    set(index "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    set(layer_estimate "${CMAKE_MATCH_3}")
    if(out MATCHES "\nlayer ${index} [^:\n]+: [0-9]+ MACs, ([0-9]+) instructions")
      string(APPEND table "\n  layer ${index} ${name}: measured ${CMAKE_MATCH_1}, estimated ${layer_estimate}")
    endif()
  endif()
endforeach()
# Integer arithmetic: |estimated - measured| * 100 <= tolerance * measured.
math(EXPR difference "${estimated} - ${measured}")
if(difference LESS 0)
  math(EXPR difference "0 - ${difference}")
endif()
math(EXPR scaled_difference "${difference} * 100")
math(EXPR allowed "${measured} * ${INSTRUCTION_TOLERANCE_PERCENT}")
if(NOT DEFINED INSTRUCTION_TOLERANCE_FLOOR)
  set(INSTRUCTION_TOLERANCE_FLOOR 0)
endif()
math(EXPR floor "${INSTRUCTION_TOLERANCE_FLOOR} * 100")
if(floor GREATER allowed)
  set(allowed ${floor})
endif()
math(EXPR error_permille "(${estimated} - ${measured}) * 1000 / ${measured}")
set(summary "instructions: measured ${measured}, estimated ${estimated} (${error_permille} per mille off, tolerance ${INSTRUCTION_TOLERANCE_PERCENT}% or ${INSTRUCTION_TOLERANCE_FLOOR})${table}")
if(scaled_difference GREATER allowed)
  message(FATAL_ERROR "the instruction model misses the firmware's count: ${summary}")
endif()
message(STATUS "${summary}")
