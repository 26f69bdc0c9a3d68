/* The simulated device every test here starts from: a formatted flash, a
 * GitHub imitation serving one repository, and settings that follow its
 * main branch (test.h's CHECK macros report a failed setup). */
#ifndef OTA_TEST_DEVICE_H
#define OTA_TEST_DEVICE_H

#include <string.h>

#include "ota/ota.h"
#include "sim.h"
#include "test.h"

static struct sim sim;
static uint8_t arena[1 << 20];
static char net_text[64 << 10];
static struct ota_port port;
static struct ota_ctx ctx;
static uint8_t work[4096];
static struct ota_settings settings;
static const struct sim_repo repo = {"http://api.sim", "http://raw.sim", "acme", "app"};

/* Formats the device and publishes files as the tip of main. */
static void device_with(const struct sim_file *files, size_t n)
{
    char commit[41];

    sim_init(&sim, arena, sizeof arena, net_text, sizeof net_text, &port);
    CHECK_EQ_INT(sim_repo_publish(&sim.http, &repo, "main", "v1", files, n, commit), 0);
    memset(&settings, 0, sizeof settings);
    settings.owner = repo.owner;
    settings.repo = repo.name;
    settings.channel = OTA_CHANNEL_DEVELOPER;
    settings.api_url = repo.api_url;
    settings.raw_url = repo.raw_url;
    settings.retries = 3;
}

static inline int device_has(const char *path)
{
    struct ota_stat st;

    return port.fs.stat(port.user, path, &st) == OTA_OK;
}

#endif
