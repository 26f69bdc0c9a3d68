/* `ota manpage`: the manual page, in troff, made from the --help texts of
 * the command table (commands.c), so the two say the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "help_text.h"

const char manpage_help[] =
    "usage: ota manpage\n"
    "\n"
    "Prints the manual page of ota (troff), made from the same text as --help:\n"
    "`ota manpage > ota.1 && man ./ota.1`. `cmake --install` installs it as\n"
    "share/man/man1/ota.1.\n"
    "\n"
    "Options:\n"
    "  -h, --help         this help\n";

/* Where a block of `ota --help` goes in the man page. */
enum section { S_DESCRIPTION, S_EXIT, S_ENVIRONMENT, S_FILES };

static const char *const section_titles[] = {"DESCRIPTION", "EXIT STATUS", "ENVIRONMENT",
                                             "FILES"};

struct man {
    FILE *out;
    int top;                /* rendering `ota --help` (else a command's) */
    enum section want;      /* top: the section being written */
    enum section block;     /* top: the section the current block belongs to */
    int block_start;        /* the next line starts a block */
    int skip_exit;          /* a command's exit codes: said once, at the top */
    int skipping;           /* inside a block left out */
    int in_paragraph;
    const char *usage;      /* top: the synopsis, until NAME is written */
    size_t usage_len;
};

/* Text in troff: backslashes, hyphens (options are typed with them) and
 * backquotes kept literal, and no line taken for a request. */
static void esc(FILE *out, const char *s, size_t n, int line_start)
{
    size_t i;

    if (line_start && n > 0 && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", out);
    for (i = 0; i < n; i++) {
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else if (s[i] == '`')
            fputs("\\(ga", out);
        else
            fputc(s[i], out);
    }
}

static void font(FILE *out, const char *f, const char *s, size_t n)
{
    fprintf(out, "\\f%s", f);
    esc(out, s, n, 0);
    fputs("\\fR", out);
}

/* "ota update [options]": the command words bold. */
static void synopsis(FILE *out, const char *s, size_t n)
{
    size_t bold = 0, w;

    for (;;) {
        w = strspn(s + bold, "abcdefghijklmnopqrstuvwxyz");
        if (w == 0 || (bold + w < n && s[bold + w] != ' '))
            break;
        bold += w;
        if (bold < n)
            bold++;
    }
    if (bold > 0 && bold < n && s[bold - 1] == ' ')
        bold--;
    font(out, "B", s, bold);
    esc(out, s + bold, n - bold, 0);
    fputc('\n', out);
}

/* "-c, --config FILE": options bold, their arguments italic; any other
 * term (a command, a variable, a file) bold. */
static void term(FILE *out, const char *s, size_t n)
{
    size_t i = 0, w;

    if (s[0] != '-') {
        font(out, "B", s, n);
        fputc('\n', out);
        return;
    }
    while (i < n) {
        w = strcspn(s + i, " ,");
        if (w > n - i)
            w = n - i;
        font(out, s[i] == '-' ? "B" : s[i] >= 'A' && s[i] <= 'Z' ? "I" : "R", s + i, w);
        i += w;
        while (i < n && (s[i] == ' ' || s[i] == ','))
            fputc(s[i++], out);
    }
    fputc('\n', out);
}

static enum section section_of(const struct help_line *l)
{
    if (l->kind == HELP_HEADING && l->len >= 11 && !strncmp(l->text, "Environment", 11))
        return S_ENVIRONMENT;
    if (l->kind == HELP_HEADING && l->len >= 5 && !strncmp(l->text, "Files", 5))
        return S_FILES;
    if (l->kind == HELP_TEXT && l->len >= 11 && !strncmp(l->text, "Exit codes:", 11))
        return S_EXIT;
    return S_DESCRIPTION;
}

/* NAME and SYNOPSIS, from the usage line and the first sentence. */
static void head(struct man *m, const struct help_line *l)
{
    size_t n = l->len;

    if (n > 0 && l->text[n - 1] == '.')
        n--;
    fprintf(m->out, ".SH NAME\nota \\- %c", l->text[0] >= 'A' && l->text[0] <= 'Z'
                                                ? l->text[0] - 'A' + 'a' : l->text[0]);
    esc(m->out, l->text + 1, n - 1, 0);
    fputs("\n.SH SYNOPSIS\n", m->out);
    synopsis(m->out, m->usage, m->usage_len);
    fputs(".SH DESCRIPTION\n", m->out);
    m->usage = NULL;
}

/* Whether a line is left out: blocks of other sections, and the exit codes
 * that every device command repeats. */
static int left_out(struct man *m, const struct help_line *l)
{
    if (l->kind == HELP_BREAK) {
        m->block_start = 1;
        m->in_paragraph = 0;
        return m->skipping;
    }
    if (m->block_start) {
        m->block_start = 0;
        m->block = m->top ? section_of(l) : S_DESCRIPTION;
        m->skipping = m->top ? m->block != m->want
                             : m->skip_exit && section_of(l) == S_EXIT;
        if (m->top && !m->skipping && m->block != S_DESCRIPTION)
            fprintf(m->out, ".SH %s\n", section_titles[m->block]);
    }
    return m->skipping;
}

static void on_line(void *arg, const struct help_line *l)
{
    struct man *m = arg;

    if (left_out(m, l) || l->kind == HELP_BREAK)
        return;
    switch (l->kind) {
    case HELP_USAGE:
        if (m->top) {
            m->usage = l->text;
            m->usage_len = l->len;
            return;
        }
        fputs(".PP\n", m->out);
        synopsis(m->out, l->text, l->len);
        return;
    case HELP_HEADING:
        if (m->block != S_DESCRIPTION)
            return; /* the section's title says it */
        fputs(m->top ? ".SS " : ".PP\n\\fB", m->out);
        esc(m->out, l->text, l->len, 0);
        fputs(m->top ? "\n" : "\\fR\n", m->out);
        return;
    case HELP_ITEM:
        fputs(".TP\n", m->out);
        term(m->out, l->text, l->len);
        esc(m->out, l->desc, l->desc_len, 1);
        fputc('\n', m->out);
        return;
    default: /* text, or an item's text continued */
        if (m->usage)
            head(m, l);
        if (l->kind == HELP_TEXT && !m->in_paragraph)
            fputs(".PP\n", m->out);
        m->in_paragraph = 1;
        esc(m->out, l->text, l->len, 1);
        fputc('\n', m->out);
        return;
    }
}

static void render(struct man *m, const char *text)
{
    m->block_start = 1;
    m->in_paragraph = 0;
    m->skipping = 0;
    help_walk(text, on_line, m);
}

/* One subsection per command: its --help without the common exit codes. */
static int commands(struct man *m, int tools)
{
    const struct command *c;
    char *text;
    size_t i;

    fprintf(m->out, ".SH %s\n", tools ? "TOOLS" : "COMMANDS");
    for (i = 0; (c = command_at(i)) != NULL; i++) {
        if (!c->run_tool != !tools)
            continue;
        text = help_string(c);
        if (!text)
            return -1;
        fputs(".SS ", m->out);
        esc(m->out, c->name, strlen(c->name), 0);
        fputc('\n', m->out);
        m->skip_exit = !tools;
        render(m, text);
        free(text);
    }
    return 0;
}

static int write_page(FILE *out)
{
    struct man m;
    char *top = help_string(NULL);
    int err;

    if (!top)
        return -1;
    memset(&m, 0, sizeof m);
    m.out = out;
    fprintf(out, ".\\\" Made by `ota manpage` from the --help texts; do not edit.\n"
                 ".TH OTA 1 \"\" \"ota %s\" \"User Commands\"\n", OTA_VERSION_STRING);
    m.top = 1;
    m.want = S_DESCRIPTION;
    render(&m, top);
    m.top = 0;
    err = commands(&m, 0) || commands(&m, 1);
    m.top = 1;
    for (m.want = S_EXIT; !err && m.want <= S_FILES; m.want++)
        render(&m, top);
    fputs(".SH SEE ALSO\n"
          "The configuration reference (docs/configuration.md), the troubleshooting\n"
          "guide (docs/troubleshooting.md) and README.md of the ota sources.\n",
          out);
    free(top);
    return err;
}

int cmd_manpage(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(manpage_help, stdout);
        return EXIT_OK;
    }
    if (argc != 1) {
        fprintf(stderr, "ota manpage: unexpected argument '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    if (write_page(stdout) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "ota manpage: cannot write the page\n");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}
