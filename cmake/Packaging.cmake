# The Debian package of backbeat (CPack's DEB generator): the binary, a hardened systemd unit,
# the default configuration and the maintainer scripts, all from packaging/. See
# docs/operations.md, "Installing the Debian package".
#
#   cmake --build build/release --target package   # builds everything, then the .deb
#   cmake --build build/release --target deb       # builds only the binary, then the .deb
#
# The install rules below describe the package's layout: the unit and the configuration go to
# absolute paths (/lib/systemd/system, /etc/backbeat) whatever the install prefix.

# A sanitizer or fuzzer build is no binary to ship.
if(BACKBEAT_SANITIZE OR BACKBEAT_FUZZ)
  return()
endif()

set(BACKBEAT_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

install(TARGETS backbeat RUNTIME DESTINATION bin)
install(FILES ${BACKBEAT_PACKAGING_DIR}/backbeat.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Root only: executor secrets (BACKBEAT_OPENAI_API_KEY, BACKBEAT_WEBHOOK_SECRET) may go in it.
# systemd reads it as root before it starts the service as the backbeat user.
install(FILES ${BACKBEAT_PACKAGING_DIR}/backbeat.env DESTINATION /etc/backbeat
        PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operations.md
        DESTINATION share/doc/backbeat
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME backbeat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "backbeat maintainers <maintainers@users.noreply.r-seed-d6ce67b1.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "durable cron scheduler for AI-agent tasks")
# The extended description: CPack puts the summary above it and indents it as control wants.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "backbeat runs prompts for AI agents on cron schedules, exactly once per slot,
across restarts and crashes, and records every run with its attempts, output
and errors. It serves an HTTP JSON API and keeps its state in one SQLite file
(PostgreSQL for several nodes). Runs go to an OpenAI-compatible endpoint, a
signed webhook or a local program; out of the box it only records what it
would have sent (dry run).

This package runs it as the systemd service backbeat.service under a
dedicated user, configured in /etc/backbeat/backbeat.env.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES TRUE)
# Shared libraries come from dpkg-shlibdeps (part of dpkg-dev, which build-essential brings).
# What it cannot see: the IANA zone files read at run time, the tools postinst uses to create
# the system user, and the CA certificates the https executors check servers against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata, adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${BACKBEAT_PACKAGING_DIR}/debian/conffiles ${BACKBEAT_PACKAGING_DIR}/debian/postinst
    ${BACKBEAT_PACKAGING_DIR}/debian/prerm ${BACKBEAT_PACKAGING_DIR}/debian/postrm)
# Maintainer scripts 0755 and conffiles 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# `package_source` is not how backbeat is shipped; keep it from sweeping up build trees.
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/" "/var/")
include(CPack)

add_custom_target(deb
  COMMAND ${CMAKE_CPACK_COMMAND} -G DEB --config ${CMAKE_BINARY_DIR}/CPackConfig.cmake
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  COMMENT "Packaging backbeat as a .deb"
  VERBATIM USES_TERMINAL)
add_dependencies(deb backbeat)
