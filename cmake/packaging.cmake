# install() rules and the Debian package (CPack DEB): memgate, memgatectl,
# their --help texts (and man pages when help2man is there), README.md and
# docs/, the defaults file and the systemd units. scripts/package builds it;
# scripts/package-test installs it in a clean bookworm chroot.
include(GNUInstallDirs)

install(TARGETS memgate memgatectl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# memgate --help as text (and man pages via help2man when present), made
# from the built programs; scripts/package turns this on.
option(MEMGATE_INSTALL_DOCS "Build and install memgate --help texts and man pages" OFF)
if(MEMGATE_INSTALL_DOCS)
set(_doc ${CMAKE_BINARY_DIR}/doc)
find_program(MEMGATE_HELP2MAN help2man)
set(_doc_outputs ${_doc}/memgate.txt ${_doc}/memgatectl.txt)
set(_doc_commands
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_doc}
  COMMAND sh -c "$<TARGET_FILE:memgate> --help > ${_doc}/memgate.txt"
  COMMAND sh -c "$<TARGET_FILE:memgatectl> --help > ${_doc}/memgatectl.txt")
if(MEMGATE_HELP2MAN)
  list(APPEND _doc_outputs ${_doc}/memgate.1.gz ${_doc}/memgatectl.1.gz)
  list(APPEND _doc_commands
    COMMAND ${MEMGATE_HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            --name "memcached-protocol gateway" --section 1 -o ${_doc}/memgate.1
            $<TARGET_FILE:memgate>
    COMMAND ${MEMGATE_HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            --name "command-line client of memgate's admin API" --section 1
            -o ${_doc}/memgatectl.1 $<TARGET_FILE:memgatectl>
    COMMAND gzip -9nf ${_doc}/memgate.1 ${_doc}/memgatectl.1)
endif()
add_custom_command(OUTPUT ${_doc_outputs} ${_doc_commands}
                   DEPENDS memgate memgatectl COMMENT "memgate --help as documentation" VERBATIM)
add_custom_target(memgate_docs ALL DEPENDS ${_doc_outputs})

set(_docdir ${CMAKE_INSTALL_DATADIR}/doc/memgate)
install(FILES ${_doc}/memgate.txt ${_doc}/memgatectl.txt README.md DESTINATION ${_docdir})
# The guide: README.md links to the pages of docs/, installed beside it.
install(DIRECTORY docs/ DESTINATION ${_docdir}/docs FILES_MATCHING PATTERN "*.md")
if(MEMGATE_HELP2MAN)
  install(FILES ${_doc}/memgate.1.gz ${_doc}/memgatectl.1.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
endif()
install(FILES packaging/debian/memgate.default DESTINATION /etc/default RENAME memgate)
install(FILES packaging/systemd/memgate.service packaging/systemd/memgate@.service
              packaging/systemd/memgate.socket
        DESTINATION lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "memgate maintainers <memgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "memcached-protocol gateway")
set(CPACK_PACKAGE_DESCRIPTION
    "memgate speaks the memcached text and meta protocol to clients and answers from its own\n\
memory store, Redis, or a remote gRPC backend service. Includes memgatectl, the\n\
command-line client of its admin gRPC API, and systemd units.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # memgate_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # library dependencies from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
