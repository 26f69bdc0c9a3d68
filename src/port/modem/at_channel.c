#include "at_channel.h"

#include <string.h>

#include "modem_text.h"

/* The serial line is read in slices this long at most, so that the waiters
 * are fed at least twice a second however long the deadline. */
#define WAIT_SLICE_MS 400u

void ota_at_init(struct ota_at_channel *ch, const struct ota_modem_serial *io)
{
    memset(ch, 0, sizeof *ch);
    ch->io = *io;
    ch->last_wait = io->millis(io->user);
}

uint32_t ota_at_now(struct ota_at_channel *ch)
{
    return ch->io.millis(ch->io.user);
}

uint32_t ota_at_deadline(struct ota_at_channel *ch, uint32_t ms)
{
    return ota_at_now(ch) + ms;
}

/* The clock may wrap: compare by signed distance. */
static int passed(uint32_t now, uint32_t deadline)
{
    return (int32_t)(now - deadline) >= 0;
}

static void feed_waiters(struct ota_at_channel *ch, uint32_t now)
{
    ch->last_wait = now;
    if (ch->io.on_wait)
        ch->io.on_wait(ch->io.user);
    if (ch->wait_hook)
        ch->wait_hook(ch->wait_arg);
}

/* Refills the receive buffer: 0, OTA_ERR_TIMEOUT at the deadline, or
 * OTA_ERR_NETWORK when the serial line fails. */
static int fill(struct ota_at_channel *ch, uint32_t deadline)
{
    for (;;) {
        uint32_t now = ota_at_now(ch), left;
        long n;

        if (now - ch->last_wait >= WAIT_SLICE_MS)
            feed_waiters(ch, now);
        if (passed(now, deadline))
            return OTA_ERR_TIMEOUT;
        left = deadline - now;
        n = ch->io.read(ch->io.user, ch->rx, sizeof ch->rx,
                        left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS);
        if (n < 0)
            return OTA_ERR_NETWORK;
        if (n > 0) {
            ch->rx_pos = 0;
            ch->rx_len = (size_t)n > sizeof ch->rx ? sizeof ch->rx : (size_t)n;
            return 0;
        }
    }
}

/* Reads the next non-empty line into ch->line (CR and LF stripped). A line
 * longer than the buffer keeps its start and is marked clipped. */
static int read_line(struct ota_at_channel *ch, uint32_t deadline)
{
    ch->line_len = 0;
    ch->line_clipped = 0;
    for (;;) {
        char c;
        int err;

        if (ch->rx_pos == ch->rx_len && (err = fill(ch, deadline)) != 0)
            return err;
        c = (char)ch->rx[ch->rx_pos++];
        if (c == '\n') {
            if (ch->line_len > 0 || ch->line_clipped)
                break;
            continue;
        }
        if (c == '\r')
            continue;
        if (ch->line_len + 1 < sizeof ch->line)
            ch->line[ch->line_len++] = c;
        else
            ch->line_clipped = 1;
    }
    ch->line[ch->line_len] = '\0';
    return 0;
}

int ota_at_read_raw(struct ota_at_channel *ch, uint64_t n,
                    int (*consume)(void *arg, const uint8_t *data, size_t len),
                    void *arg, uint32_t deadline)
{
    int first_err = 0;

    while (n > 0) {
        size_t avail;
        int err;

        if (ch->rx_pos == ch->rx_len && (err = fill(ch, deadline)) != 0)
            return err;
        avail = ch->rx_len - ch->rx_pos;
        if ((uint64_t)avail > n)
            avail = (size_t)n;
        if (first_err == 0)
            first_err = consume(arg, ch->rx + ch->rx_pos, avail);
        if (first_err > 0)
            first_err = 0;
        ch->rx_pos += avail;
        n -= avail;
    }
    return first_err;
}

static long error_code(const char *line, size_t len, size_t prefix_len)
{
    size_t pos = prefix_len;
    uint64_t v;

    if (modem_parse_u64(line, len, &pos, &v) != 0 || v > 100000u)
        return -1;
    return (long)v;
}

/* 1 when the line is a final result, described in *final. */
static int is_final(const char *line, size_t len, struct at_final *final)
{
    struct modem_text t;

    if (len == 2 && memcmp(line, "OK", 2) == 0)
        final->kind = AT_FINAL_OK;
    else if (len == 5 && memcmp(line, "ERROR", 5) == 0)
        final->kind = AT_FINAL_ERROR;
    else if (modem_starts_with(line, len, "+CME ERROR:"))
        final->kind = AT_FINAL_CME;
    else if (modem_starts_with(line, len, "+CMS ERROR:"))
        final->kind = AT_FINAL_CMS;
    else
        return 0;
    final->code = final->kind >= AT_FINAL_CME ? error_code(line, len, 11) : -1;
    modem_text_start(&t, final->line, sizeof final->line);
    modem_text_addn(&t, line, len);
    /* it goes into reason texts and logs: printable ASCII only */
    for (len = 0; final->line[len]; len++)
        if ((unsigned char)final->line[len] < 0x20 || (unsigned char)final->line[len] > 0x7e)
            final->line[len] = '?';
    return 1;
}

/* Gives a line that is not a final result to whoever wants it. Lines nobody
 * wants are dropped: the echo of a command before ATE0 (it starts with "AT",
 * which no response does), and codes the driver has no use for. */
static int route(struct ota_at_channel *ch, const struct at_reply *reply)
{
    const char *line = ch->line;
    size_t len = ch->line_len;

    if (reply && reply->prefix && modem_starts_with(line, len, reply->prefix)) {
        int r = reply->on_info(reply->arg, ch, line, len);
        if (r != AT_LINE_NOT_MINE)
            return r;
    }
    if (ch->urc && ch->urc(ch->urc_arg, line, len))
        ch->link_lost = 1;
    return AT_LINE_TAKEN;
}

static int send_command(struct ota_at_channel *ch, const char *cmd)
{
    static const uint8_t cr = '\r';

    if (ch->io.write(ch->io.user, (const uint8_t *)cmd, strlen(cmd)) != 0 ||
        ch->io.write(ch->io.user, &cr, 1) != 0)
        return OTA_ERR_NETWORK;
    return 0;
}

int ota_at_command(struct ota_at_channel *ch, const char *cmd, uint32_t timeout_ms,
                   const struct at_reply *reply, struct at_final *final)
{
    uint32_t deadline = ota_at_deadline(ch, timeout_ms);
    struct at_final scratch;
    int err, info_err = 0;

    if (!final)
        final = &scratch;
    final->kind = AT_FINAL_ERROR;
    final->code = -1;
    final->line[0] = '\0';
    if ((err = send_command(ch, cmd)) != 0)
        return err;
    for (;;) {
        if ((err = read_line(ch, deadline)) != 0)
            return err;
        if (!ch->line_clipped && is_final(ch->line, ch->line_len, final))
            break;
        err = route(ch, reply);
        if (err < 0 && info_err == 0)
            info_err = err;
    }
    if (info_err)
        return info_err;
    return final->kind == AT_FINAL_OK ? 0 : OTA_ERR_NETWORK;
}

int ota_at_wait(struct ota_at_channel *ch, uint32_t timeout_ms, const struct at_reply *reply)
{
    uint32_t deadline = ota_at_deadline(ch, timeout_ms);
    struct at_final ignored;
    int err;

    while (!ch->link_lost) {
        if ((err = read_line(ch, deadline)) != 0)
            return err;
        if (!ch->line_clipped && is_final(ch->line, ch->line_len, &ignored))
            continue; /* a stray final result belongs to no one */
        err = route(ch, reply);
        if (err < 0)
            return err;
        if (err == AT_LINE_DONE)
            return 0;
    }
    return OTA_ERR_NETWORK;
}

int ota_at_idle(struct ota_at_channel *ch, uint32_t ms)
{
    uint32_t deadline = ota_at_deadline(ch, ms);
    struct at_final ignored;
    int err;

    for (;;) {
        err = read_line(ch, deadline);
        if (err == OTA_ERR_TIMEOUT)
            return 0;
        if (err != 0)
            return err;
        if (ch->line_clipped || !is_final(ch->line, ch->line_len, &ignored))
            route(ch, NULL);
    }
}

void ota_at_flush(struct ota_at_channel *ch, uint32_t quiet_ms)
{
    /* a modem that never stops talking is given up on after a while */
    uint32_t give_up = ota_at_deadline(ch, quiet_ms * 8u);

    ch->rx_pos = ch->rx_len = 0;
    while (!passed(ota_at_now(ch), give_up) &&
           fill(ch, ota_at_deadline(ch, quiet_ms)) == 0)
        ch->rx_pos = ch->rx_len = 0;
}
