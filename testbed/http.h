/* SPDX-License-Identifier: MIT */
/* testbed/http.h: HTTP/1.1 messages between the testbed's services, the
 * first piece of the real runtime (issue 11): requests carry the tracing
 * context in a "wtrace-ctx" header and replies the aggregate in
 * "wtrace-agg" (tracecore/wtrace.h), bodies are real bytes. Parsing uses
 * Debian's libhttp-parser (the node.js parser: small, C, callback-driven,
 * no allocation), fed whatever a read returned, so one read may hold part
 * of a message or several pipelined ones.
 * Ownership: a struct tb_http_in is caller storage; nothing is allocated. */
#ifndef TESTBED_HTTP_H
#define TESTBED_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_HTTP_PATH_MAX 256
#define TB_HTTP_VALUE_MAX 64 /* wtrace-ctx is 38 characters, wtrace-agg at most 35 */

/* One message read: the parts the testbed uses. */
struct tb_http_msg {
    bool request;
    char path[TB_HTTP_PATH_MAX]; /* request target, NUL-terminated */
    int status;                  /* response status */
    char ctx[TB_HTTP_VALUE_MAX]; /* wtrace-ctx value, "" if absent */
    char agg[TB_HTTP_VALUE_MAX]; /* wtrace-agg value, "" if absent */
    uint64_t body_bytes;         /* bytes of body read */
    bool keep_alive;             /* the connection stays open after it */
};

/* Called for each complete message; returning nonzero stops parsing (the
 * connection is then to be closed). */
typedef int tb_http_on_msg(void *arg, const struct tb_http_msg *m);

struct tb_http_in { /* fields private */
    http_parser p;
    http_parser_settings s;
    struct tb_http_msg msg;
    char field[16]; /* the header name being read (only short ones matter) */
    size_t field_len;
    bool field_long; /* longer than any name we keep */
    bool in_value;
    char *value; /* where the current header's value goes, or NULL */
    size_t value_len;
    bool too_long; /* a kept value or the path exceeded its buffer */
    tb_http_on_msg *on_msg;
    void *arg;
};

enum { TB_HTTP_REQUESTS = 0, TB_HTTP_RESPONSES = 1 };

/* Starts reading requests (kind TB_HTTP_REQUESTS, a server's side) or
 * responses (TB_HTTP_RESPONSES, a client's side). */
void tb_http_in_init(struct tb_http_in *in, int kind, tb_http_on_msg *on_msg, void *arg);
/* Feeds len bytes read from the connection. Returns 0, or -1 if the bytes
 * are not HTTP/1.x, a path or a tracing header is longer than kept, or
 * on_msg asked to stop: close the connection. */
int tb_http_in_feed(struct tb_http_in *in, const char *data, size_t len);
/* Why the last feed failed. */
const char *tb_http_in_error(const struct tb_http_in *in);

/* Writes a request head (POST path, Host 127.0.0.1, keep-alive, the
 * context when ctx is not NULL or empty, Content-Length body_bytes) into
 * buf; the caller sends body_bytes of body after it. Returns the head's
 * length, or -1 if it does not fit in size. */
int tb_http_request_head(char *buf, size_t size, const char *path, const char *ctx,
                         uint64_t body_bytes);
/* The same for a response with status (200, or 503 for a refused request)
 * and the aggregate (agg NULL or empty: none); keep_alive false adds
 * "Connection: close". */
int tb_http_response_head(char *buf, size_t size, int status, const char *agg, uint64_t body_bytes,
                          bool keep_alive);

#endif
