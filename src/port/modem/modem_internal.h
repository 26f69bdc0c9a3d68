/* What the files of the modem driver share and nobody else sees. */
#ifndef OTA_MODEM_INTERNAL_H
#define OTA_MODEM_INTERNAL_H

#include "at_channel.h"
#include "ota_modem.h"

/* What differs between modem families, in one place (modem_dialect.c). */
enum modem_read_format {
    /* SIM800, SIM7000: "+HTTPREAD: <n>", n bytes, then OK */
    READ_DATA_THEN_OK,
    /* SIM7600: OK first, then blocks "+HTTPREAD: DATA,<n>" and n bytes,
     * ended by "+HTTPREAD: 0" */
    READ_OK_THEN_BLOCKS
};

struct modem_dialect {
    const char *name;
    /* registration queries, any of which may report the modem registered */
    const char *const *registration;
    int (*attach)(struct ota_modem *m);
    int (*detach)(struct ota_modem *m);
    int http_cid;      /* the HTTP service needs AT+HTTPPARA="CID",1 */
    int http_ssl_cmd;  /* https needs AT+HTTPSSL=1 (else the URL's scheme) */
    enum modem_read_format read_format;
};

const struct modem_dialect *ota_modem__dialect(const struct ota_modem *m);

/* modem_attach.c: packet data per family */
int ota_modem__attach_sapbr(struct ota_modem *m);
int ota_modem__detach_sapbr(struct ota_modem *m);
int ota_modem__attach_cnact(struct ota_modem *m);
int ota_modem__detach_cnact(struct ota_modem *m);
int ota_modem__attach_netopen(struct ota_modem *m);
int ota_modem__detach_netopen(struct ota_modem *m);

/* modem_register.c: waits for network registration. */
int ota_modem__register(struct ota_modem *m);

/* modem_urc.c: the unsolicited result code handler of the channel. */
int ota_modem__urc(void *arg, const char *line, size_t len);
/* Parses "+HTTPACTION: <method>,<status>,<length>" into m->action. */
int ota_modem__parse_action(struct ota_modem *m, const char *line, size_t len);

/* modem_reason.c: sets m->reason to the concatenation of the non-NULL
 * texts and returns err. */
int ota_modem__fail(struct ota_modem *m, int err, const char *a, const char *b,
                    const char *c);
/* A failed command: "<what>: +CME ERROR: 10 (SIM not inserted)", or
 * "<what>: no answer in 5 s" for a timeout. Returns err. */
int ota_modem__command_failed(struct ota_modem *m, int err, const char *what,
                              const struct at_final *final, uint32_t timeout_ms);
/* What a modem-level HTTP status (600 and up) means, or NULL. */
const char *ota_modem__action_text(int status);

/* A command with the ordinary timeout; a failure sets the reason. */
int ota_modem__simple(struct ota_modem *m, const char *cmd);

#endif
