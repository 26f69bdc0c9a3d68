/* Unsolicited result codes: the modem speaks when it likes, between a
 * command and its answer too. The driver needs three kinds: the end of an
 * HTTP request (+HTTPACTION), and the data link going down, which ends any
 * wait for more data and makes the next request re-activate packet data.
 * Everything else (RING, +CREG: 1, SMS Ready...) is ignored. */
#include <string.h>

#include "modem_internal.h"
#include "modem_text.h"

/* Lines by which SIMCom modems report a lost data link. */
static const char *const link_lost_lines[] = {
    "+SAPBR 1: DEACT",          /* SIM800 bearer 1 deactivated */
    "+PDP: DEACT",              /* SIM800 GPRS context lost */
    "CLOSED",                   /* a connection closed by the peer */
    "+HTTP_PEER_CLOSED",        /* SIM7600 HTTP peer closed */
    "+HTTP_NONET_EVENT",        /* SIM7600 HTTP: network gone */
    "+APP PDP: DEACTIVE",       /* SIM7000 app network down */
    "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY", /* SIM7600 */
};

static int is_link_lost(const char *line, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof link_lost_lines / sizeof link_lost_lines[0]; i++) {
        const char *l = link_lost_lines[i];
        if (strlen(l) == len && memcmp(line, l, len) == 0)
            return 1;
    }
    /* "0, CLOSED": a numbered connection */
    return len > 8 && memcmp(line + len - 8, ", CLOSED", 8) == 0;
}

int ota_modem__parse_action(struct ota_modem *m, const char *line, size_t len)
{
    size_t pos = sizeof "+HTTPACTION:" - 1;
    uint64_t method, status, length;

    if (!modem_starts_with(line, len, "+HTTPACTION:") ||
        modem_parse_u64(line, len, &pos, &method) != 0 ||
        !modem_skip_char(line, len, &pos, ',') ||
        modem_parse_u64(line, len, &pos, &status) != 0 ||
        !modem_skip_char(line, len, &pos, ',') ||
        modem_parse_u64(line, len, &pos, &length) != 0 || pos != len ||
        method != 0 || status < 100 || status > 999)
        return -1;
    m->action.seen = 1;
    m->action.status = (int)status;
    m->action.length = length;
    return 0;
}

int ota_modem__urc(void *arg, const char *line, size_t len)
{
    struct ota_modem *m = arg;

    /* the first outcome of a request counts (it may come before the OK of
     * AT+HTTPACTION); a later one must not change a transfer under way */
    if (modem_starts_with(line, len, "+HTTPACTION:")) {
        if (!m->action.seen)
            ota_modem__parse_action(m, line, len);
        return 0;
    }
    if (is_link_lost(line, len)) {
        m->attached = 0;
        return 1;
    }
    return 0;
}
