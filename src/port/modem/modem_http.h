/* One HTTP GET through the modem, shared by the files that do its parts:
 * modem_http.c (the session and the response), modem_http_request.c (the
 * request), modem_http_head.c (response headers), modem_http_read.c (the
 * body). */
#ifndef OTA_MODEM_HTTP_H
#define OTA_MODEM_HTTP_H

#include "modem_internal.h"

struct http_transfer {
    struct ota_modem *m;
    const struct ota_http_sink *sink;
    uint64_t length;         /* body bytes the modem holds (+HTTPACTION) */
    uint64_t delivered;      /* body bytes passed to the sink */
    uint64_t content_length; /* what the server announced, if it did */
    int has_content_length;
    int sink_err;            /* the sink's error, returned as is */
    /* response header parsing */
    size_t header_len;
    int header_clipped;
    int status_line_seen;
    /* the AT+HTTPREAD in progress */
    uint64_t asked;
    uint64_t got;
    int ended;
    int overrun;
};

/* modem_http_request.c: whether the request can be sent at all (0 or
 * OTA_ERR_INVALID_ARG), and sending it up to the +HTTPACTION outcome,
 * which is left in m->action (a modem-level failure is OTA_ERR_NETWORK). */
int ota_modem__http_check(struct ota_modem *m, const struct ota_http_request *req);
int ota_modem__http_send(struct ota_modem *m, const struct ota_http_request *req);

/* AT+HTTPHEAD: every response header to the sink. */
int ota_modem__http_headers(struct http_transfer *t);

/* One AT+HTTPREAD=<offset>,<len> of t->asked bytes at t->delivered, in the
 * dialect's format; t->got says how many came. */
int ota_modem__http_read(struct http_transfer *t);

#endif
