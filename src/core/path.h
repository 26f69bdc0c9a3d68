/* Path safety and the allow/ignore rules of the original system. */
#ifndef OTA_CORE_PATH_H
#define OTA_CORE_PATH_H

#include <stddef.h>

#include "ota/ota.h"

/* 0 if `path` (len bytes, may contain NUL) is a safe relative device path:
 * not empty, not absolute, no "." or ".." segment, no empty segment, no
 * backslash, no NUL or control character. OTA_ERR_UNSAFE_PATH otherwise, or
 * OTA_ERR_PATH_TOO_LONG when it does not fit OTA_PATH_MAX. */
int ota_path_check(const char *path, size_t len);

/* A rule is an exact file ("main.py") or a directory prefix ("lib" or
 * "lib/"): it matches the path itself and everything below it. */
int ota_rule_matches(const char *rule, const char *path);

/* ignore wins over allow; an empty allow list permits everything. */
int ota_path_permitted(const struct ota_settings *s, const char *path);

#endif
