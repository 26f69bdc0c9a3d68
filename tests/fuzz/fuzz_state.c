/* Fuzz target: the installed-files state line parser ("<sha> <size> <path>"),
 * which reads whatever a power cut or a user left in .ota_state. */
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ota_entry e;
    char *line = malloc(size + 1);

    memcpy(line, data, size);
    line[size] = '\0';
    if (ota_entry_parse(line, size, &e) == OTA_OK &&
        (strlen(e.path) >= sizeof e.path || strlen(e.sha) != 40 ||
         ota_path_check(e.path, strlen(e.path)) != OTA_OK))
        abort();
    free(line);
    return 0;
}
