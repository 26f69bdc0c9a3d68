/* `ota notice FRAME`: a LoRa "update available" notice the radio received
 * (hex), authenticated with lora_key; a valid, new one triggers a check over
 * the links that carry HTTP. `ota notice-frame` makes frames (the sender's
 * side: a gateway or a release pipeline). docs/lora.md has the format. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hex.h"
#include "jsonw.h"
#include "notice.h"
#include "report.h"

static int frame_from(const char *text, uint8_t *frame, size_t *len)
{
    size_t n = strlen(text);

    if (n % 2 != 0 || n / 2 > OTA_NOTICE_SIZE * 2 || ota_hex_decode(text, n, frame, n / 2) != 0)
        return -1;
    *len = n / 2;
    return 0;
}

static int key_from(const char *text, uint8_t *key, size_t cap, size_t *len)
{
    size_t n = text ? strlen(text) : 0;

    if (n == 0 || n % 2 != 0 || n / 2 > cap || ota_hex_decode(text, n, key, n / 2) != 0)
        return -1;
    *len = n / 2;
    return 0;
}

static void report(struct cli *cli, const char *command, int err, int news,
                   const struct ota_result *res)
{
    struct jsonw w;

    if (cli->opt.json) {
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, err ? "refused" : news ? "checked" : "nothing-new",
                         err, ota_reason(&cli->ctx));
        jsonw_bool(&w, "accepted", err == OTA_OK || news);
        jsonw_bool(&w, "new_release", news);
        if (news)
            jsonw_bool(&w, "update_available", res->update_available);
        jsonw_end(&w);
    } else if (err) {
        report_error(cli, command, err, ota_reason(&cli->ctx));
    } else if (!news) {
        report_line(cli, "notice accepted: it announces the installed version");
    } else {
        report_line(cli, "notice accepted: %s", res->update_available
                                                    ? "update available (`ota update` installs it)"
                                                    : "checked: up to date");
    }
}

int cmd_notice(struct cli *cli, const char *command)
{
    uint8_t frame[OTA_NOTICE_SIZE * 2], key[128];
    size_t frame_len, key_len;
    struct ota_result res;
    int code = session_open(cli, command), err, news = 0;

    if (code != EXIT_OK)
        return code;
    memset(&res, 0, sizeof res);
    if (!cli->opt.arg || frame_from(cli->opt.arg, frame, &frame_len) != 0) {
        fprintf(stderr, "ota %s: give the frame in hex (%d bytes)\n", command, OTA_NOTICE_SIZE);
        session_close(cli);
        return EXIT_USAGE;
    }
    if (key_from(cli->cfg.lora_key, key, sizeof key, &key_len) != 0) {
        fprintf(stderr, "ota %s: \"lora_key\" (hex) is needed to authenticate notices\n",
                command);
        session_close(cli);
        return EXIT_CONFIG;
    }
    err = ota_accept_notice(&cli->ctx, frame, frame_len, key, key_len, &news);
    if (err == OTA_OK && news)
        err = ota_check(&cli->ctx, &res);
    report(cli, command, err, news, &res);
    session_close(cli);
    if (err != OTA_OK)
        return exit_code_for(err);
    return news && res.update_available ? EXIT_UPDATE_AVAILABLE : EXIT_OK;
}

/* ---- the sender's side ------------------------------------------------------- */

const char notice_frame_help[] =
    "usage: ota notice-frame --key HEX --sequence N --release COMMIT [--key-id K]\n"
    "\n"
    "Prints, in hex, the LoRa notice announcing release COMMIT (its SHA-1, at\n"
    "least 16 hex digits), authenticated with the fleet's key (docs/lora.md).\n"
    "N must grow with every notice sent: devices refuse replays.\n"
    "\n"
    "Options:\n"
    "      --key HEX      the shared key, as devices have it in lora_key\n"
    "      --sequence N   1 to 4294967295\n"
    "      --release C    the commit announced\n"
    "      --key-id K     which key, 0 to 255 (default 0)\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 ok, 2 usage.\n";

int cmd_notice_frame(int argc, char **argv)
{
    enum { O_KEY = 256, O_SEQ, O_REL, O_KID };
    static const struct option longs[] = {
        {"key", required_argument, NULL, O_KEY},     {"sequence", required_argument, NULL, O_SEQ},
        {"release", required_argument, NULL, O_REL}, {"key-id", required_argument, NULL, O_KID},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    const char *key_hex = NULL, *release = NULL;
    unsigned long long seq = 0, kid = 0;
    uint8_t key[128], frame[OTA_NOTICE_SIZE];
    size_t key_len, i;
    struct ota_notice n;
    struct cli *cli;
    int c, err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case O_KEY: key_hex = optarg; break;
        case O_SEQ: seq = strtoull(optarg, NULL, 10); break;
        case O_REL: release = optarg; break;
        case O_KID: kid = strtoull(optarg, NULL, 10); break;
        case 'h': fputs(notice_frame_help, stdout); return EXIT_OK;
        default: fputs(notice_frame_help, stderr); return EXIT_USAGE;
        }
    }
    memset(&n, 0, sizeof n);
    if (optind != argc || key_from(key_hex, key, sizeof key, &key_len) != 0 || seq == 0 ||
        seq > 0xffffffffULL || kid > 255 || !release ||
        ota_notice_release_from_hex(release, n.release) != OTA_OK) {
        fputs(notice_frame_help, stderr);
        return EXIT_USAGE;
    }
    n.sequence = (uint32_t)seq;
    n.key_id = (uint8_t)kid;
    /* the encoder hashes through the crypto port: the POSIX one */
    cli = calloc(1, sizeof *cli);
    if (!cli || ota_posix_init(&cli->posix, NULL, &cli->port) != OTA_OK) {
        free(cli);
        return EXIT_INTERNAL;
    }
    cli->ctx.port = &cli->port;
    err = ota_notice_encode(&cli->ctx, &n, key, key_len, frame);
    ota_posix_deinit(&cli->posix);
    free(cli);
    if (err != OTA_OK)
        return EXIT_INTERNAL;
    for (i = 0; i < sizeof frame; i++)
        printf("%02x", frame[i]);
    putchar('\n');
    return EXIT_OK;
}
