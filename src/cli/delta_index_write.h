#ifndef OTA_CLI_DELTA_INDEX_WRITE_H
#define OTA_CLI_DELTA_INDEX_WRITE_H

/* Writes dir/index listing every .otad file in dir with its size; an exit
 * code (cli.h). */
int delta_index_write(const char *dir);

#endif
