/* Fuzz target: the TOML configuration reader (src/cli/config_toml.c), a
 * strict reader of the part of TOML configuration files need. Checked on
 * every input: the token stream and the reader's ending, as fuzz_config.h
 * lists, and the shape only that part of TOML can have: the document is
 * one root object, [table] sections are objects directly in it, arrays
 * hold no containers (nested arrays and inline tables are refused), there
 * is no null, and every name is a non-empty bare key (A-Z a-z 0-9 _ -). */
/* fuzz-extra: -Isrc/cli src/cli/config_toml.c src/cli/config_reader.c */
#include "fuzz_config.h"

static unsigned long toml_lines(const uint8_t *data, size_t size)
{
    return fuzz_config_newlines(data, size);
}

static int bare_key(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return n > 0;
}

/* Called after the token has entered the stream state (s->ntok does not
 * count it yet). */
static void toml_token(const struct fuzz_config_stream *s, const struct ota_json_token *t)
{
    FUZZ_CHECK(s->ntok > 0 || t->type == OTA_JSON_OBJECT_BEGIN);
    FUZZ_CHECK(t->type != OTA_JSON_NULL);
    if (t->type == OTA_JSON_KEY)
        FUZZ_CHECK(bare_key(t->text, t->len));
    if (t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_ARRAY_BEGIN)
        FUZZ_CHECK(s->open < 2 || s->is_object[s->open - 2]);
    if (t->type == OTA_JSON_OBJECT_BEGIN)
        FUZZ_CHECK(s->open <= 2);
}

/* root object, a [table] in it, an array in that */
static const struct fuzz_config_format toml_format = {
    config_read_toml, toml_lines, 3, 0, toml_token,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_config_run(&toml_format, data, size);
    return 0;
}
