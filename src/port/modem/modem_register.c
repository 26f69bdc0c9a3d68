/* Network registration: polled with a deadline, because the unsolicited
 * +CREG codes are off by default and a modem may be searching for minutes.
 * Each dialect names its queries (AT+CREG? for 2G, AT+CEREG? for LTE); any
 * of them reporting "registered, home" (1) or "roaming" (5) will do. */
#include <string.h>

#include "modem_internal.h"
#include "modem_text.h"

#define STAT_UNKNOWN (-1)
#define STAT_HOME 1
#define STAT_DENIED 3
#define STAT_ROAMING 5

/* What the query answered. */
struct reg_query {
    long stat;
};

/* The answer to the query is "+CREG: <n>,<stat>[,...]"; the unsolicited
 * code is "+CREG: <stat>[,"<lac>",...]": one number, or a quoted second
 * field. Only the former is ours. */
static int on_reg(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    struct reg_query *q = arg;
    size_t pos = 0;
    uint64_t n, stat;

    (void)ch;
    while (pos < len && line[pos] != ':')
        pos++;
    pos++;
    if (modem_parse_u64(line, len, &pos, &n) != 0 ||
        !modem_skip_char(line, len, &pos, ',') ||
        modem_parse_u64(line, len, &pos, &stat) != 0 || stat > 10u)
        return AT_LINE_NOT_MINE;
    q->stat = (long)stat;
    return AT_LINE_TAKEN;
}

static const char *stat_text(long stat)
{
    switch (stat) {
    case 0: return "not searching";
    case 2: return "searching";
    case STAT_DENIED: return "registration denied";
    case 4: return "unknown";
    default: return "no answer";
    }
}

/* "AT+CREG?" -> "+CREG:" */
static void query_prefix(const char *query, char *out, size_t cap)
{
    struct modem_text t;
    size_t n = 0;

    while (query[2 + n] && query[2 + n] != '?')
        n++;
    modem_text_start(&t, out, cap);
    modem_text_addn(&t, query + 2, n);
    modem_text_add(&t, ":");
}

/* One round of queries: 1 registered, 0 not yet, or a negative error. */
static int poll_once(struct ota_modem *m, long *last_stat)
{
    const char *const *q;
    char prefix[16];
    struct reg_query rq;
    struct at_reply reply = {NULL, on_reg, NULL};
    struct at_final final;
    int err;

    reply.prefix = prefix;
    reply.arg = &rq;
    for (q = ota_modem__dialect(m)->registration; *q; q++) {
        query_prefix(*q, prefix, sizeof prefix);
        rq.stat = STAT_UNKNOWN;
        err = ota_at_command(&m->at, *q, m->cfg.timeouts.command_ms, &reply, &final);
        if (err == OTA_ERR_TIMEOUT)
            return ota_modem__command_failed(m, err, *q, &final,
                                             m->cfg.timeouts.command_ms);
        if (err) /* a family without this query on this firmware */
            continue;
        if (rq.stat == STAT_HOME || rq.stat == STAT_ROAMING)
            return 1;
        if (rq.stat != STAT_UNKNOWN)
            *last_stat = rq.stat;
    }
    return 0;
}

static int not_registered(struct ota_modem *m, int err, long stat)
{
    const struct modem_dialect *d = ota_modem__dialect(m);
    struct modem_text t;

    modem_text_start(&t, m->reason, sizeof m->reason);
    /* "AT+CREG?" names itself "AT+CREG" */
    modem_text_addn(&t, d->registration[0], strlen(d->registration[0]) - 1);
    if (err == OTA_ERR_TIMEOUT) {
        modem_text_add(&t, ": not registered after ");
        modem_text_add_u64(&t, (m->cfg.timeouts.register_ms + 999u) / 1000u);
        modem_text_add(&t, " s (");
    } else {
        modem_text_add(&t, ": not registered (");
    }
    modem_text_add(&t, stat_text(stat));
    modem_text_add(&t, ")");
    return err;
}

int ota_modem__register(struct ota_modem *m)
{
    uint32_t give_up = ota_at_deadline(&m->at, m->cfg.timeouts.register_ms);
    long stat = STAT_UNKNOWN;
    int r;

    for (;;) {
        if ((r = poll_once(m, &stat)) != 0)
            return r < 0 ? r : 0;
        if (stat == STAT_DENIED) /* the network said no: waiting will not help */
            return not_registered(m, OTA_ERR_NETWORK, stat);
        if ((int32_t)(ota_at_now(&m->at) - give_up) >= 0)
            return not_registered(m, OTA_ERR_TIMEOUT, stat);
        if ((r = ota_at_idle(&m->at, m->cfg.timeouts.poll_ms)) != 0)
            return ota_modem__fail(m, r, "serial line: ", ota_strerror(r), NULL);
    }
}
