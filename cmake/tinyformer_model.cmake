# Building generated models (docs/codegen.md).
#
#   tinyformer_generate_model(<target> GENERATOR <host executable target> DIRECTORY <dir>
#                             [PREFIX model] [ARGS <arg>...] [EXTRA_OUTPUTS <file>...])
#     Host builds: runs `<generator> <dir> [ARGS]` at build time (a program that calls
#     tinyformer::engine::emit_c) and names its outputs <dir>/<prefix>.c, .h,
#     _weights.c, _weights.h (+ EXTRA_OUTPUTS). <target> is a custom target to depend on.
#
#   tinyformer_add_model_host(<target> DIRECTORY <dir> [PREFIX model] [MAIN <main.c>]
#                             [DEPENDS <target>...])
#     A host executable: the generated sources (compiled with -std=c99 -Wall -Wextra
#     -Werror -pedantic and the profiling hook on) + MAIN (default firmware/model_main.c)
#     + se_runtime.
#
#   tinyformer_add_model_firmware(<target> DIRECTORY <dir> PROFILE <qemu|stm32f746|stm32h743>
#                                 [PREFIX model] [MAIN <main.c>] [MODEL_NAME <name>]
#                                 [DEPENDS <target>...])
#     Cross builds: the firmware <target>.elf (se_add_mcu_executable, cmake/mcu.cmake)
#     for the memory profile, with se_runtime and the board counter (TF_MODEL_ON_BOARD).
#     Before it links, the same code linked in the roomy `qemu` layout is measured
#     (arm-none-eabi-size) and checked against the profile's flash and SRAM
#     (cmake/tinyformer_check_fit.cmake): a model that does not fit stops the build
#     with a message naming the model, the target, the bytes needed and available.
#
# The generated files may not exist at configure time: they are marked GENERATED.

set(TF_MODEL_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(TF_MODEL_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)
# What the generated code must compile with, on every compiler.
set(TF_MODEL_C_WARNINGS -Wall -Wextra -Werror -pedantic)

function(_tinyformer_model_sources out dir prefix)
  set(sources ${dir}/${prefix}.c ${dir}/${prefix}_weights.c)
  set_source_files_properties(${sources} ${dir}/${prefix}.h ${dir}/${prefix}_weights.h PROPERTIES GENERATED TRUE)
  set(${out} ${sources} PARENT_SCOPE)
endfunction()

function(tinyformer_generate_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "GENERATOR;DIRECTORY;PREFIX" "ARGS;EXTRA_OUTPUTS")
  if(NOT ARG_GENERATOR OR NOT ARG_DIRECTORY)
    message(FATAL_ERROR "tinyformer_generate_model(${target}) needs GENERATOR and DIRECTORY")
  endif()
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX model)
  endif()
  set(outputs ${ARG_DIRECTORY}/${ARG_PREFIX}.c ${ARG_DIRECTORY}/${ARG_PREFIX}.h
      ${ARG_DIRECTORY}/${ARG_PREFIX}_weights.c ${ARG_DIRECTORY}/${ARG_PREFIX}_weights.h ${ARG_EXTRA_OUTPUTS})
  add_custom_command(OUTPUT ${outputs}
    COMMAND $<TARGET_FILE:${ARG_GENERATOR}> ${ARG_DIRECTORY} ${ARG_ARGS}
    DEPENDS ${ARG_GENERATOR}
    COMMENT "Generating C for ${target} in ${ARG_DIRECTORY}"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${outputs})
endfunction()

function(tinyformer_add_model_host target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DIRECTORY;PREFIX;MAIN" "DEPENDS")
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX model)
  endif()
  if(NOT ARG_MAIN)
    set(ARG_MAIN ${TF_MODEL_SOURCE_DIR}/firmware/model_main.c)
  endif()
  _tinyformer_model_sources(sources ${ARG_DIRECTORY} ${ARG_PREFIX})
  add_executable(${target} ${sources} ${ARG_MAIN})
  target_include_directories(${target} PRIVATE ${ARG_DIRECTORY})
  target_compile_options(${target} PRIVATE ${TF_MODEL_C_WARNINGS})
  target_compile_definitions(${target} PRIVATE MODEL_PROFILE_HOOK=model_profile_hook)
  target_link_libraries(${target} PRIVATE se_runtime)
  if(ARG_DEPENDS)
    add_dependencies(${target} ${ARG_DEPENDS})
  endif()
endfunction()

function(tinyformer_add_model_firmware target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DIRECTORY;PREFIX;MAIN;PROFILE;MODEL_NAME" "DEPENDS")
  if(NOT ARG_DIRECTORY OR NOT ARG_PROFILE)
    message(FATAL_ERROR "tinyformer_add_model_firmware(${target}) needs DIRECTORY and PROFILE")
  endif()
  if(NOT COMMAND se_add_mcu_executable)
    message(FATAL_ERROR "tinyformer_add_model_firmware(${target}): only in the Cortex-M7 cross build (cmake/mcu.cmake)")
  endif()
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX model)
  endif()
  if(NOT ARG_MAIN)
    set(ARG_MAIN ${TF_MODEL_SOURCE_DIR}/firmware/model_main.c)
  endif()
  if(NOT ARG_MODEL_NAME)
    set(ARG_MODEL_NAME ${target})
  endif()
  _tinyformer_model_sources(sources ${ARG_DIRECTORY} ${ARG_PREFIX})

  # One compile, two links: measured in the qemu layout, then linked for the profile.
  add_library(${target}_objects OBJECT ${sources} ${ARG_MAIN})
  target_include_directories(${target}_objects PRIVATE ${ARG_DIRECTORY}
    $<TARGET_PROPERTY:se_board,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_options(${target}_objects PRIVATE ${TF_MODEL_C_WARNINGS})
  target_compile_definitions(${target}_objects PRIVATE MODEL_PROFILE_HOOK=model_profile_hook TF_MODEL_ON_BOARD)
  target_link_libraries(${target}_objects PRIVATE se_runtime)
  if(ARG_DEPENDS)
    add_dependencies(${target}_objects ${ARG_DEPENDS})
  endif()

  set(check_args -DSIZE=${CMAKE_SIZE} -DPROFILE=${ARG_PROFILE} -DLINKER_DIR=${SE_BOARD_LINKER_DIR}
      -DMODEL=${ARG_MODEL_NAME} -DHEADER=${ARG_DIRECTORY}/${ARG_PREFIX}.h)
  if(ARG_PROFILE STREQUAL "qemu")
    se_add_mcu_executable(${target} PROFILE qemu SOURCES $<TARGET_OBJECTS:${target}_objects>)
    target_link_libraries(${target} PRIVATE se_runtime)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_COMMAND} ${check_args} -DELF=$<TARGET_FILE:${target}> -P ${TF_MODEL_CMAKE_DIR}/tinyformer_check_fit.cmake
      VERBATIM)
    return()
  endif()

  se_add_mcu_executable(${target}_measure PROFILE qemu SOURCES $<TARGET_OBJECTS:${target}_objects>)
  target_link_libraries(${target}_measure PRIVATE se_runtime)
  add_custom_target(${target}_fit ALL
    COMMAND ${CMAKE_COMMAND} ${check_args} -DELF=$<TARGET_FILE:${target}_measure>
            -P ${TF_MODEL_CMAKE_DIR}/tinyformer_check_fit.cmake
    DEPENDS ${target}_measure
    COMMENT "Does ${ARG_MODEL_NAME} fit ${ARG_PROFILE}?"
    VERBATIM)
  se_add_mcu_executable(${target} PROFILE ${ARG_PROFILE} SOURCES $<TARGET_OBJECTS:${target}_objects>)
  target_link_libraries(${target} PRIVATE se_runtime)
  add_dependencies(${target} ${target}_fit)
endfunction()
