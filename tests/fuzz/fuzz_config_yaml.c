/* Fuzz target: the YAML configuration reader (src/cli/config_yaml.c), which
 * turns libyaml's events into the loader's token stream. Checked on every
 * input: the token stream and the reader's ending, as fuzz_config.h lists
 * (an empty YAML stream is a document without a root value). */
/* fuzz-extra: -Isrc/cli src/cli/config_yaml.c src/cli/config_reader.c pkg:yaml-0.1 */
#include "fuzz_config.h"

/* libyaml starts a line at CR, LF, CR LF, NEL (U+0085), LS (U+2028) and
 * PS (U+2029), and reads UTF-16 as well as UTF-8: every one of those breaks
 * has a byte 0x0A, 0x0D, 0x85, 0xA8, 0xA9, 0x28 or 0x29 of its own in either
 * encoding, so counting those bytes bounds the lines it can name. One more:
 * libyaml ends an input that lacks a final line break with one of its own,
 * so the end of the stream ("found unexpected end of stream") can be on the
 * line after the last. */
static unsigned long yaml_lines(const uint8_t *data, size_t size)
{
    static const uint8_t breaks[] = {0x0A, 0x0D, 0x85, 0xA8, 0xA9, 0x28, 0x29};
    unsigned long n = 2;
    size_t i;

    for (i = 0; i < size; i++)
        n += memchr(breaks, data[i], sizeof breaks) != NULL;
    return n;
}

static const struct fuzz_config_format yaml_format = {
    config_read_yaml, yaml_lines, OTA_JSON_MAX_DEPTH, 1, NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_config_run(&yaml_format, data, size);
    return 0;
}
