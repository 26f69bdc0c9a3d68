/* The body, one AT+HTTPREAD=<offset>,<len> at a time, in the dialect's
 * format:
 *   SIM800, SIM7000:  +HTTPREAD: <n>      SIM7600:  OK
 *                     <n bytes>                     +HTTPREAD: DATA,<n>
 *                     OK                            <n bytes>
 *                                                   (more DATA blocks)
 *                                                   +HTTPREAD: 0
 * The bytes go straight from the serial buffer to the sink. */
#include "modem_http.h"
#include "modem_text.h"

static int deliver(void *arg, const uint8_t *data, size_t len)
{
    struct http_transfer *t = arg;
    uint64_t room = t->asked - t->got;
    int err = 0;

    if ((uint64_t)len > room) { /* more than asked: drop it, fail the read */
        t->overrun = 1;
        len = (size_t)room;
    }
    if (len > 0 && t->sink->on_body)
        err = t->sink->on_body(t->sink->arg, data, len);
    if (err < 0) {
        t->sink_err = err;
        return err;
    }
    t->got += len;
    t->delivered += len;
    return 0;
}

/* "+HTTPREAD: <n>", "+HTTPREAD: DATA,<n>", "+HTTPREAD:0" (the end). */
static int on_read(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    struct http_transfer *t = arg;
    uint64_t n;
    int err;

    if (modem_block_length(line, len, sizeof "+HTTPREAD:" - 1, &n) != 0)
        return OTA_ERR_NETWORK; /* the block's length is unknown: out of step */
    if (n == 0) {
        t->ended = 1;
        return AT_LINE_DONE;
    }
    err = ota_at_read_raw(ch, n, deliver, t, ota_at_deadline(ch, t->m->cfg.timeouts.read_ms));
    if (err == 0 && t->overrun)
        err = OTA_ERR_NETWORK;
    return err;
}

/* "AT+HTTPREAD=<offset>,<len>" into m->scratch. */
static const char *read_command(struct http_transfer *t)
{
    struct modem_text text;

    modem_text_start(&text, t->m->scratch, sizeof t->m->scratch);
    modem_text_add(&text, "AT+HTTPREAD=");
    modem_text_add_u64(&text, t->delivered);
    modem_text_add(&text, ",");
    modem_text_add_u64(&text, t->asked);
    return t->m->scratch;
}

int ota_modem__http_read(struct http_transfer *t)
{
    struct ota_modem *m = t->m;
    struct at_reply reply = {"+HTTPREAD:", on_read, NULL};
    int err;

    reply.arg = t;
    t->got = 0;
    t->ended = 0;
    t->overrun = 0;
    err = ota_at_command(&m->at, read_command(t), m->cfg.timeouts.read_ms, &reply, NULL);
    if (err == 0 && ota_modem__dialect(m)->read_format == READ_OK_THEN_BLOCKS &&
        !t->ended)
        err = ota_at_wait(&m->at, m->cfg.timeouts.read_ms, &reply);
    return t->sink_err ? t->sink_err : err;
}
