# Firmware and QEMU tests for the Cortex-M7 cross build (see cmake/arm-none-eabi.cmake).
#
#   se_add_mcu_executable(<target> PROFILE <qemu|stm32f746|stm32h743> SOURCES <src>...)
#     A firmware <target>.elf linked with the board support (platform/mps2-an500) and
#     the memory profile's linker script. `qemu` uses the whole emulated board
#     (4 MiB code, 4 MiB data); `stm32f746` (1 MB flash, 320 KB SRAM) and `stm32h743`
#     (2 MB flash, 512 KB SRAM) model real parts: if the firmware does not fit, the
#     link fails. Each link prints the memory use per region and arm-none-eabi-size.
#
#   se_add_qemu_test(NAME <name> TARGET <target> [ARGS <arg>...] [TIMEOUT <s>])
#     A ctest running the firmware under QEMU with deterministic instruction
#     counting; main() receives ARGS as argv[1..]. Fails on a non-zero exit status.
#
# By hand: scripts/run-qemu.sh <firmware.elf> [args...]

find_program(TF_QEMU_SYSTEM_ARM qemu-system-arm)
if(NOT TF_QEMU_SYSTEM_ARM)
  message(WARNING "qemu-system-arm not found: firmware builds, QEMU tests will fail")
  set(TF_QEMU_SYSTEM_ARM qemu-system-arm)
endif()

# The QEMU command line every test, benchmark and script uses.
set(TF_QEMU_ARGS -M mps2-an500 -nographic -monitor none -serial none
    -semihosting-config enable=on,target=native -icount shift=0)

set(SE_MCU_PROFILES qemu stm32f746 stm32h743)

function(se_add_mcu_executable target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "PROFILE" "SOURCES")
  if(NOT ARG_PROFILE)
    set(ARG_PROFILE qemu)
  endif()
  if(NOT ARG_PROFILE IN_LIST SE_MCU_PROFILES)
    message(FATAL_ERROR "se_add_mcu_executable(${target}): unknown PROFILE '${ARG_PROFILE}' (one of: ${SE_MCU_PROFILES})")
  endif()
  set(script ${SE_BOARD_LINKER_DIR}/${ARG_PROFILE}.ld)
  add_executable(${target} ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES SUFFIX .elf LINK_DEPENDS "${script};${SE_BOARD_LINKER_DIR}/sections.ld")
  target_link_libraries(${target} PRIVATE se_board)
  target_link_options(${target} PRIVATE
    -L${SE_BOARD_LINKER_DIR} -T${script}
    -Wl,-Map=$<TARGET_FILE_DIR:${target}>/${target}.map
    -Wl,--print-memory-usage)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E echo "${target} (profile ${ARG_PROFILE}): text = code + rodata in flash, data = flash and SRAM, bss = SRAM (with the reserved stack and minimum heap)"
    COMMAND ${CMAKE_SIZE} $<TARGET_FILE:${target}>
    VERBATIM)
endfunction()

function(se_add_qemu_test)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;TARGET;TIMEOUT" "ARGS")
  if(NOT ARG_NAME OR NOT ARG_TARGET)
    message(FATAL_ERROR "se_add_qemu_test needs NAME and TARGET")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  string(JOIN " " append ${ARG_ARGS})
  add_test(NAME ${ARG_NAME}
    COMMAND ${TF_QEMU_SYSTEM_ARM} ${TF_QEMU_ARGS} -kernel $<TARGET_FILE:${ARG_TARGET}> -append "${append}")
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS qemu)
endfunction()
