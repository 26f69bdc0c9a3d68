#include "help_text.h"

#include <string.h>

/* Items are indented by at most this much; their continued text by more. */
#define ITEM_INDENT 6

static void classify(struct help_line *l, const char *s, size_t n)
{
    size_t indent = strspn(s, " ");
    const char *gap;

    memset(l, 0, sizeof *l);
    l->text = s + indent;
    l->len = n - indent;
    if (n == 0) {
        l->kind = HELP_BREAK;
    } else if (n > 7 && !strncmp(s, "usage: ", 7)) {
        l->kind = HELP_USAGE;
        l->text = s + 7;
        l->len = n - 7;
    } else if (indent == 0 && s[n - 1] == ':') {
        l->kind = HELP_HEADING;
        l->len = n - 1;
    } else if (indent == 0) {
        l->kind = HELP_TEXT;
    } else if (indent <= ITEM_INDENT && (gap = strstr(l->text, "  ")) && gap < s + n) {
        l->kind = HELP_ITEM;
        l->len = (size_t)(gap - l->text);
        l->desc = gap + strspn(gap, " ");
        l->desc_len = (size_t)(s + n - l->desc);
    } else {
        l->kind = HELP_MORE;
    }
}

void help_walk(const char *text, help_cb cb, void *arg)
{
    struct help_line line;
    const char *end;

    while (*text) {
        end = strchr(text, '\n');
        if (!end)
            end = text + strlen(text);
        classify(&line, text, (size_t)(end - text));
        cb(arg, &line);
        text = *end ? end + 1 : end;
    }
}
