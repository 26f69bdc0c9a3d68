/* A cellular link through an AT-command modem (SIMCom SIM800, SIM7000 and
 * SIM7600 families): bring-up (SIM, registration, packet data), signal
 * strength, and HTTP(S) GET through the modem's own HTTP commands, with the
 * contract of `struct ota_http_ops.get`.
 *
 * Portable C99: no OS calls, no allocation, no globals. The serial line is a
 * struct of callbacks, and every byte of state lives in a caller-provided
 * `struct ota_modem`, so the same driver runs on a microcontroller UART and
 * on a Linux tty (modem_serial_posix.h). docs/modems.md describes the
 * command flows. */
#ifndef OTA_MODEM_H
#define OTA_MODEM_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest response line kept whole; longer lines are recognised by their
 * start only (no response the driver parses is that long). */
#ifndef OTA_MODEM_LINE_MAX
#define OTA_MODEM_LINE_MAX 256
#endif
/* Longest command (the URL, the request headers) and longest response header
 * line delivered to the sink: sized for GitHub's signed redirect URLs. */
#ifndef OTA_MODEM_SCRATCH_MAX
#define OTA_MODEM_SCRATCH_MAX 1536
#endif
#define OTA_MODEM_RX_MAX 128
#define OTA_MODEM_REASON_MAX 112
#define OTA_MODEM_APN_MAX 64

/* ota_modem_signal() when the modem does not know (AT+CSQ reports 99). */
#define OTA_MODEM_DBM_UNKNOWN 0

/* The serial line. read() waits at most timeout_ms and returns the number of
 * bytes read (0 when none came in time) or a negative error; write() sends
 * all of data or fails. millis() is a monotonic clock that may wrap. on_wait
 * (may be NULL) is called at least twice a second while the driver waits, to
 * feed a watchdog. */
struct ota_modem_serial {
    int (*write)(void *user, const uint8_t *data, size_t len);
    long (*read)(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms);
    uint32_t (*millis)(void *user);
    void (*on_wait)(void *user);
    void *user;
};

enum ota_modem_dialect {
    OTA_MODEM_SIM800 = 1,  /* 2G: AT+SAPBR bearer, AT+HTTPSSL for https */
    OTA_MODEM_SIM7000 = 2, /* LTE-M/NB-IoT: AT+CNACT, SIM800-style HTTP */
    OTA_MODEM_SIM7600 = 3  /* LTE: AT+NETOPEN, HTTPREAD in DATA blocks */
};

/* Zero members take the default in brackets. */
struct ota_modem_timeouts {
    uint32_t command_ms;  /* an ordinary command's final result [5000] */
    uint32_t probe_ms;    /* the modem answering AT after power-up [10000] */
    uint32_t register_ms; /* network registration [60000] */
    uint32_t poll_ms;     /* between registration queries [1000] */
    uint32_t attach_ms;   /* bearer / PDP context activation [85000] */
    uint32_t action_ms;   /* AT+HTTPACTION until the response is in [120000] */
    uint32_t read_ms;     /* one AT+HTTPREAD or AT+HTTPHEAD [10000] */
};

struct ota_modem_config {
    enum ota_modem_dialect dialect;
    struct ota_modem_serial serial;
    struct ota_modem_timeouts timeouts;
    uint32_t read_chunk; /* body bytes asked per AT+HTTPREAD [1024] */
};

/* The command channel: bytes in, lines out, final results and unsolicited
 * result codes told apart (at_channel.c). Part of struct ota_modem. */
struct ota_at_channel {
    struct ota_modem_serial io;
    /* a second waiter to keep fed (the HTTP sink's on_wait), may be NULL */
    void (*wait_hook)(void *arg);
    void *wait_arg;
    uint32_t last_wait;
    /* unsolicited result codes; returns 1 when the line says the data link
     * went down, which ends any wait for more data */
    int (*urc)(void *arg, const char *line, size_t len);
    void *urc_arg;
    int link_lost;
    uint8_t rx[OTA_MODEM_RX_MAX];
    size_t rx_pos, rx_len;
    char line[OTA_MODEM_LINE_MAX];
    size_t line_len;
    int line_clipped;
};

/* The result the last +HTTPACTION unsolicited code reported. */
struct ota_modem_action {
    int seen;
    int status;
    uint64_t length;
};

struct ota_modem {
    struct ota_modem_config cfg;
    struct ota_at_channel at;
    char apn[OTA_MODEM_APN_MAX];
    char scratch[OTA_MODEM_SCRATCH_MAX];
    char reason[OTA_MODEM_REASON_MAX];
    int up;       /* ota_modem_up succeeded and ota_modem_down was not called */
    int attached; /* packet data is active, as far as the modem told us */
    struct ota_modem_action action;
};

/* Checks cfg (dialect, callbacks) and fills in the default timeouts. */
int ota_modem_init(struct ota_modem *m, const struct ota_modem_config *cfg);

/* Probes the modem (AT), turns echo off, checks the SIM, waits for network
 * registration and activates packet data with apn. OTA_ERR_TIMEOUT when the
 * modem does not answer or does not register in time, OTA_ERR_NETWORK when
 * it refuses (no SIM, registration denied, no PDP context), OTA_ERR_CONFIG
 * for an APN that cannot be sent; ota_modem_reason() says which. */
int ota_modem_up(struct ota_modem *m, const char *apn);

/* Deactivates packet data. */
int ota_modem_down(struct ota_modem *m);

/* Received signal strength in dBm (-113 to -51), or OTA_MODEM_DBM_UNKNOWN. */
int ota_modem_signal(struct ota_modem *m, int *dbm);

/* One HTTP(S) GET through the modem, exactly as struct ota_http_ops.get:
 * user is the struct ota_modem. No redirect is followed; the status, then
 * the response headers, then the body reach the sink. A link that drops
 * mid-body returns OTA_ERR_TRUNCATED after the bytes received so far were
 * delivered, and the next call re-activates packet data first, so the engine
 * can resume with a Range request. */
int ota_modem_get(void *user, const struct ota_http_request *req,
                  const struct ota_http_sink *sink);

/* Why the last call failed, e.g. "+CME ERROR: 10 (SIM not inserted)". */
const char *ota_modem_reason(const struct ota_modem *m);

/* "sim800", "sim7000", "sim7600" and back; parse returns OTA_ERR_CONFIG for
 * a name it does not know. */
const char *ota_modem_dialect_name(enum ota_modem_dialect dialect);
int ota_modem_dialect_parse(const char *name, enum ota_modem_dialect *out);

#ifdef __cplusplus
}
#endif
#endif
