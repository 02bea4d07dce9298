# pcpu_add_test(NAME name SOURCES a.c ... [LABELS concurrency ...] [LIBS ...])
# One Criterion executable per test file; CTest runs each as one test. The label
# "concurrency" marks the tests that the ThreadSanitizer build runs. Under TSan those
# compile against tests/tsan/criterion/criterion.h (see there why) instead of Criterion,
# and so do they in a build for a target that has no Criterion (PCPU_CRITERION_SHIM, the
# aarch64 cross build that runs under qemu-user).
if(PCPU_SANITIZE STREQUAL "thread" OR PCPU_CRITERION_SHIM)
  set(PCPU_TEST_SHIM ON)
else()
  set(PCPU_TEST_SHIM OFF)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
endif()

if(PCPU_TEST_SHIM)
  add_library(pcpu_tsan_runner STATIC ${PROJECT_SOURCE_DIR}/tests/tsan/runner.c)
  target_include_directories(pcpu_tsan_runner PUBLIC ${PROJECT_SOURCE_DIR}/tests/tsan)
endif()

function(pcpu_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(test_${T_NAME} ${T_SOURCES})
  target_include_directories(test_${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(test_${T_NAME} PRIVATE _GNU_SOURCE)
  if(PCPU_TEST_SHIM)
    if(NOT "concurrency" IN_LIST T_LABELS)
      set_target_properties(test_${T_NAME} PROPERTIES EXCLUDE_FROM_ALL ON)
      return()
    endif()
    target_include_directories(test_${T_NAME} BEFORE PRIVATE ${PROJECT_SOURCE_DIR}/tests/tsan)
    target_link_libraries(test_${T_NAME} PRIVATE pcpu_static pcpu_test_common pcpu_tsan_runner ${T_LIBS})
    add_test(NAME ${T_NAME} COMMAND test_${T_NAME})
  else()
    target_link_libraries(test_${T_NAME} PRIVATE pcpu_static pcpu_test_common PkgConfig::CRITERION ${T_LIBS})
    # --jobs 2 matches the 2-core CI machine.
    add_test(NAME ${T_NAME} COMMAND test_${T_NAME} --jobs 2 --ascii)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}"
    ENVIRONMENT "PCPU_TEST_BINDIR=${CMAKE_BINARY_DIR}")
endfunction()

# pcpu_test_in_every_mode(name): test name again in each other add mode (rseq with our own
# area, atomic); PCPU_EXPECT_MODE lets the test check that the mode really is the one
# asked for. ThreadSanitizer builds have no rseq (<pcpu/percpu_add.h>) and qemu-user has
# none either, so there every mode is "atomic"; only concurrency tests exist there.
function(pcpu_test_in_every_mode name)
  if(NOT TEST ${name})
    return()
  endif()
  get_test_property(${name} LABELS labels)
  foreach(mode rseq-own atomic)
    set(expect ${mode})
    set(args --jobs 2)
    if(mode STREQUAL "rseq-own")
      set(env "GLIBC_TUNABLES=glibc.pthread.rseq=0")
    else()
      set(env "PCPU_RSEQ=0")
    endif()
    if(PCPU_TEST_SHIM)
      set(expect atomic)
      set(args)
    endif()
    add_test(NAME ${name}_${mode} COMMAND test_${name} ${args})
    set_tests_properties(${name}_${mode} PROPERTIES TIMEOUT 600 LABELS "${labels}"
      ENVIRONMENT "${env};PCPU_EXPECT_MODE=${expect};PCPU_TEST_BINDIR=${CMAKE_BINARY_DIR}")
  endforeach()
endfunction()
