// Umbrella header for rabbitmq-c 0.11 (Debian's librabbitmq-dev: headers directly in /usr/include).
#ifndef WARREN_CRABBITMQ_SHIM_H
#define WARREN_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <pthread.h>

/// `amqp_login_with_properties` is variadic, which Swift cannot call: this wrapper fixes the SASL
/// method to PLAIN with a user name and password.
static inline amqp_rpc_reply_t warren_login_plain(amqp_connection_state_t state, const char *vhost,
                                                  int channel_max, int frame_max, int heartbeat,
                                                  const amqp_table_t *client_properties,
                                                  const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, client_properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/// glibc's `pthread_setname_np` is only declared with _GNU_SOURCE, which Swift's Glibc module does not
/// define: declared here (glibc has exported it since 2.12) for naming the I/O threads.
int pthread_setname_np(pthread_t thread, const char *name);

static inline int warren_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}

#endif
