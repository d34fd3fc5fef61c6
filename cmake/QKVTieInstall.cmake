# The layout the Python package (python/qkvtie) finds QKVTie in, the same in
# the build tree and under an install prefix (`cmake --install build --prefix
# P`): the tools in bin/, the libraries in lib/ and, in share/qkvtie/
# config.json, where this build found LLVM and CUDA, which the package reads
# instead of assuming a path. Fixed directories (not GNUInstallDirs'
# lib/<triple>) because the package looks for them relative to bin/.
# Included after the targets it installs are defined.

set(QKVTIE_CONFIG_JSON ${CMAKE_BINARY_DIR}/share/qkvtie/config.json)
configure_file(${CMAKE_CURRENT_LIST_DIR}/config.json.in ${QKVTIE_CONFIG_JSON}
               @ONLY)

# The tools and the plugin link Debian's shared libMLIR and libLLVM, which
# are not on the loader's path: the build tree's RPATH names their directory,
# an installed copy's must as well.
set_target_properties(qkvtie-opt qkvtie-compile QKVTiePlugin PROPERTIES
  INSTALL_RPATH "${LLVM_LIBRARY_DIR}")

install(TARGETS qkvtie-opt qkvtie-compile RUNTIME DESTINATION bin)
# The GPU runtime: qkvtie-compile --target=cuda copies it beside each library
# and the package loads it for cuda_available().
install(TARGETS qkvtie_cuda_runtime LIBRARY DESTINATION lib)
install(TARGETS QKVTiePlugin LIBRARY DESTINATION lib)
install(FILES ${QKVTIE_CONFIG_JSON} DESTINATION share/qkvtie)
