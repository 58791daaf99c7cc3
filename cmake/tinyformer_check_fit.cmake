# Does a firmware fit a memory profile? Reads the section sizes of a linked ELF
# (arm-none-eabi-size -A) and the limits of the profile's linker script, and
# fails with a message naming the model, the target and the bytes.
#
#   cmake -DSIZE=arm-none-eabi-size -DELF=fw.elf -DPROFILE=stm32f746
#         -DLINKER_DIR=platform/mps2-an500/ld -DMODEL=kws [-DHEADER=gen/model.h]
#         -P cmake/tinyformer_check_fit.cmake
#
# The ELF may be linked in another layout (the qemu profile): code and data are
# the same; the stack and minimum heap of PROFILE replace the ELF's.
#   flash = .text + .ARM.extab + .ARM.exidx + .init_arrays + .data (initial values)
#   SRAM  = PROFILE's stack + .data + .bss + PROFILE's minimum heap (as sections.ld)
foreach(var SIZE ELF PROFILE LINKER_DIR MODEL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "tinyformer_check_fit.cmake: -D${var}=... is required")
  endif()
endforeach()

# "1024K" -> 1048576
function(_tf_bytes text out)
  string(STRIP "${text}" text)
  if(text MATCHES "^(0x[0-9a-fA-F]+|[0-9]+)([KkMm]?)$")
    set(unit "${CMAKE_MATCH_2}")  # saved: every if(MATCHES) resets CMAKE_MATCH_*
    math(EXPR value "${CMAKE_MATCH_1}")
    if(unit MATCHES "[Kk]")
      math(EXPR value "${value} * 1024")
    elseif(unit MATCHES "[Mm]")
      math(EXPR value "${value} * 1048576")
    endif()
    set(${out} ${value} PARENT_SCOPE)
  else()
    message(FATAL_ERROR "tinyformer_check_fit.cmake: cannot read the size '${text}'")
  endif()
endfunction()

set(script ${LINKER_DIR}/${PROFILE}.ld)
if(NOT EXISTS ${script})
  message(FATAL_ERROR "tinyformer_check_fit.cmake: no linker script for profile '${PROFILE}' (${script})")
endif()
file(READ ${script} ld)
foreach(item "FLASH;FLASH[^:\n]*:[^\n]*LENGTH[ \t]*=[ \t]*([0-9xXa-fA-FKkMm]+)"
             "SRAM;SRAM[^:\n]*:[^\n]*LENGTH[ \t]*=[ \t]*([0-9xXa-fA-FKkMm]+)"
             "STACK;__stack_size[ \t]*=[ \t]*([0-9xXa-fA-FKkMm]+)"
             "HEAP;__heap_min_size[ \t]*=[ \t]*([0-9xXa-fA-FKkMm]+)")
  list(GET item 0 name)
  list(GET item 1 pattern)
  if(NOT ld MATCHES "${pattern}")
    message(FATAL_ERROR "tinyformer_check_fit.cmake: ${script} does not define ${name}")
  endif()
  _tf_bytes("${CMAKE_MATCH_1}" limit_${name})
endforeach()

execute_process(COMMAND ${SIZE} -A ${ELF} OUTPUT_VARIABLE sizes RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tinyformer_check_fit.cmake: '${SIZE} -A ${ELF}' failed (${rc})")
endif()
foreach(section text ARM.extab ARM.exidx init_arrays data bss)
  string(REPLACE "." "_" var ${section})
  set(${var} 0)
  string(REPLACE "." "\\." pattern ${section})
  if(sizes MATCHES "\n\\.${pattern}[ \t]+([0-9]+)")
    set(${var} ${CMAKE_MATCH_1})
  endif()
endforeach()
math(EXPR flash "${text} + ${ARM_extab} + ${ARM_exidx} + ${init_arrays} + ${data}")
math(EXPR sram "${limit_STACK} + ${data} + ${bss} + ${limit_HEAP}")

set(arena "")
if(DEFINED HEADER AND EXISTS ${HEADER})
  file(STRINGS ${HEADER} defines REGEX "#define [A-Z0-9_]+_(ARENA_SIZE|CONSTANT_BYTES) ")
  foreach(line IN LISTS defines)
    if(line MATCHES "_ARENA_SIZE ([0-9]+)")
      set(arena ", of which the activation arena ${CMAKE_MATCH_1}")
    elseif(line MATCHES "_CONSTANT_BYTES ([0-9]+)")
      set(constants ", of which the weights ${CMAKE_MATCH_1}")
    endif()
  endforeach()
endif()

set(flash_line "flash ${flash} of ${limit_FLASH} bytes (code + constants${constants})")
set(sram_line "SRAM ${sram} of ${limit_SRAM} bytes (stack ${limit_STACK} + data ${data} + bss ${bss}${arena} + minimum heap ${limit_HEAP})")
set(problems "")
if(flash GREATER limit_FLASH)
  math(EXPR over "${flash} - ${limit_FLASH}")
  string(APPEND problems "\n  flash: needs ${flash} bytes, ${PROFILE} has ${limit_FLASH} (over by ${over})")
endif()
if(sram GREATER limit_SRAM)
  math(EXPR over "${sram} - ${limit_SRAM}")
  string(APPEND problems "\n  SRAM: needs ${sram} bytes, ${PROFILE} has ${limit_SRAM} (over by ${over})")
endif()
if(problems)
  message(FATAL_ERROR "model '${MODEL}' does not fit target '${PROFILE}':${problems}\n"
                      "  (${flash_line}; ${sram_line})")
endif()
message(STATUS "model '${MODEL}' fits target '${PROFILE}': ${flash_line}; ${sram_line}")
