#include "test.h"

#include "path.h"

static int check_str(const char *p) { return ota_path_check(p, strlen(p)); }

static void test_safe_paths(void)
{
    static const char *const ok[] = {"main.py", "lib/util.py", "a/b/c/d.txt",
                                     ".hidden", "a/.b", "..a", "a..", "a/...",
                                     "dir name/file (1).txt", "\xc3\xa9t\xc3\xa9.py"};
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK_EQ_INT(check_str(ok[i]), OTA_OK);
}

static void test_unsafe_paths(void)
{
    static const char *const bad[] = {"", "/etc/passwd", "../x", "a/../b", "a/..",
                                      "..", ".", "./a", "a/./b", "a//b", "a/",
                                      "/", "a\\b", "..\\x", "a\nb", "a\rb",
                                      "a\tb", "a\x7f"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(check_str(bad[i]), OTA_ERR_UNSAFE_PATH);
    CHECK_EQ_INT(ota_path_check("a\0b", 3), OTA_ERR_UNSAFE_PATH);
}

static void test_length_limit(void)
{
    char p[OTA_PATH_MAX + 1];
    memset(p, 'x', sizeof p);
    CHECK_EQ_INT(ota_path_check(p, OTA_PATH_MAX - 1), OTA_OK);
    CHECK_EQ_INT(ota_path_check(p, OTA_PATH_MAX), OTA_ERR_PATH_TOO_LONG);
}

static void test_rules(void)
{
    CHECK(ota_rule_matches("main.py", "main.py"));
    CHECK(!ota_rule_matches("main.py", "main.pyc"));
    CHECK(!ota_rule_matches("main.py", "lib/main.py"));
    CHECK(ota_rule_matches("lib", "lib/util.py"));
    CHECK(ota_rule_matches("lib/", "lib/util.py"));
    CHECK(ota_rule_matches("lib/", "lib/sub/x.py"));
    CHECK(!ota_rule_matches("lib", "library.py"));
    CHECK(!ota_rule_matches("lib/", "libx/a.py"));
    CHECK(ota_rule_matches("lib/sub", "lib/sub/x.py"));
    CHECK(!ota_rule_matches("lib/sub", "lib/subway.py"));
    CHECK(!ota_rule_matches("", "main.py"));
    CHECK(!ota_rule_matches("/", "main.py"));
}

static void test_permitted(void)
{
    static const char *const allow[] = {"main.py", "lib/"};
    static const char *const ignore[] = {"lib/secret", "main.py"};
    struct ota_settings s;

    memset(&s, 0, sizeof s);
    CHECK(ota_path_permitted(&s, "anything/at/all"));

    s.allow = allow;
    s.allow_count = 2;
    CHECK(ota_path_permitted(&s, "main.py"));
    CHECK(ota_path_permitted(&s, "lib/a.py"));
    CHECK(!ota_path_permitted(&s, "README.md"));

    s.ignore = ignore;
    s.ignore_count = 2;
    CHECK(!ota_path_permitted(&s, "main.py"));  /* ignore wins */
    CHECK(!ota_path_permitted(&s, "lib/secret/key.pem"));
    CHECK(ota_path_permitted(&s, "lib/secrets.py"));

    s.allow_count = 0; /* empty allow: everything not ignored */
    CHECK(ota_path_permitted(&s, "README.md"));
    CHECK(!ota_path_permitted(&s, "lib/secret"));
}

int main(void)
{
    test_safe_paths();
    test_unsafe_paths();
    test_length_limit();
    test_rules();
    test_permitted();
    TEST_MAIN_END();
}
