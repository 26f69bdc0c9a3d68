/* The AT command channel: sends a command, collects its response lines up to
 * the final result (OK, ERROR, +CME ERROR: n, +CMS ERROR: n) within a
 * deadline, and hands every line that is not part of the response (echo
 * aside) to the unsolicited result code handler, so that a "RING" or a
 * "+CREG: 1" arriving between a command and its answer changes nothing.
 * Raw data blocks (+HTTPREAD, +HTTPHEAD) are read by byte count. */
#ifndef OTA_AT_CHANNEL_H
#define OTA_AT_CHANNEL_H

#include "ota_modem.h"

/* What a response-line handler did with a line. */
enum at_line {
    AT_LINE_TAKEN = 0,    /* part of the response, consumed */
    AT_LINE_NOT_MINE = 1, /* same prefix, but an unsolicited code */
    AT_LINE_DONE = 2      /* the awaited line: ota_at_wait() returns */
};

/* The lines a caller wants: those starting with prefix go to on_info, which
 * returns an enum at_line or a negative error, which the command returns once
 * its final result came (so the channel stays in step). on_info may read a
 * raw data block that follows its line with ota_at_read_raw(). */
struct at_reply {
    const char *prefix;
    int (*on_info)(void *arg, struct ota_at_channel *ch, const char *line, size_t len);
    void *arg;
};

enum at_final_kind { AT_FINAL_OK, AT_FINAL_ERROR, AT_FINAL_CME, AT_FINAL_CMS };

/* How a command ended; line is the final result as the modem sent it. */
struct at_final {
    enum at_final_kind kind;
    long code; /* +CME/+CMS ERROR number, -1 when text */
    char line[48];
};

void ota_at_init(struct ota_at_channel *ch, const struct ota_modem_serial *io);

/* Sends cmd (without the final CR) and reads its response. 0 on OK;
 * OTA_ERR_NETWORK on ERROR, +CME or +CMS ERROR (final says which);
 * OTA_ERR_TIMEOUT when no final result came within timeout_ms; a serial
 * error or on_info's error as is. reply and final may be NULL. */
int ota_at_command(struct ota_at_channel *ch, const char *cmd, uint32_t timeout_ms,
                   const struct at_reply *reply, struct at_final *final);

/* Reads lines until reply's on_info returns AT_LINE_DONE (0), the modem
 * reports the link down (OTA_ERR_NETWORK) or timeout_ms pass
 * (OTA_ERR_TIMEOUT). Other lines go to the unsolicited code handler. */
int ota_at_wait(struct ota_at_channel *ch, uint32_t timeout_ms, const struct at_reply *reply);

/* Handles unsolicited codes for ms milliseconds: a pause that misses
 * nothing. */
int ota_at_idle(struct ota_at_channel *ch, uint32_t ms);

/* Discards input until the line has been quiet for quiet_ms: after a
 * timeout, so that a late answer is not taken for the next command's. */
void ota_at_flush(struct ota_at_channel *ch, uint32_t quiet_ms);

/* Passes the next n bytes to consume in pieces, by deadline (ms clock). A
 * consumer's negative return ends the read with that error; the rest of the
 * block is still read and dropped, so the channel stays in step. */
int ota_at_read_raw(struct ota_at_channel *ch, uint64_t n,
                    int (*consume)(void *arg, const uint8_t *data, size_t len),
                    void *arg, uint32_t deadline);

/* The clock, and a deadline ms from now. */
uint32_t ota_at_now(struct ota_at_channel *ch);
uint32_t ota_at_deadline(struct ota_at_channel *ch, uint32_t ms);

#endif
