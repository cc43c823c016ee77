/*
 * rmqbench: the raw rabbitmq-c 0.11 baseline for Warren's benchmarks (docs/benchmarks.md).
 *
 * It does the same broker work as WarrenBenchmarks, with the most direct use of the library on one
 * thread (blocking calls, no I/O thread, no promises), and prints the same JSON lines, so that
 * scripts/bench.sh can report Warren / C ratios measured side by side.
 *
 *   rmqbench publish  --url URL --count N --size B [--confirm-window W | --no-confirm] [--task-shaped]
 *   rmqbench consume  --url URL --count N --size B --prefetch P [--ack-every K] [--task-shaped | --queue Q]
 *   rmqbench latency  --url URL --count N --size B --rate R [--task-shaped] [--confirm]
 *
 * publish: persistent messages (delivery mode 2) to a durable queue through the default exchange.
 *   With confirms, at most W publishes wait for basic.ack at once (a sliding window); per-message
 *   latency is publish -> confirm. Without confirms, a tight basic.publish loop. --task-shaped sends
 *   what a Warren TaskProducer sends instead of delivery mode alone: mandatory, content type and
 *   encoding, a 36-character message id (one per message), timestamp, type, and the
 *   x-warren-publish-seq header (docs/wire-format.md), so that the broker's share of an enqueue is
 *   measured without Warren.
 * consume: a separate connection first fills the queue with N persistent messages (untimed; task-shaped
 *   ones with --task-shaped; or --queue Q consumes an already filled queue and keeps it), then
 *   basic.qos(P) + basic.consume with manual acks; ack each message, or with K > 1 one
 *   basic.ack(multiple) every K messages. Timed from basic.consume to the last ack written.
 * latency: a publisher thread sends N messages at R per second on one connection; the main thread
 *   consumes on another (prefetch 256, acks each) and records receive time - send time
 *   (CLOCK_MONOTONIC carried in the body, taken just before basic.publish). --task-shaped sends a
 *   task's properties as publish does; with --confirm the publisher's channel is in confirm mode and
 *   the thread waits for each message's basic.ack before it sleeps until the next one is due: what a
 *   TaskProducer asks of the broker for each task (Warren's latency --layer worker), without Warren.
 *
 * Every queue is named rmqbench-<pid>-<n>, declared with x-expires (10 min, a safety net) and deleted at
 * the end. Build: make -C Benchmarks/c (-> Benchmarks/c/build/rmqbench) (gcc -O2 ... -lrabbitmq -lpthread).
 */
#define _GNU_SOURCE
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *opt_url = NULL;
static long opt_count = 10000;
static long opt_size = 100;
static long opt_window = 256; /* 0 = no confirms */
static long opt_prefetch = 256;
static long opt_ack_every = 1;
static double opt_rate = 100;
static const char *opt_name = NULL;
static const char *opt_queue = NULL; /* consume: an already filled queue (kept) */
static int opt_task_shaped = 0;      /* publish, consume's fill, latency: Warren task properties, mandatory */
static int opt_confirm = 0;          /* latency: the publisher waits for each basic.ack */
static char queue_name[128];

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "rmqbench: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(2);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long value = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

static void reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return;
    fputs("5", f);
    fclose(f);
}

static void check_reply(amqp_rpc_reply_t reply, const char *what) {
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return;
    case AMQP_RESPONSE_NONE:
        die("%s: missing RPC reply", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        die("%s: %s", what, amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD || reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = (amqp_channel_close_t *)reply.reply.decoded;
            die("%s: server error %u %.*s", what, m->reply_code, (int)m->reply_text.len, (char *)m->reply_text.bytes);
        }
        die("%s: server exception, method %08x", what, reply.reply.id);
    }
}

static void check_status(int status, const char *what) {
    if (status != AMQP_STATUS_OK) die("%s: %s", what, amqp_error_string2(status));
}

static amqp_connection_state_t open_connection(void) {
    char *url = strdup(opt_url);
    struct amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (amqp_parse_url(url, &info) != AMQP_STATUS_OK) die("cannot parse URL %s", opt_url);
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (!socket) die("cannot create a socket");
    check_status(amqp_socket_open(socket, info.host, info.port), "connect");
    /* The same settings as Warren's defaults: channel_max 2047, frame_max 131072, heartbeat 30 s. */
    check_reply(amqp_login(conn, info.vhost, 2047, 131072, 30, AMQP_SASL_METHOD_PLAIN, info.user, info.password),
                "login");
    free(url);
    return conn;
}

static void open_channel(amqp_connection_state_t conn, amqp_channel_t channel) {
    amqp_channel_open(conn, channel);
    check_reply(amqp_get_rpc_reply(conn), "channel.open");
}

static void close_connection(amqp_connection_state_t conn) {
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

static void declare_queue(amqp_connection_state_t conn, amqp_channel_t channel) {
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes("x-expires");
    entry.value.kind = AMQP_FIELD_KIND_I32;
    entry.value.value.i32 = 600000;
    amqp_table_t arguments = {.num_entries = 1, .entries = &entry};
    amqp_queue_declare(conn, channel, amqp_cstring_bytes(queue_name), 0, 1, 0, 0, arguments);
    check_reply(amqp_get_rpc_reply(conn), "queue.declare");
}

static void delete_queue(void) {
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    amqp_queue_delete(conn, 1, amqp_cstring_bytes(queue_name), 0, 0);
    check_reply(amqp_get_rpc_reply(conn), "queue.delete");
    close_connection(conn);
}

/* ---- percentiles and output ---- */

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Latencies are kept in units of 100 ns. */
static void print_result(const char *bench, const char *params, long count, double seconds, uint32_t *lat, long nlat,
                         const char *extra) {
    char latency[256] = "null";
    if (lat && nlat > 0) {
        qsort(lat, (size_t)nlat, sizeof *lat, compare_u32);
#define PCT(p) (lat[(long)((double)(nlat - 1) * (p) + 0.5)] / 10.0)
        snprintf(latency, sizeof latency, "{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f,\"samples\":%ld}",
                 PCT(0.50), PCT(0.90), PCT(0.99), lat[nlat - 1] / 10.0, nlat);
#undef PCT
    }
    printf("{\"tool\":\"c\",\"name\":\"%s\",\"bench\":\"%s\",\"params\":{%s},\"count\":%ld,\"seconds\":%.4f,"
           "\"msgs_per_s\":%.1f,\"latency_us\":%s,\"peak_rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld%s%s}\n",
           opt_name ? opt_name : bench, bench, params, count, seconds, seconds > 0 ? count / seconds : 0.0, latency,
           status_kb("VmHWM"), status_kb("RssAnon"), status_kb("RssFile"), extra ? "," : "", extra ? extra : "");
    fflush(stdout);
}

static uint32_t to_units(uint64_t ns) {
    uint64_t u = ns / 100;
    return u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
}

/* ---- publishing ---- */

/* The properties of the messages rmqbench publishes: delivery mode 2 alone or, with --task-shaped,
 * those of a Warren task (docs/wire-format.md) and the mandatory flag. props points into the struct
 * (message id, header table): set it up in place with message_shape_init and never copy it. */
struct message_shape {
    amqp_basic_properties_t props;
    int mandatory;
    amqp_table_entry_t sequence_header;
    char message_id[48];
};

/* With --task-shaped, gives the next message its own 36-character message id and its
 * x-warren-publish-seq header (`seq`, 1-based), as a TaskProducer does for each task. */
static void message_shape_number(struct message_shape *shape, long seq) {
    if (!opt_task_shaped) return;
    int length = snprintf(shape->message_id, sizeof shape->message_id, "6f1c2a4e-0b7d-4c3e-9a5f-%012ld", seq);
    shape->props.message_id = (amqp_bytes_t){.len = (size_t)length, .bytes = shape->message_id};
    shape->sequence_header.value.value.i64 = seq;
}

/* Sets up `shape` in place for the messages of this run (see struct message_shape). */
static void message_shape_init(struct message_shape *shape) {
    memset(shape, 0, sizeof *shape);
    amqp_basic_properties_t *props = &shape->props;
    props->_flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props->delivery_mode = 2;
    if (!opt_task_shaped) return;
    shape->mandatory = 1;
    props->_flags |= AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                     AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_HEADERS_FLAG;
    props->content_type = amqp_cstring_bytes("application/json");
    props->content_encoding = amqp_cstring_bytes("utf-8");
    props->type = amqp_cstring_bytes("warren-bench.noop");
    props->timestamp = (uint64_t)time(NULL);
    shape->sequence_header.key = amqp_cstring_bytes("x-warren-publish-seq");
    shape->sequence_header.value.kind = AMQP_FIELD_KIND_I64;
    props->headers.num_entries = 1;
    props->headers.entries = &shape->sequence_header;
    message_shape_number(shape, 1);
}

/* Publishes `body` as a message of `shape` to the benchmark queue through the default exchange. */
static void publish_message(amqp_connection_state_t conn, amqp_channel_t channel, const struct message_shape *shape,
                            amqp_bytes_t body) {
    check_status(amqp_basic_publish(conn, channel, amqp_empty_bytes, amqp_cstring_bytes(queue_name), shape->mandatory,
                                    0, &shape->props, body),
                 "basic.publish");
}

/* Puts `channel` in confirm mode. */
static void select_confirms(amqp_connection_state_t conn, amqp_channel_t channel) {
    amqp_confirm_select(conn, channel);
    check_reply(amqp_get_rpc_reply(conn), "confirm.select");
}

/* Reads frames until the next basic.ack and returns it (a copy: the frame's memory is released);
 * dies on a nack, a returned mandatory publish, or the channel or connection closing. */
static amqp_basic_ack_t next_confirm(amqp_connection_state_t conn) {
    for (;;) {
        amqp_frame_t frame;
        check_status(amqp_simple_wait_frame(conn, &frame), "waiting for confirms");
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        amqp_method_number_t id = frame.payload.method.id;
        if (id == AMQP_BASIC_NACK_METHOD) die("the broker nacked a publish");
        if (id == AMQP_BASIC_RETURN_METHOD) die("the broker returned a mandatory publish");
        if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD)
            die("the broker closed the channel while publishing");
        if (id != AMQP_BASIC_ACK_METHOD) continue;
        amqp_basic_ack_t ack = *(amqp_basic_ack_t *)frame.payload.method.decoded;
        amqp_maybe_release_buffers(conn);
        return ack;
    }
}

/* Waits for the confirm of publish `seq` (1-based) when it is the only one unconfirmed. */
static void await_confirm(amqp_connection_state_t conn, long seq) {
    while ((long)next_confirm(conn).delivery_tag < seq) {
    }
}

/* Publishes `count` messages on `channel` (already in confirm mode when window > 0) with at most
 * `window` unconfirmed at once. Fills lat[seq-1] with publish -> confirm times when lat is given. */
static void publish_messages(amqp_connection_state_t conn, amqp_channel_t channel, long count, long window,
                             uint32_t *lat) {
    char *body = malloc((size_t)opt_size + 8);
    memset(body, 'a', (size_t)opt_size + 8);
    amqp_bytes_t payload = {.len = (size_t)opt_size, .bytes = body};
    struct message_shape shape;
    message_shape_init(&shape);

    if (window <= 0) {
        for (long i = 0; i < count; i++) {
            message_shape_number(&shape, i + 1);
            publish_message(conn, channel, &shape, payload);
        }
        free(body);
        return;
    }
    uint64_t *sent = lat ? malloc(sizeof(uint64_t) * (size_t)count) : NULL;
    unsigned char *acked = calloc((size_t)count + 2, 1); /* for single (non-multiple) acks out of order */
    long published = 0, confirmed = 0;                   /* sequence numbers are 1-based: published = last sent */
    while (confirmed < count) {
        while (published < count && published - confirmed < window) {
            if (sent) sent[published] = now_ns();
            message_shape_number(&shape, published + 1);
            publish_message(conn, channel, &shape, payload);
            published++;
        }
        amqp_basic_ack_t ack = next_confirm(conn);
        uint64_t now = sent ? now_ns() : 0;
        long tag = (long)ack.delivery_tag;
        if (ack.multiple) {
            for (long s = confirmed + 1; s <= tag; s++) acked[s] = 1;
        } else if (tag > 0 && tag <= count) {
            acked[tag] = 1;
        }
        while (confirmed < count && acked[confirmed + 1]) {
            confirmed++;
            if (sent) lat[confirmed - 1] = to_units(now - sent[confirmed - 1]);
        }
    }
    free(acked);
    free(sent);
    free(body);
}

static void run_publish(void) {
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    declare_queue(conn, 1);
    if (opt_window > 0) select_confirms(conn, 1);
    uint32_t *lat = opt_window > 0 ? malloc(sizeof(uint32_t) * (size_t)opt_count) : NULL;
    uint64_t start = now_ns();
    publish_messages(conn, 1, opt_count, opt_window, lat);
    double seconds = (now_ns() - start) / 1e9;
    close_connection(conn);
    char params[256];
    if (opt_window > 0)
        snprintf(params, sizeof params, "\"size\":%ld,\"persistent\":true,\"confirms\":true,\"window\":%ld%s", opt_size,
                 opt_window, opt_task_shaped ? ",\"task_shaped\":true" : "");
    else
        snprintf(params, sizeof params, "\"size\":%ld,\"persistent\":true,\"confirms\":false%s", opt_size,
                 opt_task_shaped ? ",\"task_shaped\":true" : "");
    print_result("publish", params, opt_count, seconds, lat, lat ? opt_count : 0, NULL);
    free(lat);
    delete_queue();
}

/* ---- consuming ---- */

static void fill_queue(long count) {
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    declare_queue(conn, 1);
    select_confirms(conn, 1);
    publish_messages(conn, 1, count, 256, NULL);
    close_connection(conn);
}

static void run_consume(void) {
    if (opt_ack_every < 1 || (opt_ack_every > 1 && opt_ack_every > opt_prefetch))
        die("--ack-every must be between 1 and the prefetch");
    if (!opt_queue) fill_queue(opt_count);
    reset_peak_rss();
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    amqp_basic_qos(conn, 1, 0, (uint16_t)opt_prefetch, 0);
    check_reply(amqp_get_rpc_reply(conn), "basic.qos");
    uint64_t start = now_ns();
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue_name), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "basic.consume");
    long received = 0;
    while (received < opt_count) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, NULL, 0);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
            if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
                amqp_frame_t frame;
                check_status(amqp_simple_wait_frame(conn, &frame), "reading a non-delivery frame");
                continue;
            }
            check_reply(reply, "consuming");
        }
        received++;
        if (opt_ack_every == 1) {
            check_status(amqp_basic_ack(conn, 1, envelope.delivery_tag, 0), "basic.ack");
        } else if (received % opt_ack_every == 0 || received == opt_count) {
            check_status(amqp_basic_ack(conn, 1, envelope.delivery_tag, 1), "basic.ack");
        }
        amqp_destroy_envelope(&envelope);
    }
    double seconds = (now_ns() - start) / 1e9;
    close_connection(conn);
    char params[256];
    snprintf(params, sizeof params, "\"size\":%ld,\"persistent\":true,\"prefetch\":%ld,\"ack_every\":%ld,\"multiple\":%s",
             opt_size, opt_prefetch, opt_ack_every, opt_ack_every > 1 ? "true" : "false");
    print_result("consume", params, opt_count, seconds, NULL, 0, NULL);
    if (!opt_queue) delete_queue();
}

/* ---- latency ---- */

/* The latency benchmark's publisher thread: opt_count messages of opt_size bytes at opt_rate per
 * second, each carrying the CLOCK_MONOTONIC time just before its basic.publish in its first 8 bytes;
 * with --confirm, each one's basic.ack is awaited before sleeping until the next one is due. */
static void *latency_publisher(void *unused) {
    (void)unused;
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    if (opt_confirm) select_confirms(conn, 1);
    size_t size = opt_size < 8 ? 8 : (size_t)opt_size;
    char *body = calloc(size, 1);
    struct message_shape shape;
    message_shape_init(&shape);
    uint64_t interval = (uint64_t)(1e9 / opt_rate);
    uint64_t start = now_ns();
    for (long i = 0; i < opt_count; i++) {
        uint64_t due = start + (uint64_t)i * interval;
        uint64_t now = now_ns();
        if (due > now) {
            struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull), .tv_nsec = (long)(due % 1000000000ull)};
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        }
        message_shape_number(&shape, i + 1);
        uint64_t sent = now_ns();
        memcpy(body, &sent, 8);
        publish_message(conn, 1, &shape, (amqp_bytes_t){.len = size, .bytes = body});
        if (opt_confirm) await_confirm(conn, i + 1);
    }
    close_connection(conn);
    free(body);
    return NULL;
}

static void run_latency(void) {
    amqp_connection_state_t conn = open_connection();
    open_channel(conn, 1);
    declare_queue(conn, 1);
    amqp_basic_qos(conn, 1, 0, 256, 0);
    check_reply(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue_name), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "basic.consume");
    uint32_t *lat = malloc(sizeof(uint32_t) * (size_t)opt_count);
    pthread_t thread;
    uint64_t start = now_ns();
    pthread_create(&thread, NULL, latency_publisher, NULL);
    long received = 0;
    while (received < opt_count) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, NULL, 0);
        uint64_t now = now_ns();
        check_reply(reply, "consuming");
        uint64_t sent = 0;
        if (envelope.message.body.len >= 8) memcpy(&sent, envelope.message.body.bytes, 8);
        lat[received++] = to_units(now - sent);
        check_status(amqp_basic_ack(conn, 1, envelope.delivery_tag, 0), "basic.ack");
        amqp_destroy_envelope(&envelope);
    }
    double seconds = (now_ns() - start) / 1e9;
    pthread_join(thread, NULL);
    close_connection(conn);
    /* The first few samples include connection warm-up on both sides: leave them out, as Warren's does. */
    long skip = opt_count >= 100 ? 10 : 0;
    char params[256];
    snprintf(params, sizeof params,
             "\"size\":%ld,\"persistent\":true,\"rate\":%.0f,\"layer\":\"c\",\"confirms\":%s%s,\"warmup_skipped\":%ld", opt_size,
             opt_rate, opt_confirm ? "true" : "false", opt_task_shaped ? ",\"task_shaped\":true" : "", skip);
    print_result("latency", params, opt_count, seconds, lat + skip, opt_count - skip, NULL);
    free(lat);
    delete_queue();
}

static void usage(void) {
    fprintf(stderr,
            "usage: rmqbench publish|consume|latency [--url URL] [--count N] [--size BYTES]\n"
            "         [--confirm-window W | --no-confirm] [--prefetch P] [--ack-every K] [--rate R] [--name NAME]\n"
            "         [--queue Q (consume: an already filled queue, kept)] [--task-shaped (publish, consume, latency)]\n"
            "         [--confirm (latency: the publisher awaits each confirm)]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *mode = argv[1];
    opt_url = getenv("AMQP_URL");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-confirm") == 0) { opt_window = 0; continue; }
        if (strcmp(a, "--task-shaped") == 0) { opt_task_shaped = 1; continue; }
        if (strcmp(a, "--confirm") == 0) { opt_confirm = 1; continue; }
        if (!v) usage();
        if (strcmp(a, "--url") == 0) opt_url = v;
        else if (strcmp(a, "--count") == 0) opt_count = atol(v);
        else if (strcmp(a, "--size") == 0) opt_size = atol(v);
        else if (strcmp(a, "--confirm-window") == 0) opt_window = atol(v);
        else if (strcmp(a, "--prefetch") == 0) opt_prefetch = atol(v);
        else if (strcmp(a, "--ack-every") == 0) opt_ack_every = atol(v);
        else if (strcmp(a, "--rate") == 0) opt_rate = atof(v);
        else if (strcmp(a, "--name") == 0) opt_name = v;
        else if (strcmp(a, "--queue") == 0) opt_queue = v;
        else usage();
        i++;
    }
    if (!opt_url) opt_url = "amqp://guest:guest@127.0.0.1:5672/%2F";
    if (opt_count < 1 || opt_size < 0) die("--count must be positive and --size not negative");
    if (opt_confirm && strcmp(mode, "latency") != 0) die("--confirm is for latency (publish: --confirm-window W)");
    static long counter = 0;
    if (opt_queue) snprintf(queue_name, sizeof queue_name, "%s", opt_queue);
    else snprintf(queue_name, sizeof queue_name, "rmqbench-%d-%ld-%ld", getpid(), (long)time(NULL), counter++);
    if (strcmp(mode, "publish") == 0) run_publish();
    else if (strcmp(mode, "consume") == 0) run_consume();
    else if (strcmp(mode, "latency") == 0) run_latency();
    else usage();
    return 0;
}
