/* Reading a --help text back: every one has the same shape, so the man page
 * and the bash completion are made from the very text `--help` prints.
 *
 *   usage: ota NAME ...                       a usage line
 *   Paragraph text, unindented.               text
 *   Heading:                                  a heading (unindented, ends in ':')
 *     -x, --long ARG   what it does           an item: term, two spaces, text
 *                      and more of it         the item's text, continued
 *   (an empty line)                           a break between blocks */
#ifndef OTA_CLI_HELP_TEXT_H
#define OTA_CLI_HELP_TEXT_H

#include <stddef.h>

enum help_kind { HELP_USAGE, HELP_TEXT, HELP_HEADING, HELP_ITEM, HELP_MORE, HELP_BREAK };

struct help_line {
    enum help_kind kind;
    const char *text;  /* USAGE: after "usage: "; HEADING: without the ':';
                          ITEM: the term; TEXT, MORE: the line, unindented */
    size_t len;
    const char *desc;  /* ITEM: the first line of its text */
    size_t desc_len;
};

typedef void (*help_cb)(void *arg, const struct help_line *line);

/* Calls cb for each line of text. */
void help_walk(const char *text, help_cb cb, void *arg);

#endif
