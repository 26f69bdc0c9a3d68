/* Reason texts: every failure leaves a short sentence in m->reason that says
 * what the modem answered, in its own words plus what they mean. */
#include <string.h>

#include "modem_internal.h"
#include "modem_text.h"

/* The +CME ERROR numbers a modem link meets in practice (3GPP TS 27.007). */
static const struct {
    long code;
    const char *text;
} cme_texts[] = {
    {3, "operation not allowed"},
    {4, "operation not supported"},
    {10, "SIM not inserted"},
    {11, "SIM PIN required"},
    {12, "SIM PUK required"},
    {13, "SIM failure"},
    {14, "SIM busy"},
    {15, "SIM wrong"},
    {30, "no network service"},
    {31, "network timeout"},
    {100, "unknown error"},
    {103, "illegal MS"},
    {106, "illegal ME"},
    {107, "GPRS services not allowed"},
    {132, "service option not supported"},
    {133, "requested service option not subscribed"},
    {134, "service option temporarily out of order"},
    {148, "unspecified GPRS error"},
    {149, "PDP authentication failure"},
};

/* SIMCom's statuses of +HTTPACTION that are not HTTP's. */
static const struct {
    int status;
    const char *text;
} action_texts[] = {
    {600, "not an HTTP response"},
    {601, "network error"},
    {602, "no memory"},
    {603, "DNS error"},
    {604, "stack busy"},
};

int ota_modem__fail(struct ota_modem *m, int err, const char *a, const char *b,
                    const char *c)
{
    struct modem_text t;

    modem_text_start(&t, m->reason, sizeof m->reason);
    if (a)
        modem_text_add(&t, a);
    if (b)
        modem_text_add(&t, b);
    if (c)
        modem_text_add(&t, c);
    return err;
}

static const char *cme_text(long code)
{
    size_t i;

    for (i = 0; i < sizeof cme_texts / sizeof cme_texts[0]; i++)
        if (cme_texts[i].code == code)
            return cme_texts[i].text;
    return NULL;
}

const char *ota_modem__action_text(int status)
{
    size_t i;

    for (i = 0; i < sizeof action_texts / sizeof action_texts[0]; i++)
        if (action_texts[i].status == status)
            return action_texts[i].text;
    return status >= 600 ? "modem-level failure, no HTTP response" : NULL;
}

int ota_modem__command_failed(struct ota_modem *m, int err, const char *what,
                              const struct at_final *final, uint32_t timeout_ms)
{
    struct modem_text t;
    const char *meaning;

    modem_text_start(&t, m->reason, sizeof m->reason);
    modem_text_add(&t, what);
    if (err == OTA_ERR_TIMEOUT) {
        modem_text_add(&t, ": no answer in ");
        modem_text_add_u64(&t, (timeout_ms + 999u) / 1000u);
        modem_text_add(&t, " s");
        return err;
    }
    if (final && final->kind == AT_FINAL_OK) { /* OK, but the lines before it */
        modem_text_add(&t, ": unexpected answer");
        return err;
    }
    if (!final || final->line[0] == '\0') {
        modem_text_add(&t, ": ");
        modem_text_add(&t, ota_strerror(err));
        return err;
    }
    modem_text_add(&t, ": ");
    modem_text_add(&t, final->line);
    meaning = final->kind == AT_FINAL_CME ? cme_text(final->code) : NULL;
    if (meaning) {
        modem_text_add(&t, " (");
        modem_text_add(&t, meaning);
        modem_text_add(&t, ")");
    }
    return err;
}

int ota_modem__simple(struct ota_modem *m, const char *cmd)
{
    struct at_final final;
    uint32_t timeout = m->cfg.timeouts.command_ms;
    int err = ota_at_command(&m->at, cmd, timeout, NULL, &final);

    return err ? ota_modem__command_failed(m, err, cmd, &final, timeout) : 0;
}

const char *ota_modem_reason(const struct ota_modem *m)
{
    return m ? m->reason : "";
}
