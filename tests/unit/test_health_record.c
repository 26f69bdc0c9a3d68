/* The health record's text (src/core/health.c): what the file looks like,
 * that every record survives formatting and parsing, that corrupt files
 * read as a fresh record with OTA_ERR_STATE, and the transitions. Loading
 * and saving through the filesystem run on the simulated device in
 * tests/fuzz/fuzz_health.c. */
#include <stdint.h>
#include <string.h>

#include "health.h"
#include "test.h"

static const char example[] = "ota-health 1\n"
                              "last_check 1764079500\n"
                              "last_update 1764000000\n"
                              "boots 42\n"
                              "healthy_boots 40\n"
                              "crashes 1\n"
                              "last_crash 1764070000\n"
                              "last_error -11\n"
                              "notice_sequence 7\n";


static void test_example(void)
{
    struct ota_health h;
    char text[OTA_HEALTH_TEXT_MAX];

    CHECK_EQ_INT(ota_health_parse(example, strlen(example), &h), OTA_OK);
    CHECK_EQ_INT(h.last_check, 1764079500);
    CHECK_EQ_INT(h.last_update, 1764000000);
    CHECK_EQ_INT(h.boots, 42);
    CHECK_EQ_INT(h.healthy_boots, 40);
    CHECK_EQ_INT(h.crashes, 1);
    CHECK_EQ_INT(h.last_crash, 1764070000);
    CHECK_EQ_INT(h.last_error, OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(h.notice_sequence, 7);
    CHECK_EQ_INT(ota_health_format(&h, text, sizeof text), strlen(example));
    CHECK_EQ_STR(text, example);
}

static void test_extremes_round_trip(void)
{
    struct ota_health h, back;
    char text[OTA_HEALTH_TEXT_MAX];
    size_t len;

    h.last_check = INT64_MIN;
    h.last_update = INT64_MAX;
    h.boots = UINT32_MAX;
    h.healthy_boots = 0;
    h.crashes = UINT32_MAX;
    h.last_crash = -1;
    h.last_error = INT32_MIN;
    h.notice_sequence = UINT32_MAX;
    len = ota_health_format(&h, text, sizeof text);
    CHECK(len > 0 && len < 256);
    CHECK_EQ_INT(ota_health_parse(text, len, &back), OTA_OK);
    CHECK(ota_health_equal(&h, &back));
    /* too small a buffer: nothing half written */
    CHECK_EQ_INT(ota_health_format(&h, text, len), 0);
    CHECK_EQ_STR(text, "");
}

static void test_members_missing_or_unknown(void)
{
    static const char partial[] = "ota-health 1\nboots 3\nfuture_member anything at all\n";
    struct ota_health h;

    CHECK_EQ_INT(ota_health_parse(partial, strlen(partial), &h), OTA_OK);
    CHECK_EQ_INT(h.boots, 3);
    h.boots = 0;
    CHECK(ota_health_is_fresh(&h));
    CHECK_EQ_INT(ota_health_parse("ota-health 1\n", 13, &h), OTA_OK);
    CHECK(ota_health_is_fresh(&h));
}

static void test_corrupt_reads_fresh(void)
{
    static const char *const corrupt[] = {
        "",
        "\n",
        "ota-health 1",                          /* cut: no newline */
        "ota-health 2\nboots 1\n",               /* another version */
        "ota-health 1 \nboots 1\n",
        "ota-health 1\nboots 1",                 /* last line cut */
        "ota-health 1\nboots 1\nboots 2\n",      /* twice */
        "ota-health 1\nboots -1\n",
        "ota-health 1\nboots 4294967296\n",
        "ota-health 1\nlast_error 2147483648\n",
        "ota-health 1\nlast_error -2147483649\n",
        "ota-health 1\nlast_check 9223372036854775808\n",
        "ota-health 1\nlast_check -9223372036854775809\n",
        "ota-health 1\nboots 1x\n",
        "ota-health 1\nboots +1\n",
        "ota-health 1\nboots  1\n",
        "ota-health 1\nboots \n",
        "ota-health 1\nboots\n",
        "ota-health 1\nboots -\n",
        "ota-health 1\n\n",
        "ota-health 1\r\nboots 1\r\n",
        "ota-health 1\nBoots 1\n",
        "ota-health 1\n boots 1\n",
    };
    struct ota_health h;
    size_t i;

    for (i = 0; i < sizeof corrupt / sizeof corrupt[0]; i++) {
        memset(&h, 0x5a, sizeof h);
        CHECK_EQ_INT(ota_health_parse(corrupt[i], strlen(corrupt[i]), &h), OTA_ERR_STATE);
        CHECK(ota_health_is_fresh(&h));
    }
    /* a NUL inside a line, even an unknown member's */
    CHECK_EQ_INT(ota_health_parse("ota-health 1\nboots 1\0\n", 22, &h), OTA_ERR_STATE);
    CHECK_EQ_INT(ota_health_parse("ota-health 1\nx a\0b\n", 19, &h), OTA_ERR_STATE);
    CHECK(ota_health_is_fresh(&h));
}

static void test_limits_accepted(void)
{
    static const char limits[] = "ota-health 1\nlast_check -9223372036854775808\n"
                                 "last_update 9223372036854775807\nboots 4294967295\n"
                                 "last_error -2147483648\nlast_crash -0\n";
    struct ota_health h;

    CHECK_EQ_INT(ota_health_parse(limits, strlen(limits), &h), OTA_OK);
    CHECK(h.last_check == INT64_MIN);
    CHECK(h.last_update == INT64_MAX);
    CHECK_EQ_INT(h.boots, UINT32_MAX);
    CHECK_EQ_INT(h.last_error, INT32_MIN);
    CHECK_EQ_INT(h.last_crash, 0);
}

static void test_transitions(void)
{
    struct ota_health h;

    ota_health_fresh(&h);
    ota_health_record_boot(&h);
    ota_health_record_check(&h, 1000, OTA_OK);
    CHECK_EQ_INT(h.boots, 1);
    CHECK_EQ_INT(h.last_check, 1000);
    CHECK_EQ_INT(h.last_error, 0);
    /* a failed check still counts as a check, and its error is kept */
    ota_health_record_check(&h, 2000, OTA_ERR_NETWORK);
    CHECK_EQ_INT(h.last_check, 2000);
    CHECK_EQ_INT(h.last_error, OTA_ERR_NETWORK);
    ota_health_record_check(&h, 3000, OTA_OK);
    CHECK_EQ_INT(h.last_error, OTA_ERR_NETWORK);

    ota_health_record_crash(&h, 4000, OTA_ERR_TIMEOUT);
    ota_health_record_crash(&h, 4100, OTA_OK);
    CHECK_EQ_INT(h.crashes, 2);
    CHECK_EQ_INT(h.last_crash, 4100);
    CHECK_EQ_INT(h.last_error, OTA_ERR_TIMEOUT);
    ota_health_record_boot(&h);
    ota_health_record_healthy_boot(&h);
    CHECK_EQ_INT(h.boots, 2);
    CHECK_EQ_INT(h.healthy_boots, 1);
    CHECK_EQ_INT(h.crashes, 0);
    CHECK_EQ_INT(h.last_crash, 4100); /* history, for post-mortems */

    ota_health_record_update(&h, 5000);
    CHECK_EQ_INT(h.last_update, 5000);

    /* counters stop at their maximum instead of wrapping to 0 */
    h.boots = UINT32_MAX;
    h.crashes = UINT32_MAX;
    h.healthy_boots = UINT32_MAX;
    ota_health_record_boot(&h);
    ota_health_record_crash(&h, 6000, OTA_OK);
    CHECK_EQ_INT(h.boots, UINT32_MAX);
    CHECK_EQ_INT(h.crashes, UINT32_MAX);
    ota_health_record_healthy_boot(&h);
    CHECK_EQ_INT(h.healthy_boots, UINT32_MAX);
    CHECK_EQ_INT(h.crashes, 0);
}

int main(void)
{
    test_example();
    test_extremes_round_trip();
    test_members_missing_or_unknown();
    test_corrupt_reads_fresh();
    test_limits_accepted();
    test_transitions();
    TEST_MAIN_END();
}
