/* HTTP(S) GET through the modem's HTTP service, as struct ota_http_ops.get:
 *   AT+HTTPINIT, AT+HTTPPARA="CID",1 (bearer families), AT+HTTPPARA="URL",
 *   AT+HTTPPARA="UA", AT+HTTPPARA="USERDATA" (the other request headers and
 *   Range), AT+HTTPSSL (SIM800 family), AT+HTTPACTION=0 and its
 *   +HTTPACTION: 0,<status>,<length> event, AT+HTTPHEAD, AT+HTTPREAD...,
 *   and AT+HTTPTERM whatever happened.
 * The modem does not follow redirects unless told (AT+HTTPPARA="REDIR",1),
 * so the engine sees every 3xx. */
#include <string.h>

#include "modem_http.h"
#include "modem_text.h"

/* ---- the response ----------------------------------------------------- */

/* A body that stopped early: the bytes so far are with the sink, so the
 * engine can ask for the rest with a Range. */
static int truncated(struct http_transfer *t, int err)
{
    struct ota_modem *m = t->m;
    struct modem_text text;

    if (err == OTA_ERR_TIMEOUT)
        ota_at_flush(&m->at, 100); /* a late answer must not meet the next command */
    modem_text_start(&text, m->reason, sizeof m->reason);
    modem_text_add(&text, "AT+HTTPREAD: ");
    modem_text_add(&text, m->at.link_lost        ? "link lost"
                          : err == OTA_ERR_TIMEOUT ? "no data in time"
                          : err == 0             ? "no more data"
                                                 : "read failed");
    modem_text_add(&text, " after ");
    modem_text_add_u64(&text, t->delivered);
    modem_text_add(&text, " of ");
    modem_text_add_u64(&text, t->has_content_length ? t->content_length : t->length);
    modem_text_add(&text, " body bytes");
    return OTA_ERR_TRUNCATED;
}

static int body(struct http_transfer *t)
{
    uint64_t chunk = t->m->cfg.read_chunk;
    int err;

    while (t->delivered < t->length) {
        t->asked = t->length - t->delivered < chunk ? t->length - t->delivered : chunk;
        err = ota_modem__http_read(t);
        if (t->sink_err)
            return t->sink_err;
        if (err || t->got == 0)
            return truncated(t, err);
    }
    /* the modem stored less than the server announced: the link dropped
     * while the modem was receiving */
    if (t->has_content_length && t->content_length > t->length)
        return truncated(t, 0);
    return 0;
}

static int deliver(struct http_transfer *t)
{
    const struct ota_http_sink *sink = t->sink;
    int err;

    t->length = t->m->action.length;
    if (sink->on_status && (err = sink->on_status(sink->arg, t->m->action.status)) < 0)
        return err;
    if ((err = ota_modem__http_headers(t)) != 0)
        return err;
    return body(t);
}

/* ---- the session ------------------------------------------------------ */

/* After a drop, packet data comes back before the next request. */
static int ensure_attached(struct ota_modem *m)
{
    int err;

    if (m->attached && !m->at.link_lost)
        return 0;
    if (!m->up)
        return ota_modem__fail(m, OTA_ERR_NETWORK,
                               "the cellular link is down (ota_modem_up first)", NULL, NULL);
    m->at.link_lost = 0;
    if ((err = ota_modem__dialect(m)->attach(m)) != 0)
        return err;
    m->attached = 1;
    return 0;
}

/* A session left open (a reset of ours, not of the modem) makes HTTPINIT
 * fail: close it and try once more. */
static int open_session(struct ota_modem *m)
{
    if (ota_at_command(&m->at, "AT+HTTPINIT", m->cfg.timeouts.command_ms, NULL, NULL) == 0)
        return 0;
    ota_at_command(&m->at, "AT+HTTPTERM", m->cfg.timeouts.command_ms, NULL, NULL);
    return ota_modem__simple(m, "AT+HTTPINIT");
}

static void feed_sink(void *arg)
{
    const struct ota_http_sink *sink = arg;

    sink->on_wait(sink->arg);
}

int ota_modem_get(void *user, const struct ota_http_request *req,
                  const struct ota_http_sink *sink)
{
    struct ota_modem *m = user;
    struct http_transfer t;
    int err;

    if (!m || !req || !req->url || !sink || (req->header_count && !req->headers) ||
        !ota_modem__dialect(m))
        return OTA_ERR_INVALID_ARG;
    m->reason[0] = '\0';
    if ((err = ota_modem__http_check(m, req)) != 0 || (err = ensure_attached(m)) != 0)
        return err;
    memset(&t, 0, sizeof t);
    t.m = m;
    t.sink = sink;
    m->at.wait_hook = sink->on_wait ? feed_sink : NULL;
    m->at.wait_arg = (void *)sink;
    if ((err = open_session(m)) == 0) {
        if ((err = ota_modem__http_send(m, req)) == 0)
            err = deliver(&t);
        /* always, so the modem's HTTP service is free for the next request */
        ota_at_command(&m->at, "AT+HTTPTERM", m->cfg.timeouts.command_ms, NULL, NULL);
    }
    m->at.wait_hook = NULL;
    m->at.wait_arg = NULL;
    return err;
}
