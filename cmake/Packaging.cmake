# SPDX-License-Identifier: GPL-2.0-or-later
#
# Packages for the Wireshark this build is made against:
#   cmake --build build --target package
# gives build/smtpx_<version>+ws<major.minor>_<arch>.deb, which installs the
# plugin into that Wireshark's system plugin folder and depends on the
# libwireshark ABI package it was linked with (libwireshark16 for 4.0,
# libwireshark18 for 4.4, libwireshark19 for 4.6), and
# build/smtpx-<version>-wireshark<major.minor>-<system>.tar.gz with the same
# files relative to the prefix and an install note (share/doc/smtpx/INSTALL).
#
# Wireshark loads a plugin only for the minor release it was built for
# (plugin_want_major/minor); the version bounds below say the same to apt.

string(REGEX REPLACE "^lib(.*)\\.so\\.([0-9]+)$" "lib\\1\\2" SMTPX_EPAN_PACKAGE "${SMTPX_EPAN_SONAME}")
math(EXPR SMTPX_WS_NEXT_MINOR "${Wireshark_MINOR_VERSION} + 1")

install(FILES ${CMAKE_SOURCE_DIR}/packaging/INSTALL ${CMAKE_SOURCE_DIR}/README.md
              ${CMAKE_SOURCE_DIR}/COPYING
        DESTINATION share/doc/smtpx)

set(CPACK_PACKAGE_NAME smtpx)
set(CPACK_PACKAGE_VENDOR "SMTPX")
set(CPACK_PACKAGE_CONTACT "SMTPX developers <dev@smtpx.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "SMTP Extended Analysis: Wireshark plugin for SMTP capabilities, status codes and forged From")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_SOURCE_DIR}/COPYING")
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_PACKAGING_INSTALL_PREFIX "${SMTPX_WS_PREFIX}")
set(CPACK_PACKAGE_FILE_NAME
    "smtpx-${PROJECT_VERSION}-wireshark${SMTPX_WS_ABI}-${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_OUTPUT_FILE_PREFIX "${CMAKE_BINARY_DIR}")

set(CPACK_DEBIAN_PACKAGE_VERSION "${PROJECT_VERSION}+ws${SMTPX_WS_ABI}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "SMTP Extended Analysis for Wireshark ${SMTPX_WS_ABI}
 An epan plugin for Wireshark and tshark that keeps the built-in SMTP and IMF
 dissection and adds EHLO capability lists, explained enhanced status codes,
 command/reply matching with response times, one summary per mail transaction
 and a verdict on whether the From header is forged.")
# dpkg-shlibdeps finds GLib, libpsl, libidn2 and libwireshark; the explicit
# bounds pin the Wireshark minor release the plugin was built for.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${SMTPX_EPAN_PACKAGE} (>= ${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}.0), ${SMTPX_EPAN_PACKAGE} (<< ${Wireshark_MAJOR_VERSION}.${SMTPX_WS_NEXT_MINOR}~)")
set(CPACK_DEBIAN_PACKAGE_ENHANCES "tshark, wireshark")

include(CPack)
