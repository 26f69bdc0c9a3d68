/* Packet data, per family: the SIM800's bearer profile (AT+SAPBR), the
 * SIM7000's app network (AT+CNACT), the SIM7600's network stack
 * (AT+NETOPEN). Each first asks whether it is already active, so that
 * bringing the link up again after a drop, or after another program used the
 * modem, does not fail on "already open". */
#include <string.h>

#include "modem_internal.h"
#include "modem_text.h"

/* Builds prefix "<apn>" suffix into m->scratch. */
static const char *with_apn(struct ota_modem *m, const char *prefix, const char *suffix)
{
    struct modem_text t;

    modem_text_start(&t, m->scratch, sizeof m->scratch);
    modem_text_add(&t, prefix);
    modem_text_add(&t, m->apn);
    modem_text_add(&t, suffix);
    return m->scratch;
}

/* The status field of +SAPBR, +CNACT and +NETOPEN lines. */
struct status_field {
    int skip_first; /* "+SAPBR: <cid>,<status>,...": the second field */
    int is_event;   /* an awaited event: ota_at_wait() returns on it */
    long value;     /* -1 until seen */
};

static int on_status(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    struct status_field *f = arg;
    size_t pos = 0;
    uint64_t v;

    (void)ch;
    while (pos < len && line[pos] != ':')
        pos++;
    pos++;
    if (f->skip_first && (modem_parse_u64(line, len, &pos, &v) != 0 ||
                          !modem_skip_char(line, len, &pos, ',')))
        return AT_LINE_NOT_MINE;
    if (modem_parse_u64(line, len, &pos, &v) != 0 || v > 1000u)
        return AT_LINE_NOT_MINE;
    f->value = (long)v;
    return f->is_event ? AT_LINE_DONE : AT_LINE_TAKEN;
}

/* Asks cmd and returns the status field of its prefix line (-1: none). */
static int query_status(struct ota_modem *m, const char *cmd, const char *prefix,
                        int skip_first, long *status)
{
    struct status_field f = {0, 0, -1};
    struct at_reply reply = {NULL, on_status, NULL};
    struct at_final final;
    int err;

    f.skip_first = skip_first;
    reply.prefix = prefix;
    reply.arg = &f;
    err = ota_at_command(&m->at, cmd, m->cfg.timeouts.command_ms, &reply, &final);
    if (err)
        return ota_modem__command_failed(m, err, cmd, &final, m->cfg.timeouts.command_ms);
    *status = f.value;
    return 0;
}

/* A command answered OK at once whose outcome comes later as an event
 * "<prefix> <code>", 0 meaning success: AT+NETOPEN, then "+NETOPEN: 0". */
static int command_then_event(struct ota_modem *m, const char *cmd, const char *prefix)
{
    struct status_field f = {0, 1, -1};
    struct at_reply reply = {NULL, on_status, NULL};
    struct at_final final;
    int err;

    reply.prefix = prefix;
    reply.arg = &f;
    err = ota_at_command(&m->at, cmd, m->cfg.timeouts.command_ms, &reply, &final);
    if (err)
        return ota_modem__command_failed(m, err, cmd, &final, m->cfg.timeouts.command_ms);
    if (f.value < 0 && (err = ota_at_wait(&m->at, m->cfg.timeouts.attach_ms, &reply)) != 0)
        return ota_modem__fail(m, err, cmd, err == OTA_ERR_TIMEOUT
                                                ? ": no outcome reported in time"
                                                : ": the link went down",
                               NULL);
    if (f.value != 0)
        return ota_modem__fail(m, OTA_ERR_NETWORK, cmd, ": failed, the modem reported ",
                               prefix);
    return 0;
}

/* ---- SIM800: bearer profile 1 ----------------------------------------- */

#define SAPBR_CONNECTED 1

int ota_modem__attach_sapbr(struct ota_modem *m)
{
    struct at_final final;
    long status = -1; /* (set by query_status when it succeeds) */
    int err;

    if ((err = ota_modem__simple(m, "AT+SAPBR=3,1,\"Contype\",\"GPRS\"")) != 0 ||
        (err = ota_modem__simple(m, with_apn(m, "AT+SAPBR=3,1,\"APN\",\"", "\""))) != 0 ||
        (err = query_status(m, "AT+SAPBR=2,1", "+SAPBR:", 1, &status)) != 0)
        return err;
    if (status == SAPBR_CONNECTED)
        return 0;
    err = ota_at_command(&m->at, "AT+SAPBR=1,1", m->cfg.timeouts.attach_ms, NULL, &final);
    if (err)
        return ota_modem__command_failed(m, err, "AT+SAPBR=1,1", &final,
                                         m->cfg.timeouts.attach_ms);
    if ((err = query_status(m, "AT+SAPBR=2,1", "+SAPBR:", 1, &status)) != 0)
        return err;
    if (status != SAPBR_CONNECTED)
        return ota_modem__fail(m, OTA_ERR_NETWORK,
                               "AT+SAPBR=2,1: bearer not connected after AT+SAPBR=1,1",
                               NULL, NULL);
    return 0;
}

int ota_modem__detach_sapbr(struct ota_modem *m)
{
    struct at_final final;
    int err = ota_at_command(&m->at, "AT+SAPBR=0,1", m->cfg.timeouts.attach_ms, NULL, &final);

    /* an already closed bearer answers ERROR: down is down */
    if (err == OTA_ERR_NETWORK && final.kind == AT_FINAL_ERROR)
        return 0;
    return err ? ota_modem__command_failed(m, err, "AT+SAPBR=0,1", &final,
                                           m->cfg.timeouts.attach_ms)
               : 0;
}

/* ---- SIM7000: app network --------------------------------------------- */

#define CNACT_ACTIVE 1

/* "+APP PDP: ACTIVE" or "+APP PDP: DEACTIVE" after AT+CNACT=1. */
static int on_app_pdp(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    int *active = arg;

    (void)ch;
    *active = len == sizeof "+APP PDP: ACTIVE" - 1 &&
              memcmp(line, "+APP PDP: ACTIVE", len) == 0;
    return AT_LINE_DONE;
}

int ota_modem__attach_cnact(struct ota_modem *m)
{
    struct at_reply reply = {"+APP PDP:", on_app_pdp, NULL};
    struct at_final final;
    int active = -1, err;
    long status = -1; /* (set by query_status when it succeeds) */

    reply.arg = &active;
    if ((err = ota_modem__simple(m, with_apn(m, "AT+CGDCONT=1,\"IP\",\"", "\""))) != 0 ||
        (err = query_status(m, "AT+CNACT?", "+CNACT:", 0, &status)) != 0)
        return err;
    if (status == CNACT_ACTIVE)
        return 0;
    /* the event may come before the OK: the command watches for it too */
    err = ota_at_command(&m->at, with_apn(m, "AT+CNACT=1,\"", "\""),
                         m->cfg.timeouts.command_ms, &reply, &final);
    if (err)
        return ota_modem__command_failed(m, err, "AT+CNACT=1", &final,
                                         m->cfg.timeouts.command_ms);
    if (active < 0 && (err = ota_at_wait(&m->at, m->cfg.timeouts.attach_ms, &reply)) != 0)
        return ota_modem__fail(m, err, "AT+CNACT=1: no +APP PDP: ACTIVE in time", NULL, NULL);
    if (active != 1)
        return ota_modem__fail(m, OTA_ERR_NETWORK, "AT+CNACT=1: +APP PDP: DEACTIVE", NULL,
                               NULL);
    return 0;
}

int ota_modem__detach_cnact(struct ota_modem *m)
{
    return ota_modem__simple(m, "AT+CNACT=0");
}

/* ---- SIM7600: network stack ------------------------------------------- */

#define NETOPEN_OPEN 1

int ota_modem__attach_netopen(struct ota_modem *m)
{
    long status = -1; /* (set by query_status when it succeeds) */
    int err;

    if ((err = ota_modem__simple(m, with_apn(m, "AT+CGDCONT=1,\"IP\",\"", "\""))) != 0 ||
        (err = query_status(m, "AT+NETOPEN?", "+NETOPEN:", 0, &status)) != 0)
        return err;
    if (status == NETOPEN_OPEN)
        return 0;
    return command_then_event(m, "AT+NETOPEN", "+NETOPEN:");
}

int ota_modem__detach_netopen(struct ota_modem *m)
{
    return command_then_event(m, "AT+NETCLOSE", "+NETCLOSE:");
}
