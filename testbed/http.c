/* SPDX-License-Identifier: MIT */
/* testbed/http.c: HTTP/1.1 heads written and read for the testbed, with
 * libhttp-parser's callbacks keeping only the path, the status, the two
 * tracing headers (names case-insensitive) and the body's length. */
#include "testbed/http.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static struct tb_http_in *in_of(http_parser *p)
{
    return p->data;
}

/* Appends len bytes at dst (of capacity cap, NUL-terminated); false if
 * they do not fit. */
static bool append(char *dst, size_t *used, size_t cap, const char *at, size_t len)
{
    if (len >= cap - *used)
        return false;
    memcpy(dst + *used, at, len);
    *used += len;
    dst[*used] = '\0';
    return true;
}

static int on_begin(http_parser *p)
{
    struct tb_http_in *in = in_of(p);
    bool request = in->msg.request;
    memset(&in->msg, 0, sizeof in->msg);
    in->msg.request = request;
    in->field_len = 0;
    in->field_long = false;
    in->in_value = false;
    in->value = NULL;
    in->value_len = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct tb_http_in *in = in_of(p);
    size_t used = strlen(in->msg.path);
    if (!append(in->msg.path, &used, sizeof in->msg.path, at, len)) {
        in->too_long = true;
        return 1;
    }
    return 0;
}

static int on_field(http_parser *p, const char *at, size_t len)
{
    struct tb_http_in *in = in_of(p);
    if (in->in_value) { /* a new header starts */
        in->in_value = false;
        in->field_len = 0;
        in->field_long = false;
        in->value = NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (in->field_len + 1 >= sizeof in->field) {
            in->field_long = true;
            break;
        }
        in->field[in->field_len++] = (char)tolower((unsigned char)at[i]);
    }
    in->field[in->field_len] = '\0';
    return 0;
}

static int on_value(http_parser *p, const char *at, size_t len)
{
    struct tb_http_in *in = in_of(p);
    if (!in->in_value) {
        in->in_value = true;
        in->value_len = 0;
        in->value = NULL;
        if (!in->field_long && strcmp(in->field, "wtrace-ctx") == 0)
            in->value = in->msg.ctx;
        else if (!in->field_long && strcmp(in->field, "wtrace-agg") == 0)
            in->value = in->msg.agg;
        if (in->value)
            in->value[0] = '\0';
    }
    if (in->value && !append(in->value, &in->value_len, TB_HTTP_VALUE_MAX, at, len)) {
        in->too_long = true;
        return 1;
    }
    return 0;
}

static int on_headers(http_parser *p)
{
    struct tb_http_in *in = in_of(p);
    in->msg.status = (int)p->status_code;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    (void)at;
    in_of(p)->msg.body_bytes += len;
    return 0;
}

static int on_complete(http_parser *p)
{
    struct tb_http_in *in = in_of(p);
    in->msg.keep_alive = http_should_keep_alive(p) != 0;
    return in->on_msg(in->arg, &in->msg) ? 1 : 0;
}

void tb_http_in_init(struct tb_http_in *in, int kind, tb_http_on_msg *on_msg, void *arg)
{
    memset(in, 0, sizeof *in);
    http_parser_init(&in->p, kind == TB_HTTP_REQUESTS ? HTTP_REQUEST : HTTP_RESPONSE);
    in->p.data = in;
    http_parser_settings_init(&in->s);
    in->s.on_message_begin = on_begin;
    in->s.on_url = on_url;
    in->s.on_header_field = on_field;
    in->s.on_header_value = on_value;
    in->s.on_headers_complete = on_headers;
    in->s.on_body = on_body;
    in->s.on_message_complete = on_complete;
    in->msg.request = kind == TB_HTTP_REQUESTS;
    in->on_msg = on_msg;
    in->arg = arg;
}

int tb_http_in_feed(struct tb_http_in *in, const char *data, size_t len)
{
    size_t n = http_parser_execute(&in->p, &in->s, data, len);
    if (HTTP_PARSER_ERRNO(&in->p) != HPE_OK || n != len)
        return -1;
    return 0;
}

const char *tb_http_in_error(const struct tb_http_in *in)
{
    if (in->too_long)
        return "a request target or a tracing header longer than the testbed keeps";
    enum http_errno e = HTTP_PARSER_ERRNO(&in->p);
    if (e == HPE_CB_message_complete)
        return "the reader stopped";
    return e == HPE_OK ? "bytes after a message that closes the connection"
                       : http_errno_description(e);
}

/* snprintf into buf; -1 if it did not fit. */
static int fits(int n, size_t size)
{
    return n < 0 || (size_t)n >= size ? -1 : n;
}

int tb_http_request_head(char *buf, size_t size, const char *path, const char *ctx,
                         uint64_t body_bytes)
{
    bool have = ctx && *ctx;
    return fits(
        snprintf(buf, size,
                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Length: %" PRIu64 "\r\n\r\n",
                 path, have ? "wtrace-ctx: " : "", have ? ctx : "", have ? "\r\n" : "", body_bytes),
        size);
}

int tb_http_response_head(char *buf, size_t size, int status, const char *agg, uint64_t body_bytes,
                          bool keep_alive)
{
    bool have = agg && *agg;
    const char *reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Error";
    return fits(snprintf(buf, size, "HTTP/1.1 %d %s\r\n%s%s%s%sContent-Length: %" PRIu64 "\r\n\r\n",
                         status, reason, have ? "wtrace-agg: " : "", have ? agg : "",
                         have ? "\r\n" : "", keep_alive ? "" : "Connection: close\r\n", body_bytes),
                size);
}
