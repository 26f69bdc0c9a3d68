/* The request of a GET: its checks (what an AT command can carry), its
 * parameters (URL, User-Agent, the other headers and Range as USERDATA, TLS
 * on the families that need AT+HTTPSSL), and AT+HTTPACTION=0 with the
 * +HTTPACTION event that ends it. */
#include <string.h>

#include "modem_http.h"
#include "modem_text.h"

static int scheme_is(const char *url, const char *scheme)
{
    size_t i, n = strlen(scheme);

    for (i = 0; i < n; i++) {
        char c = url[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != scheme[i])
            return 0;
    }
    return 1;
}

static int is_user_agent(const char *h)
{
    static const char name[] = "user-agent:";
    size_t i;

    for (i = 0; i < sizeof name - 1; i++) {
        char c = h[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return 0;
    }
    return 1;
}

/* A header travels in a quoted parameter whose "\r\n" text separates
 * headers: printable ASCII without backslashes. Quotes may stay (ETags have
 * them): USERDATA is the last parameter, read up to the line's last quote. */
static int header_sendable(const char *h)
{
    for (; *h; h++)
        if ((unsigned char)*h < 0x20 || (unsigned char)*h > 0x7e || *h == '\\')
            return 0;
    return 1;
}

int ota_modem__http_check(struct ota_modem *m, const struct ota_http_request *req)
{
    size_t i;

    if (!(scheme_is(req->url, "http://") || scheme_is(req->url, "https://")) ||
        !modem_quotable(req->url))
        return ota_modem__fail(m, OTA_ERR_INVALID_ARG,
                               "URL is not http(s):// or has a character "
                               "an AT command cannot carry", NULL, NULL);
    for (i = 0; i < req->header_count; i++)
        if (!req->headers[i] || !header_sendable(req->headers[i]) ||
            (is_user_agent(req->headers[i]) && !modem_quotable(req->headers[i])))
            return ota_modem__fail(m, OTA_ERR_INVALID_ARG,
                                   "a request header has a character "
                                   "an AT command cannot carry", NULL, NULL);
    return 0;
}

/* Sends a command built in m->scratch, unless it did not fit. A failure is
 * reported by the parameter's name alone: the value may hold a token. */
static int send_built(struct ota_modem *m, const struct modem_text *t, const char *what)
{
    struct at_final final;
    uint32_t timeout = m->cfg.timeouts.command_ms;
    int err;

    if (t->clipped)
        return ota_modem__fail(m, OTA_ERR_NO_MEM, what,
                               ": too long for OTA_MODEM_SCRATCH_MAX", NULL);
    err = ota_at_command(&m->at, m->scratch, timeout, NULL, &final);
    return err ? ota_modem__command_failed(m, err, what, &final, timeout) : 0;
}

static int set_url(struct ota_modem *m, const char *url)
{
    struct modem_text t;

    modem_text_start(&t, m->scratch, sizeof m->scratch);
    modem_text_add(&t, "AT+HTTPPARA=\"URL\",\"");
    modem_text_add(&t, url);
    modem_text_add(&t, "\"");
    return send_built(m, &t, "AT+HTTPPARA=\"URL\"");
}

static int set_user_agent(struct ota_modem *m, const struct ota_http_request *req)
{
    struct modem_text t;
    size_t i;

    for (i = 0; i < req->header_count; i++) {
        const char *v;
        if (!is_user_agent(req->headers[i]))
            continue;
        v = req->headers[i] + sizeof "User-Agent:" - 1;
        while (*v == ' ')
            v++;
        modem_text_start(&t, m->scratch, sizeof m->scratch);
        modem_text_add(&t, "AT+HTTPPARA=\"UA\",\"");
        modem_text_add(&t, v);
        modem_text_add(&t, "\"");
        return send_built(m, &t, "AT+HTTPPARA=\"UA\"");
    }
    return 0;
}

/* Every other header, and Range, joined by the text "\r\n". */
static int set_user_data(struct ota_modem *m, const struct ota_http_request *req)
{
    struct modem_text t;
    size_t i, count = 0;

    modem_text_start(&t, m->scratch, sizeof m->scratch);
    modem_text_add(&t, "AT+HTTPPARA=\"USERDATA\",\"");
    for (i = 0; i < req->header_count; i++) {
        if (is_user_agent(req->headers[i]))
            continue;
        if (count++)
            modem_text_add(&t, "\\r\\n");
        modem_text_add(&t, req->headers[i]);
    }
    if (req->range_start > 0) {
        if (count++)
            modem_text_add(&t, "\\r\\n");
        modem_text_add(&t, "Range: bytes=");
        modem_text_add_u64(&t, req->range_start);
        modem_text_add(&t, "-");
    }
    modem_text_add(&t, "\"");
    return count ? send_built(m, &t, "AT+HTTPPARA=\"USERDATA\"") : 0;
}

static int on_action(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    (void)ch;
    return ota_modem__parse_action(arg, line, len) == 0 ? AT_LINE_DONE : AT_LINE_NOT_MINE;
}

/* AT+HTTPACTION=0 answers OK at once; the outcome comes as an event once
 * the whole response is in the modem. */
static int perform(struct ota_modem *m)
{
    struct at_reply reply = {"+HTTPACTION:", on_action, NULL};
    struct at_final final;
    struct modem_text t;
    int err;

    reply.arg = m;
    m->action.seen = 0;
    err = ota_at_command(&m->at, "AT+HTTPACTION=0", m->cfg.timeouts.command_ms, &reply,
                         &final);
    if (err)
        return ota_modem__command_failed(m, err, "AT+HTTPACTION=0", &final,
                                         m->cfg.timeouts.command_ms);
    if (!m->action.seen && (err = ota_at_wait(&m->at, m->cfg.timeouts.action_ms, &reply)))
        return ota_modem__fail(m, err, "AT+HTTPACTION=0: ",
                               err == OTA_ERR_TIMEOUT ? "no response in time"
                                                      : "the link went down", NULL);
    if (m->action.status < 600)
        return 0;
    modem_text_start(&t, m->reason, sizeof m->reason);
    modem_text_add(&t, "+HTTPACTION: 0,");
    modem_text_add_int(&t, m->action.status);
    modem_text_add(&t, ",");
    modem_text_add_u64(&t, m->action.length);
    modem_text_add(&t, " (");
    modem_text_add(&t, ota_modem__action_text(m->action.status));
    modem_text_add(&t, ")");
    return OTA_ERR_NETWORK;
}

int ota_modem__http_send(struct ota_modem *m, const struct ota_http_request *req)
{
    const struct modem_dialect *d = ota_modem__dialect(m);
    int https = scheme_is(req->url, "https://"), err;

    if ((d->http_cid && (err = ota_modem__simple(m, "AT+HTTPPARA=\"CID\",1")) != 0) ||
        (err = set_url(m, req->url)) != 0 || (err = set_user_agent(m, req)) != 0 ||
        (err = set_user_data(m, req)) != 0 ||
        (d->http_ssl_cmd &&
         (err = ota_modem__simple(m, https ? "AT+HTTPSSL=1" : "AT+HTTPSSL=0")) != 0))
        return err;
    return perform(m);
}
