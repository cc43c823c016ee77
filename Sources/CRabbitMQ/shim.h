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
