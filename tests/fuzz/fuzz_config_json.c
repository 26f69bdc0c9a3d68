/* Fuzz target: the JSON configuration reader (src/cli/config_json.c), the
 * engine's streaming tokenizer put behind the loader's token stream.
 * Checked on every input: the token stream and the reader's ending, as
 * fuzz_config.h lists, and that the reader accepts exactly the documents
 * the core tokenizer accepts on its own (the wrapper neither loses the
 * final check of a root number nor adds leniency of its own). */
/* fuzz-extra: -Isrc/cli src/cli/config_json.c src/cli/config_reader.c */
#include "fuzz_config.h"

static unsigned long json_lines(const uint8_t *data, size_t size)
{
    return fuzz_config_newlines(data, size);
}

static const struct fuzz_config_format json_format = {
    config_read_json, json_lines, OTA_JSON_MAX_DEPTH, 0, NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int err = fuzz_config_run(&json_format, data, size);

    FUZZ_CHECK((err == OTA_OK) == fuzz_json_valid((const char *)data, size));
    return 0;
}
