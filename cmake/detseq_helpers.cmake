# detseq_library(NAME DIRS dir... LINKS lib...)
# One shared library from every .cpp below the given folders. New files are picked up on the next
# build (CONFIGURE_DEPENDS), so adding a component never means editing CMake.
function(detseq_library name)
  cmake_parse_arguments(ARG "" "" "DIRS;LINKS" ${ARGN})
  set(sources "")
  foreach(dir ${ARG_DIRS})
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.cpp)
    list(APPEND sources ${found})
  endforeach()
  if(NOT sources)
    # An empty layer still yields a library so that link lines stay the same.
    set(stub ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
    file(WRITE ${stub} "// ${name} has no sources yet\n")
    list(APPEND sources ${stub})
  endif()
  add_library(${name} ${sources})
  # Headers are included from the repository root ("core/...", "models/..."); installed under
  # include/detseq with the same layout, so a plugin's includes read the same in and out of tree.
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                                            $<INSTALL_INTERFACE:include/detseq>)
  target_link_libraries(${name} PUBLIC ${ARG_LINKS})
  set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
  detseq_use_pch(${name})
endfunction()

# The LibTorch headers cost ~18 s per translation unit; precompile them once and share the result.
function(detseq_use_pch target)
  if(NOT DETSEQ_USE_PCH)
    return()
  endif()
  if(NOT TARGET detseq_pch)
    add_library(detseq_pch STATIC ${PROJECT_SOURCE_DIR}/core/pch/pch_anchor.cpp)
    target_link_libraries(detseq_pch PUBLIC torch)
    target_precompile_headers(detseq_pch PUBLIC ${PROJECT_SOURCE_DIR}/core/pch/torch_pch.h)
  endif()
  get_target_property(kind ${target} TYPE)
  if(kind STREQUAL "EXECUTABLE")
    # The shared PCH is built with -fPIC; gcc rejects it for -fPIE objects, so compile
    # executables as PIC too (harmless, and it keeps one PCH for everything).
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM detseq_pch)
endfunction()
