/* Bringing the cellular link up and down, and the signal strength. */
#include <string.h>

#include "modem_internal.h"
#include "modem_text.h"

static void default_timeouts(struct ota_modem_timeouts *t)
{
    if (!t->command_ms)
        t->command_ms = 5000;
    if (!t->probe_ms)
        t->probe_ms = 10000;
    if (!t->register_ms)
        t->register_ms = 60000;
    if (!t->poll_ms)
        t->poll_ms = 1000;
    if (!t->attach_ms)
        t->attach_ms = 85000; /* the SIM800's AT+SAPBR=1,1 maximum */
    if (!t->action_ms)
        t->action_ms = 120000;
    if (!t->read_ms)
        t->read_ms = 10000;
}

int ota_modem_init(struct ota_modem *m, const struct ota_modem_config *cfg)
{
    if (!m || !cfg || !cfg->serial.write || !cfg->serial.read || !cfg->serial.millis)
        return OTA_ERR_INVALID_ARG;
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (!ota_modem__dialect(m))
        return ota_modem__fail(m, OTA_ERR_CONFIG, "unknown modem dialect", NULL, NULL);
    default_timeouts(&m->cfg.timeouts);
    if (!m->cfg.read_chunk)
        m->cfg.read_chunk = 1024;
    ota_at_init(&m->at, &cfg->serial);
    m->at.urc = ota_modem__urc;
    m->at.urc_arg = m;
    return 0;
}

/* A modem that has just been powered answers nothing, then garbage, then
 * AT: ask every second until it answers OK. */
static int probe(struct ota_modem *m)
{
    uint32_t give_up = ota_at_deadline(&m->at, m->cfg.timeouts.probe_ms);
    uint32_t each = m->cfg.timeouts.poll_ms;
    int err;

    do {
        err = ota_at_command(&m->at, "AT", each, NULL, NULL);
        if (err == 0)
            return 0;
        if (err == OTA_ERR_TIMEOUT)
            ota_at_flush(&m->at, 50);
    } while ((int32_t)(ota_at_now(&m->at) - give_up) < 0);
    return ota_modem__command_failed(m, OTA_ERR_TIMEOUT, "AT", NULL,
                                     m->cfg.timeouts.probe_ms);
}

static int on_cpin(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    int *ready = arg;

    (void)ch;
    *ready = len == sizeof "+CPIN: READY" - 1 && memcmp(line, "+CPIN: READY", len) == 0;
    return AT_LINE_TAKEN;
}

static int sim_ready(struct ota_modem *m)
{
    int ready = 0;
    struct at_reply reply = {"+CPIN:", on_cpin, NULL};
    struct at_final final;
    uint32_t timeout = m->cfg.timeouts.command_ms;
    int err;

    reply.arg = &ready;
    err = ota_at_command(&m->at, "AT+CPIN?", timeout, &reply, &final);
    if (err)
        return ota_modem__command_failed(m, err, "AT+CPIN?", &final, timeout);
    if (!ready) /* SIM PIN, SIM PUK...: the driver does not unlock SIMs */
        return ota_modem__fail(m, OTA_ERR_NETWORK, "AT+CPIN?: SIM is locked, not READY",
                               NULL, NULL);
    return 0;
}

static int check_apn(struct ota_modem *m, const char *apn)
{
    if (!apn || strlen(apn) >= sizeof m->apn || !modem_quotable(apn))
        return ota_modem__fail(m, OTA_ERR_CONFIG,
                               "APN missing, too long or with a character "
                               "an AT command cannot carry", NULL, NULL);
    strcpy(m->apn, apn);
    return 0;
}

int ota_modem_up(struct ota_modem *m, const char *apn)
{
    const struct modem_dialect *d;
    int err;

    if (!m || !(d = ota_modem__dialect(m)))
        return OTA_ERR_INVALID_ARG;
    m->reason[0] = '\0';
    m->up = m->attached = 0;
    m->at.link_lost = 0;
    if ((err = check_apn(m, apn)) != 0 || (err = probe(m)) != 0 ||
        (err = ota_modem__simple(m, "ATE0")) != 0 ||
        (err = ota_modem__simple(m, "AT+CMEE=1")) != 0 ||
        (err = sim_ready(m)) != 0 || (err = ota_modem__register(m)) != 0 ||
        (err = d->attach(m)) != 0)
        return err;
    m->up = m->attached = 1;
    return 0;
}

int ota_modem_down(struct ota_modem *m)
{
    const struct modem_dialect *d;

    if (!m || !(d = ota_modem__dialect(m)))
        return OTA_ERR_INVALID_ARG;
    m->up = m->attached = 0;
    return d->detach(m);
}

/* +CSQ: <rssi>,<ber>: rssi 0..31 in 2 dB steps from -113 dBm; 99 unknown. */
static int on_csq(void *arg, struct ota_at_channel *ch, const char *line, size_t len)
{
    int *dbm = arg;
    size_t pos = sizeof "+CSQ:" - 1;
    uint64_t rssi;

    (void)ch;
    if (modem_parse_u64(line, len, &pos, &rssi) != 0)
        return OTA_ERR_NETWORK;
    *dbm = rssi <= 31u ? -113 + 2 * (int)rssi : OTA_MODEM_DBM_UNKNOWN;
    return AT_LINE_TAKEN;
}

int ota_modem_signal(struct ota_modem *m, int *dbm)
{
    struct at_reply reply = {"+CSQ:", on_csq, NULL};
    struct at_final final;
    int value = OTA_MODEM_DBM_UNKNOWN, err;

    if (!m || !dbm)
        return OTA_ERR_INVALID_ARG;
    reply.arg = &value;
    err = ota_at_command(&m->at, "AT+CSQ", m->cfg.timeouts.command_ms, &reply, &final);
    if (err)
        return ota_modem__command_failed(m, err, "AT+CSQ", &final,
                                         m->cfg.timeouts.command_ms);
    *dbm = value;
    return 0;
}
