# Installs the tree into a scratch prefix, then builds a consumer against it twice:
# once through pkg-config and once through find_package(pcpu).
file(REMOVE_RECURSE ${WORK})
set(PREFIX ${WORK}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(hdr kcpuset.h pcpu.h counter.h zpcpu.h kvm.h upmap.h)
  if(NOT EXISTS ${PREFIX}/include/pcpu/${hdr})
    message(FATAL_ERROR "installed tree lacks include/pcpu/${hdr}")
  endif()
endforeach()

# Every documented name finds its page, as `man kvm_geterr` does on FreeBSD.
foreach(link man3/kvm_geterr.3 man3/kcpuset_create.3 man3/ukp_getpid.3 man4/kpmap.4)
  if(NOT EXISTS ${PREFIX}/share/man/${link})
    message(FATAL_ERROR "installed tree lacks share/man/${link}")
  endif()
endforeach()

# The installed programs run as they are: their RUNPATH finds the installed libpcpu.so.
foreach(prog bin/pcpu sbin/kpmapd)
  get_filename_component(name ${prog} NAME)
  execute_process(COMMAND env -u LD_LIBRARY_PATH ${PREFIX}/${prog} --version
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc OR NOT out MATCHES "^${name} [0-9]+\\.[0-9]+\\.[0-9]+$")
    message(FATAL_ERROR "installed ${prog} --version: rc ${rc}, out '${out}', err '${err}'")
  endif()
endforeach()

file(GLOB pcdir ${PREFIX}/lib*/pkgconfig ${PREFIX}/lib/*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND pkg-config --cflags --libs --static pcpu
  RESULT_VARIABLE rc OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc)
  message(FATAL_ERROR "pkg-config does not know pcpu")
endif()
separate_arguments(flags)
execute_process(COMMAND cc ${SRC}/tests/build/consumer/consumer.c ${flags} -Wl,-rpath,${PREFIX}/lib
  -o ${WORK}/consumer_pc RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer does not build with pkg-config flags")
endif()
execute_process(COMMAND ${WORK}/consumer_pc RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer built with pkg-config did not run: ${rc}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/tests/build/consumer -B ${WORK}/cmake
  -DCMAKE_PREFIX_PATH=${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "find_package(pcpu) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/cmake RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "consumer does not build with find_package(pcpu)")
endif()
execute_process(COMMAND ${WORK}/cmake/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer built with find_package(pcpu) did not run: ${rc}")
endif()
