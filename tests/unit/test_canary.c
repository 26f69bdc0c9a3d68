/* Canary rollouts (src/core/canary.c): over 10,000 simulated devices the
 * share taking a release is the rollout percentage within one point; each
 * device's answer is stable; raising the percentage only adds devices;
 * another release picks other devices first; the buckets are those of the
 * documented formula (SHA-256 of device id, NUL, release id). */
#include <stdio.h>
#include <string.h>

#include "canary.h"
#include "test.h"

#define DEVICES 10000

static const char release_a[] = "0123456789abcdef0123456789abcdef01234567";
static const char release_b[] = "89abcdef0123456789abcdef0123456789abcdef";

/* Each simulated device's bucket for release_a and release_b. */
static uint32_t bucket_a[DEVICES], bucket_b[DEVICES];

static void device_id(unsigned i, char out[32])
{
    snprintf(out, 32, "pico-w-%05u", i);
}

static void compute_buckets(void)
{
    unsigned i;
    char id[32];

    for (i = 0; i < DEVICES; i++) {
        device_id(i, id);
        bucket_a[i] = ota_canary_bucket(id, release_a);
        bucket_b[i] = ota_canary_bucket(id, release_b);
    }
}

static long count_below(const uint32_t *buckets, uint32_t percent)
{
    long n = 0;
    unsigned i;

    for (i = 0; i < DEVICES; i++)
        n += buckets[i] < percent * 100u;
    return n;
}

/* ota_canary_selected is the bucket compared with the percentage, and the
 * same answer every time it is asked. */
static void test_selected_is_the_bucket_rule(void)
{
    static const uint32_t percents[] = {0, 1, 20, 99, 100};
    unsigned i, wrong = 0, out_of_range = 0;
    char id[32];
    size_t p;

    for (i = 0; i < DEVICES; i++) {
        device_id(i, id);
        out_of_range += bucket_a[i] >= OTA_CANARY_BUCKETS;
        wrong += ota_canary_bucket(id, release_a) != bucket_a[i];
        if (i % 20 != 0)
            continue;
        for (p = 0; p < sizeof percents / sizeof percents[0]; p++)
            wrong += ota_canary_selected(id, release_a, percents[p]) !=
                     (percents[p] == 100 || bucket_a[i] < percents[p] * 100u);
    }
    CHECK_EQ_INT(out_of_range, 0);
    CHECK_EQ_INT(wrong, 0);
}

static void test_share_matches_percent(void)
{
    static const uint32_t percents[] = {1, 5, 10, 20, 50, 90};
    long tolerance = DEVICES / 100; /* one percentage point */
    size_t i;

    for (i = 0; i < sizeof percents / sizeof percents[0]; i++) {
        long expected = (long)percents[i] * DEVICES / 100;
        long got_a = count_below(bucket_a, percents[i]);
        long got_b = count_below(bucket_b, percents[i]);
        CHECK(got_a >= expected - tolerance && got_a <= expected + tolerance);
        CHECK(got_b >= expected - tolerance && got_b <= expected + tolerance);
    }
    CHECK_EQ_INT(count_below(bucket_a, 0), 0);
    CHECK_EQ_INT(count_below(bucket_a, 100), DEVICES);
    /* everybody at 100 % and above, nobody at 0 %, whatever the bucket */
    CHECK_EQ_INT(ota_canary_selected("any", release_a, 100), 1);
    CHECK_EQ_INT(ota_canary_selected("any", release_a, 250), 1);
    CHECK_EQ_INT(ota_canary_selected("any", release_a, 0), 0);
}

static void test_releases_reshuffle(void)
{
    unsigned i, first_a = 0, both = 0;

    /* independent choices of 10 % would share about 1 % of the fleet */
    for (i = 0; i < DEVICES; i++) {
        first_a += bucket_a[i] < 1000;
        both += bucket_a[i] < 1000 && bucket_b[i] < 1000;
    }
    CHECK(first_a > 0);
    CHECK(both < first_a / 4);
}

static void test_documented_formula(void)
{
    static const char release_aaa[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /* int.from_bytes(sha256(dev + b"\0" + rel).digest()[:8], "big") % 10000 */
    CHECK_EQ_INT(ota_canary_bucket("dev-1", release_aaa), 686);
    CHECK_EQ_INT(ota_canary_bucket("device-0042", release_a), 6206);
    CHECK_EQ_INT(ota_canary_bucket("", ""), 3192);
    CHECK_EQ_INT(ota_canary_bucket(NULL, NULL), 3192);
    /* the separator keeps the two ids apart */
    CHECK(ota_canary_bucket("ab", "c") != ota_canary_bucket("a", "bc"));
    /* bucket 686 is in from 7 % (686 < 700), out at 6 % */
    CHECK_EQ_INT(ota_canary_selected("dev-1", release_aaa, 6), 0);
    CHECK_EQ_INT(ota_canary_selected("dev-1", release_aaa, 7), 1);
}

int main(void)
{
    compute_buckets();
    test_selected_is_the_bucket_rule();
    test_share_matches_percent();
    test_releases_reshuffle();
    test_documented_formula();
    TEST_MAIN_END();
}
