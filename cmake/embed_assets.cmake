# swha_embed_assets(<target> FUNCTION <name> PREFIX <url prefix> BASE_DIR <dir> FILES <file>...)
#
# Compiles FILES into a static library <target> that defines `swha::web::AssetSet <name>()`
# (declare it in src/web/assets.h, or in the test that uses it): each file is served at PREFIX
# followed by its path under BASE_DIR, with its bytes, its content type (from its extension) and
# a strong ETag, all fixed at build time by scripts/embed_assets.py. Editing a file rebuilds
# only its set. Link <target> into whatever calls <name>().
find_package(Python3 REQUIRED COMPONENTS Interpreter)

function(swha_embed_assets target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "FUNCTION;PREFIX;BASE_DIR" "FILES")
  if(NOT ARG_FUNCTION OR NOT ARG_PREFIX OR NOT ARG_BASE_DIR OR NOT ARG_FILES)
    message(FATAL_ERROR "swha_embed_assets(${target}): FUNCTION, PREFIX, BASE_DIR and FILES "
                        "are all required")
  endif()
  set(generator ${CMAKE_SOURCE_DIR}/scripts/embed_assets.py)
  set(output ${CMAKE_BINARY_DIR}/embedded/${target}.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND Python3::Interpreter ${generator} --function ${ARG_FUNCTION} --prefix ${ARG_PREFIX}
            --base-dir ${ARG_BASE_DIR} --output ${output} ${ARG_FILES}
    DEPENDS ${generator} ${ARG_FILES}
    COMMENT "Embedding ${target}: ${ARG_PREFIX}"
    VERBATIM)
  add_library(${target} STATIC ${output})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/src)
endfunction()
