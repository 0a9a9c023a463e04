# Installation (cmake --install) and the Debian package (cpack -G DEB).
#
# Included once, at the END of the top-level CMakeLists.txt (after every
# target exists):   include(Packaging)
#
# Layout (prefix /usr in the package):
#   sbin/atmsigd, sbin/atmsigctl      (installed by daemon/CMakeLists.txt)
#   bin/atmsigd-kernel                the emulated kernel
#   share/man/man8/atmsigd.8[.gz], share/man/man8/atmsigctl.8[.gz],
#   share/man/man5/atmsigd.conf.5[.gz]
#   share/bash-completion/completions/atmsigctl
#   lib/systemd/system/atmsigd.service
#   share/doc/atmsigd/{README.md,LICENSE,examples/atmsigd.conf}
#
# /etc/atmsigd.conf belongs to Debian's atm-tools: we install our example under
# share/doc and no conffile at all. /usr/sbin/atmsigd and its man page are also
# atm-tools' paths: the package diverts them (dpkg-divert, the maintainer
# scripts below) instead of conflicting with atm-tools, which still provides
# ilmid, atmaddr, atmarpd and the rest. See README.md, "Install".
include_guard(GLOBAL)
include(GNUInstallDirs)

get_filename_component(ATMSIGD_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(ATMSIGD_SYSTEMD_UNITDIR "lib/systemd/system"
    CACHE STRING "Where the systemd unit is installed (relative: under the prefix)")
set(ATMSIGD_PACKAGE_NAME "atmsigd-ng" CACHE STRING "Name of the Debian package")
set(ATMSIGD_PACKAGE_MAINTAINER "atmsigd maintainers <maintainers@atmsigd.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(ATMSIGD_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/atmsigd")

# --- binaries --------------------------------------------------------------
# atmsigd itself has its install() rule next to its target (daemon/); the
# package test checks that it is there.
if(TARGET atmsigd-kernel)
  install(TARGETS atmsigd-kernel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# --- man pages (gzipped when gzip is there, as Debian ships them) ----------
find_program(ATMSIGD_GZIP gzip)
set(_atmsigd_man_pages "atmsigd.8" "atmsigd.conf.5" "atmsigctl.8")
set(_atmsigd_man_outputs "")
foreach(page IN LISTS _atmsigd_man_pages)
  string(REGEX MATCH "[0-9]$" _section "${page}")
  set(_src "${ATMSIGD_ROOT}/docs/${page}")
  if(ATMSIGD_GZIP)
    set(_gz "${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz")
    add_custom_command(
      OUTPUT "${_gz}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/man"
      COMMAND "${ATMSIGD_GZIP}" -9 -n -c "${_src}" > "${_gz}"
      DEPENDS "${_src}"
      COMMENT "Compressing man page ${page}"
      VERBATIM)
    list(APPEND _atmsigd_man_outputs "${_gz}")
    install(FILES "${_gz}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${_section}")
  else()
    install(FILES "${_src}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${_section}")
  endif()
endforeach()
if(_atmsigd_man_outputs)
  add_custom_target(atmsigd_man ALL DEPENDS ${_atmsigd_man_outputs})
endif()

# --- unit, example configuration, documentation ----------------------------
install(FILES "${ATMSIGD_ROOT}/conf/atmsigd.service" DESTINATION "${ATMSIGD_SYSTEMD_UNITDIR}")
install(FILES "${ATMSIGD_ROOT}/conf/atmsigd.conf" DESTINATION "${ATMSIGD_DOCDIR}/examples")
# atmsigctl's completion, where bash-completion loads it on demand.
install(FILES "${ATMSIGD_ROOT}/conf/atmsigctl.bash-completion"
        DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions" RENAME atmsigctl)
install(FILES "${ATMSIGD_ROOT}/README.md" "${ATMSIGD_ROOT}/LICENSE" DESTINATION "${ATMSIGD_DOCDIR}")

# --- maintainer scripts ----------------------------------------------------
# Divert atm-tools' atmsigd and its man page for as long as this package is
# installed (the original stays runnable as atmsigd.atm-tools); reload systemd
# so it sees the unit. The service is not enabled: kernel mode is of little use
# on today's kernels (docs/kernel.md), the kernel-less mode needs arguments.
set(_atmsigd_debian_dir "${CMAKE_CURRENT_BINARY_DIR}/debian-scripts")
set(_atmsigd_diversions
    "/usr/sbin/atmsigd /usr/sbin/atmsigd.atm-tools"
    "/usr/share/man/man8/atmsigd.8.gz /usr/share/man/man8/atmsigd.atm-tools.8.gz")
set(_div_add "")
set(_div_remove "")
foreach(d IN LISTS _atmsigd_diversions)
  string(REPLACE " " ";" _pair "${d}")
  list(GET _pair 0 _file)
  list(GET _pair 1 _to)
  string(APPEND _div_add
         "  dpkg-divert --package ${ATMSIGD_PACKAGE_NAME} --add --rename --divert ${_to} ${_file}\n")
  string(APPEND _div_remove
         "  dpkg-divert --package ${ATMSIGD_PACKAGE_NAME} --remove --rename --divert ${_to} ${_file}\n")
endforeach()

file(WRITE "${_atmsigd_debian_dir}/preinst" "#!/bin/sh
set -e
case \"$1\" in
install|upgrade)
${_div_add}  ;;
esac
exit 0
")
file(WRITE "${_atmsigd_debian_dir}/postinst" "#!/bin/sh
set -e
if [ \"$1\" = configure ] && [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null 2>&1 || true
fi
exit 0
")
file(WRITE "${_atmsigd_debian_dir}/prerm" "#!/bin/sh
set -e
if [ \"$1\" = remove ] && [ -d /run/systemd/system ]; then
  systemctl --system stop atmsigd.service >/dev/null 2>&1 || true
fi
exit 0
")
file(WRITE "${_atmsigd_debian_dir}/postrm" "#!/bin/sh
set -e
case \"$1\" in
remove|purge|abort-install|disappear)
${_div_remove}  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || true
  fi
  ;;
esac
exit 0
")
foreach(s preinst postinst prerm postrm)
  file(CHMOD "${_atmsigd_debian_dir}/${s}" FILE_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

# --- CPack -----------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "${ATMSIGD_PACKAGE_NAME}")
set(CPACK_PACKAGE_VENDOR "atmsigd")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${ATMSIGD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ATM signaling demon (Q.2931/UNI over SAAL), drop-in for atmsigd")
set(CPACK_PACKAGE_DESCRIPTION
    "A C++20 drop-in replacement for the Linux ATM signaling demon atmsigd of
atm-tools (linux-atm 2.5.1): the same options and atmsigd.conf, a unix-socket
mode towards the user of signaling and SSCOP over UDP for machines without
ATM hardware, a systemd unit (Type=notify) and a pcap capture of the
signaling link. It diverts atm-tools' /usr/sbin/atmsigd while installed.")
set(CPACK_RESOURCE_FILE_LICENSE "${ATMSIGD_ROOT}/LICENSE")
set(CPACK_RESOURCE_FILE_README "${ATMSIGD_ROOT}/README.md")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build/" "/\\.cache/" "~$")

set(CPACK_DEBIAN_PACKAGE_NAME "${ATMSIGD_PACKAGE_NAME}")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ATMSIGD_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libsystemd0 is not linked (issue 13, idle RSS): the journal sink loads it
# with dlopen() when systemd connects stderr to the journal, and without it
# the demon writes text to stderr, which the journal takes too (no
# priorities). dpkg-shlibdeps cannot see a dlopen'ed library, so it is named
# here; Recommends, not Depends: the demon works without it, and on any
# systemd machine it is installed anyway (systemd depends on it).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libsystemd0")
# ilmid/atmaddr (local addresses) and qos(7)/sap(7) come with atm-tools.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "atm-tools")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_atmsigd_debian_dir}/preinst;${_atmsigd_debian_dir}/postinst;${_atmsigd_debian_dir}/prerm;${_atmsigd_debian_dir}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
