/* Response headers: AT+HTTPHEAD answers "+HTTPHEAD: <n>" and n bytes of the
 * raw header block ("HTTP/1.1 200 OK", "Name: value" lines, a blank line),
 * on SIM800 and SIM7600 alike (some firmware writes "+HTTPHEAD: DATA,<n>").
 * The block is split into lines as it streams, in m->scratch, so that ETag
 * and Location reach the sink without a buffer for the whole block. A line
 * longer than the scratch buffer is dropped whole rather than cut. */
#include <string.h>

#include "modem_http.h"
#include "modem_text.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int name_is(const char *name, size_t len, const char *want)
{
    size_t i;

    if (strlen(want) != len)
        return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != want[i])
            return 0;
    }
    return 1;
}

static void note_length(struct http_transfer *t, const char *v, size_t vlen)
{
    size_t pos = 0;
    uint64_t n;

    if (modem_parse_u64(v, vlen, &pos, &n) == 0 && pos == vlen) {
        t->content_length = n;
        t->has_content_length = 1;
    }
}

/* One complete line of the block, in m->scratch[0..header_len). */
static int header_line(struct http_transfer *t)
{
    const char *line = t->m->scratch, *colon;
    size_t len = t->header_len, ns = 0, ne, vs;

    if (len == 0 || t->header_clipped || is_space(line[0]))
        return 0; /* the blank end, a line too long, obsolete folding */
    if (!t->status_line_seen && modem_starts_with(line, len, "HTTP/")) {
        t->status_line_seen = 1;
        return 0;
    }
    if (!(colon = memchr(line, ':', len)))
        return 0;
    ne = (size_t)(colon - line);
    while (ne > ns && is_space(line[ne - 1]))
        ne--;
    vs = (size_t)(colon - line) + 1;
    while (vs < len && is_space(line[vs]))
        vs++;
    while (len > vs && is_space(line[len - 1]))
        len--;
    if (ne == 0)
        return 0;
    if (name_is(line, ne, "content-length"))
        note_length(t, line + vs, len - vs);
    return t->sink->on_header ? t->sink->on_header(t->sink->arg, line, ne, line + vs, len - vs)
                              : 0;
}

static int end_line(struct http_transfer *t)
{
    int err = header_line(t);

    t->header_len = 0;
    t->header_clipped = 0;
    if (err < 0 && t->sink_err == 0)
        t->sink_err = err;
    return err < 0 ? err : 0;
}

static int consume_headers(void *arg, const uint8_t *data, size_t len)
{
    struct http_transfer *t = arg;
    char *buf = t->m->scratch;
    size_t i;
    int err;

    for (i = 0; i < len; i++) {
        char c = (char)data[i];
        if (c == '\n') {
            if ((err = end_line(t)) != 0)
                return err;
        } else if (c != '\r') {
            if (t->header_len + 1 < sizeof t->m->scratch)
                buf[t->header_len++] = c;
            else
                t->header_clipped = 1;
        }
    }
    return 0;
}

static int on_head(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    struct http_transfer *t = arg;
    uint64_t n;
    int err;

    if (modem_block_length(line, len, sizeof "+HTTPHEAD:" - 1, &n) != 0)
        return OTA_ERR_NETWORK; /* the block's length is unknown: out of step */
    t->header_len = 0;
    t->header_clipped = 0;
    err = ota_at_read_raw(ch, n, consume_headers, t,
                          ota_at_deadline(ch, t->m->cfg.timeouts.read_ms));
    if (err == 0 && t->header_len > 0) /* a last line without its newline */
        err = end_line(t);
    return err;
}

int ota_modem__http_headers(struct http_transfer *t)
{
    struct at_reply reply = {"+HTTPHEAD:", on_head, NULL};
    struct at_final final;
    struct ota_modem *m = t->m;
    int err;

    reply.arg = t;
    err = ota_at_command(&m->at, "AT+HTTPHEAD", m->cfg.timeouts.read_ms, &reply, &final);
    if (t->sink_err)
        return t->sink_err;
    if (err)
        return ota_modem__command_failed(m, err == OTA_ERR_TIMEOUT ? err : OTA_ERR_NETWORK,
                                         "AT+HTTPHEAD", &final, m->cfg.timeouts.read_ms);
    return 0;
}
