/* The modem families the driver speaks, and how they differ. Adding a family
 * starts here (docs/modems.md, "Adding a new modem"). */
#include <string.h>

#include "modem_internal.h"

/* 2G registers in CREG; LTE-M and NB-IoT in CEREG, with CREG kept for the
 * SIM7600's 2G/3G fallback. */
static const char *const creg_only[] = {"AT+CREG?", NULL};
static const char *const cereg_then_creg[] = {"AT+CEREG?", "AT+CREG?", NULL};

static const struct modem_dialect dialects[] = {
    {"sim800", creg_only, ota_modem__attach_sapbr, ota_modem__detach_sapbr,
     1, 1, READ_DATA_THEN_OK},
    {"sim7000", cereg_then_creg, ota_modem__attach_cnact, ota_modem__detach_cnact,
     0, 1, READ_DATA_THEN_OK},
    {"sim7600", cereg_then_creg, ota_modem__attach_netopen, ota_modem__detach_netopen,
     0, 0, READ_OK_THEN_BLOCKS},
};

#define DIALECT_COUNT (sizeof dialects / sizeof dialects[0])

static const struct modem_dialect *find(enum ota_modem_dialect d)
{
    size_t i = (size_t)d - 1u;

    return d >= OTA_MODEM_SIM800 && i < DIALECT_COUNT ? &dialects[i] : NULL;
}

const struct modem_dialect *ota_modem__dialect(const struct ota_modem *m)
{
    return find(m->cfg.dialect);
}

const char *ota_modem_dialect_name(enum ota_modem_dialect dialect)
{
    const struct modem_dialect *d = find(dialect);

    return d ? d->name : "unknown";
}

int ota_modem_dialect_parse(const char *name, enum ota_modem_dialect *out)
{
    size_t i;

    for (i = 0; name && i < DIALECT_COUNT; i++) {
        if (strcmp(name, dialects[i].name) == 0) {
            *out = (enum ota_modem_dialect)(i + 1u);
            return 0;
        }
    }
    return OTA_ERR_CONFIG;
}
