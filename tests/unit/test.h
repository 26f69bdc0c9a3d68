/* Minimal unit-test harness: CHECK records a failure and carries on, so one run
 * reports every broken expectation; TEST_MAIN_END prints the closing tally. */
#ifndef OTA_TEST_H
#define OTA_TEST_H

#include <stdio.h>
#include <string.h>

static int test_checks;
static int test_failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        test_checks++;                                                         \
        if (!(cond)) {                                                         \
            test_failures++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        test_checks++;                                                         \
        if (check_a_ != check_b_) {                                            \
            test_failures++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",  \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);           \
        }                                                                      \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        test_checks++;                                                         \
        if (strcmp(check_a_, check_b_) != 0) {                                 \
            test_failures++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);           \
        }                                                                      \
    } while (0)

/* Each test binary ends main() with this: exit status 1 on any failure. */
#define TEST_MAIN_END()                                                        \
    do {                                                                       \
        printf("%s: %d checks, %d failed\n", __FILE__, test_checks,            \
               test_failures);                                                 \
        return test_failures ? 1 : 0;                                          \
    } while (0)

#endif
