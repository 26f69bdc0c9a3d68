/* A transfer that breaks off mid-file resumes where it stopped: the retry
 * asks for the rest with a Range request and nothing verified so far comes
 * again; a server that ignores Range sends the file whole and the download
 * starts over. Either way the installed file is exact. */
#include "device.h"

static char big[20000];

static void device(void)
{
    static const struct sim_file files[] = {{"data/big.bin", big, sizeof big}};
    size_t i;

    for (i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + (i * 7u + i / 13u) % 26u);
    device_with(files, 1);
    settings.backoff_sec = 1;
    settings.max_backoff_sec = 2;
}

static uint64_t update(void)
{
    struct ota_result res;

    CHECK_EQ_INT(ota_init(&ctx, &port, &settings, work, sizeof work), OTA_OK);
    CHECK_EQ_INT(ota_update(&ctx, &res), OTA_OK);
    CHECK(res.installed);
    return ota_last_stats(&ctx)->bytes_received;
}

static int installed_exactly(void)
{
    static char got[sizeof big + 1];
    long n;
    int fd = port.fs.open(port.user, "data/big.bin", OTA_OPEN_READ);

    if (fd < 0)
        return 0;
    n = port.fs.read(port.user, fd, got, sizeof got);
    port.fs.close(port.user, fd);
    return n == (long)sizeof big && memcmp(got, big, sizeof big) == 0;
}

static void test_broken_transfer_resumes_with_range(void)
{
    uint64_t whole, resumed;

    device();
    whole = update(); /* the bytes of an unbroken update */
    device();
    sim.http.drop_after = 7500; /* the file's link drops after 7,500 bytes */
    sim.http.drops = 1;
    /* the listing and commit answers are small: only the file is cut */
    resumed = update();
    CHECK(installed_exactly());
    CHECK_EQ_INT(sim.http.ranged, 1);
    CHECK_EQ_INT(ota_last_stats(&ctx)->retries, 1);
    CHECK_EQ_INT(resumed, whole); /* not one byte twice */
}

static void test_drops_repeatedly_still_complete(void)
{
    device();
    sim.http.drop_after = 3000;
    sim.http.drops = 3; /* each attempt gets 3,000 more bytes */
    update();
    CHECK(installed_exactly());
    CHECK_EQ_INT(sim.http.ranged, 3);
}

static void test_server_ignoring_range_restarts_the_file(void)
{
    uint64_t whole, again;

    device();
    whole = update();
    device();
    sim.http.no_ranges = 1;
    sim.http.drop_after = 7500;
    sim.http.drops = 1;
    again = update();
    CHECK(installed_exactly());
    CHECK_EQ_INT(sim.http.ranged, 1);
    CHECK_EQ_INT(again, whole + 7500u); /* the broken part came twice */
}

int main(void)
{
    test_broken_transfer_resumes_with_range();
    test_drops_repeatedly_still_complete();
    test_server_ignoring_range_restarts_the_file();
    TEST_MAIN_END();
}
