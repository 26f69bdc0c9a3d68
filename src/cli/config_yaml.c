/* ota_config.yaml / .yml through libyaml's event parser.
 *
 * Plain scalars are typed by the YAML 1.2 core schema, narrowed to what
 * JSON can say: true/false, null/~/empty, and numbers in the JSON grammar;
 * every other plain scalar, and every quoted one, is a string. So `debug: yes`
 * is the string "yes" (and an error for a boolean field), never silently
 * true. One document; anchors, aliases and tags are refused. */
#include "config_reader.h"

#include <string.h>
#include <yaml.h>

#include "ota/ota.h"

struct yaml_reader {
    struct config_reader *r;
    unsigned depth;                      /* open mappings and sequences */
    unsigned char is_map[OTA_JSON_MAX_DEPTH];
    unsigned char want_key[OTA_JSON_MAX_DEPTH];
    int documents;
};

static int in_map(const struct yaml_reader *y)
{
    return y->depth > 0 && y->is_map[y->depth - 1];
}

static enum ota_json_type plain_type(const char *s, size_t len)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"true", "True", "TRUE"};
    static const char *const falses[] = {"false", "False", "FALSE"};
    size_t i;

    for (i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(s, nulls[i]) == 0)
            return OTA_JSON_NULL;
    for (i = 0; i < sizeof trues / sizeof trues[0]; i++)
        if (strcmp(s, trues[i]) == 0)
            return OTA_JSON_TRUE;
    for (i = 0; i < sizeof falses / sizeof falses[0]; i++)
        if (strcmp(s, falses[i]) == 0)
            return OTA_JSON_FALSE;
    return config_is_number(s, len) ? OTA_JSON_NUMBER : OTA_JSON_STRING;
}

static int scalar(struct yaml_reader *y, const yaml_event_t *ev, unsigned long line)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    enum ota_json_type type = OTA_JSON_STRING;

    if (in_map(y) && y->want_key[y->depth - 1]) {
        y->want_key[y->depth - 1] = 0;
        return config_emit(y->r, OTA_JSON_KEY, text, len, y->depth, line);
    }
    if (in_map(y))
        y->want_key[y->depth - 1] = 1;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        type = plain_type(text, len);
    if (type != OTA_JSON_STRING && type != OTA_JSON_NUMBER) {
        text = "";
        len = 0;
    }
    return config_emit(y->r, type, text, len, y->depth, line);
}

static int open_collection(struct yaml_reader *y, int is_map, unsigned long line)
{
    if (in_map(y) && y->want_key[y->depth - 1])
        return config_syntax_error(y->r, line, "YAML mappings or sequences as keys are not "
                                              "supported");
    if (y->depth == OTA_JSON_MAX_DEPTH)
        return config_syntax_error(y->r, line, "YAML nested too deeply");
    if (in_map(y))
        y->want_key[y->depth - 1] = 1; /* this collection is the value */
    y->is_map[y->depth] = (unsigned char)is_map;
    y->want_key[y->depth] = 1;
    y->depth++;
    return config_emit(y->r, is_map ? OTA_JSON_OBJECT_BEGIN : OTA_JSON_ARRAY_BEGIN, "", 0,
                       y->depth - 1, line);
}

static int close_collection(struct yaml_reader *y, int is_map, unsigned long line)
{
    y->depth--;
    return config_emit(y->r, is_map ? OTA_JSON_OBJECT_END : OTA_JSON_ARRAY_END, "", 0,
                       y->depth, line);
}

/* Anchors and tags: refused by name rather than half understood. */
static int refuse_decorations(struct yaml_reader *y, const unsigned char *anchor,
                              const unsigned char *tag, unsigned long line)
{
    if (anchor)
        return config_syntax_error(y->r, line, "YAML anchors (&%s) are not supported",
                                   (const char *)anchor);
    if (tag)
        return config_syntax_error(y->r, line, "YAML tags (%s) are not supported",
                                   (const char *)tag);
    return 0;
}

static int on_event(struct yaml_reader *y, const yaml_event_t *ev)
{
    unsigned long line = (unsigned long)ev->start_mark.line + 1;
    int err;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++y->documents > 1)
            return config_syntax_error(y->r, line, "more than one YAML document (---)");
        return 0;
    case YAML_ALIAS_EVENT:
        return config_syntax_error(y->r, line, "YAML aliases (*%s) are not supported",
                                   (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        err = refuse_decorations(y, ev->data.scalar.anchor, ev->data.scalar.tag, line);
        return err ? err : scalar(y, ev, line);
    case YAML_MAPPING_START_EVENT:
        err = refuse_decorations(y, ev->data.mapping_start.anchor,
                                 ev->data.mapping_start.tag, line);
        return err ? err : open_collection(y, 1, line);
    case YAML_SEQUENCE_START_EVENT:
        err = refuse_decorations(y, ev->data.sequence_start.anchor,
                                 ev->data.sequence_start.tag, line);
        return err ? err : open_collection(y, 0, line);
    case YAML_MAPPING_END_EVENT:
        return close_collection(y, 1, line);
    case YAML_SEQUENCE_END_EVENT:
        return close_collection(y, 0, line);
    default:
        return 0;
    }
}

int config_read_yaml(struct config_reader *r, const char *data, size_t len)
{
    struct yaml_reader y;
    yaml_parser_t parser;
    yaml_event_t ev;
    int err = 0, done = 0;

    memset(&y, 0, sizeof y);
    y.r = r;
    if (!yaml_parser_initialize(&parser))
        return config_syntax_error(r, 0, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!err && !done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            err = config_syntax_error(r, (unsigned long)parser.problem_mark.line + 1,
                                      "YAML syntax error: %s%s%s%s",
                                      parser.problem ? parser.problem : "malformed",
                                      parser.context ? " (" : "",
                                      parser.context ? parser.context : "",
                                      parser.context ? ")" : "");
            break;
        }
        err = on_event(&y, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return err;
}
