/* `ota completion bash`: a bash completion script made from the command
 * table and each command's --help (commands.c), so it offers exactly the
 * commands and options there are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "help_text.h"

const char completion_help[] =
    "usage: ota completion [bash]\n"
    "\n"
    "Prints a bash completion script for ota, made from the commands' --help:\n"
    "`source <(ota completion bash)` in ~/.bashrc. `cmake --install` installs it\n"
    "as share/bash-completion/completions/ota.\n"
    "\n"
    "Options:\n"
    "  -h, --help         this help\n";

#define LIST_MAX 1024

/* The options of one command, sorted by what their argument is. */
struct options {
    char all[LIST_MAX];
    char dirs[LIST_MAX];  /* take a directory */
    char files[LIST_MAX]; /* take a file */
    char words[LIST_MAX]; /* take something else: nothing to offer */
};

static void append(char *list, const char *word, size_t n)
{
    size_t used = strlen(list);

    if (used + n + 2 < LIST_MAX)
        snprintf(list + used, LIST_MAX - used, "%s%.*s", used ? " " : "", (int)n, word);
}

/* The argument an option's metavariable (DIR, FILE, V, ...) stands for. */
static char *list_for(struct options *o, const char *meta, size_t n)
{
    if (n == 3 && !strncmp(meta, "DIR", 3))
        return o->dirs;
    if ((n == 4 && (!strncmp(meta, "FILE", 4) || !strncmp(meta, "PATH", 4))) ||
        (n == 3 && (!strncmp(meta, "SIG", 3) || !strncmp(meta, "KEY", 3))) ||
        (n >= 6 && !strncmp(meta, "PREFIX", 6)))
        return o->files;
    return o->words;
}

/* "-c, --config FILE" or "--post-update PATH / --rollback PATH": each
 * metavariable applies to the options written before it. */
static void on_line(void *arg, const struct help_line *l)
{
    struct options *o = arg;
    const char *s = l->text, *end = l->text + l->len, *pending[4];
    size_t n, lens[4], waiting = 0, k;

    if (l->kind != HELP_ITEM || s[0] != '-')
        return;
    for (; s < end; s += n, s += strspn(s, " ,")) {
        n = strcspn(s, " ,");
        if (n > (size_t)(end - s))
            n = (size_t)(end - s);
        if (s[0] == '-' && waiting < 4) {
            append(o->all, s, n);
            pending[waiting] = s;
            lens[waiting++] = n;
        } else if (s[0] >= 'A' && s[0] <= 'Z') {
            for (k = 0; k < waiting; k++)
                append(list_for(o, s, n), pending[k], lens[k]);
            waiting = 0;
        }
    }
}

static int command_case(FILE *out, const struct command *c)
{
    struct options o;
    char *text = help_string(c);

    if (!text)
        return -1;
    memset(&o, 0, sizeof o);
    help_walk(text, on_line, &o);
    free(text);
    fprintf(out, "    \"%s\") opts=\"%s\" dirs=\"%s\" files=\"%s\" words=\"%s\" ;;\n", c->name,
            o.all, o.dirs, o.files, o.words);
    return 0;
}

/* The first words of the commands ("config" once), or the second words of
 * those that start with first. */
static void names(FILE *out, const char *first)
{
    const struct command *c, *prev = NULL;
    const char *sep = "", *space;
    size_t i, n = first ? strlen(first) : 0, w;

    for (i = 0; (c = command_at(i)) != NULL; prev = c, i++) {
        space = strchr(c->name, ' ');
        w = space ? (size_t)(space - c->name) : strlen(c->name);
        if (first && space && w == n && !strncmp(c->name, first, n))
            fprintf(out, "%s%s", sep, space + 1);
        else if (!first && !(prev && !strncmp(prev->name, c->name, w) && prev->name[w] == ' '))
            fprintf(out, "%s%.*s", sep, (int)w, c->name);
        else
            continue;
        sep = " ";
    }
}

static int write_script(FILE *out)
{
    const struct command *c;
    size_t i;

    fputs("# bash completion for ota. Made by `ota completion bash` from the\n"
          "# commands' --help; do not edit.\n"
          "_ota() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local cmd=${COMP_WORDS[1]} at=2 opts dirs files words\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"help --help --version ",
          out);
    names(out, NULL);
    fputs("\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    case $cmd in\n"
          "    help) [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"",
          out);
    names(out, NULL);
    fputs("\" -- \"$cur\")); return ;;\n"
          "    config)\n"
          "        if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
          "            COMPREPLY=($(compgen -W \"",
          out);
    names(out, "config");
    fputs("\" -- \"$cur\"))\n"
          "            return\n"
          "        fi\n"
          "        cmd=\"config ${COMP_WORDS[2]}\" at=3 ;;\n"
          "    completion)\n"
          "        if [[ $cur != -* ]]; then\n"
          "            COMPREPLY=($(compgen -W \"bash\" -- \"$cur\"))\n"
          "            return\n"
          "        fi ;;\n"
          "    esac\n"
          "    case $cmd in\n",
          out);
    for (i = 0; (c = command_at(i)) != NULL; i++)
        if (command_case(out, c) != 0)
            return -1;
    fputs("    *) return ;;\n"
          "    esac\n"
          "    [ \"$COMP_CWORD\" -ge \"$at\" ] || return\n"
          "    case \" $dirs \" in *\" $prev \"*) COMPREPLY=($(compgen -d -- \"$cur\")); "
          "return ;; esac\n"
          "    case \" $files \" in *\" $prev \"*) COMPREPLY=($(compgen -f -- \"$cur\")); "
          "return ;; esac\n"
          "    case \" $words \" in *\" $prev \"*) return ;; esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _ota ota\n",
          out);
    return 0;
}

int cmd_completion(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(completion_help, stdout);
        return EXIT_OK;
    }
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "bash") != 0)) {
        fprintf(stderr, "ota completion: only bash is supported; see `ota completion --help`\n");
        return EXIT_USAGE;
    }
    if (write_script(stdout) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "ota completion: cannot write the script\n");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}
