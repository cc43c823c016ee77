// Umbrella header for rabbitmq-c 0.11 through 0.18.
//
// rabbitmq-c 0.13 moved its headers to <rabbitmq-c/...>; 0.15 and later keep the old top-level names
// only as forwarding files that each emit a deprecation #warning. So the new names come first, and
// the old ones (Debian 12's 0.11 puts them directly in /usr/include) only when the new ones are absent.
#ifndef WARREN_CRABBITMQ_SHIM_H
#define WARREN_CRABBITMQ_SHIM_H

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif

#include <poll.h>
#include <pthread.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

/// `amqp_login_with_properties` is variadic, which Swift cannot call: this wrapper fixes the SASL
/// method to PLAIN with a user name and password.
static inline amqp_rpc_reply_t warren_login_plain(amqp_connection_state_t state, const char *vhost,
                                                  int channel_max, int frame_max, int heartbeat,
                                                  const amqp_table_t *client_properties,
                                                  const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, client_properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// MARK: - Versions

/// The rabbitmq-c version the headers announced when this module was compiled, as `amqp_version()`
/// writes it ("0.11.0"; "-pre" appended for a development build).
static inline const char *warren_header_version(void) {
    return AMQP_VERSION_STRING;
}

/// The packed form of `warren_header_version()`, as `amqp_version_number()` returns it: one byte each
/// for major, minor and patch, then 1 for a release.
static inline uint32_t warren_header_version_number(void) {
    return AMQP_VERSION;
}

// MARK: - The system CA store

/// What `warren_ssl_socket_use_system_ca_store` returns when the system CA store cannot be used: the
/// headers, or the library loaded at run time, predate rabbitmq-c 0.14. Positive, so it is never one
/// of rabbitmq-c's status codes (0 or negative).
#define WARREN_SYSTEM_CA_STORE_UNAVAILABLE 1

/// Whether the headers are those of rabbitmq-c 0.14 or later, which added
/// `amqp_ssl_socket_enable_default_verify_paths`.
#if AMQP_VERSION_MAJOR > 0 || AMQP_VERSION_MINOR >= 14
#define WARREN_HEADERS_HAVE_SYSTEM_CA_STORE 1
#else
#define WARREN_HEADERS_HAVE_SYSTEM_CA_STORE 0
#endif

/// True when the headers are those of rabbitmq-c 0.14 or later (a function, so that Swift does not
/// see a constant and warn about the branch a build never takes).
static inline int warren_headers_have_system_ca_store(void) {
    return WARREN_HEADERS_HAVE_SYSTEM_CA_STORE;
}

/// True when `warren_ssl_socket_use_system_ca_store` can work: compiled against rabbitmq-c 0.14 or
/// later, and running with 0.14 or later.
static inline int warren_system_ca_store_available(void) {
    return warren_headers_have_system_ca_store() && amqp_version_number() >= AMQP_VERSION_CODE(0, 14, 0, 0);
}

/// Makes a TLS socket verify the broker against OpenSSL's default CA locations (the system store).
/// Returns rabbitmq-c's status (`AMQP_STATUS_OK` on success), or `WARREN_SYSTEM_CA_STORE_UNAVAILABLE`
/// without touching the socket when `warren_system_ca_store_available()` is false. The run-time check
/// matters when a binary built against 0.14+ headers loads an older library of the same soname: the
/// symbol would be missing.
static inline int warren_ssl_socket_use_system_ca_store(amqp_socket_t *socket) {
#if WARREN_HEADERS_HAVE_SYSTEM_CA_STORE
    if (!warren_system_ca_store_available()) {
        return WARREN_SYSTEM_CA_STORE_UNAVAILABLE;
    }
    return amqp_ssl_socket_enable_default_verify_paths(socket);
#else
    (void)socket;
    return WARREN_SYSTEM_CA_STORE_UNAVAILABLE;
#endif
}

// MARK: - Thread names

#if defined(__linux__)
/// glibc's `pthread_setname_np` is only declared with _GNU_SOURCE, which Swift's Glibc module does not
/// define: declared here (glibc has exported it since 2.12, musl since 1.1.16) for naming the I/O
/// threads. Darwin's own, one-argument `pthread_setname_np` comes with <pthread.h>.
int pthread_setname_np(pthread_t thread, const char *name);

static inline int warren_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}
#endif

#endif
