/* POSIX port: the power_supply class (Documentation/ABI/testing/
 * sysfs-class-power). The battery's charge is its `capacity` (percent) or,
 * for a fuel gauge without one, where `voltage_now` lies between
 * `voltage_min_design` and `voltage_max_design` (all in microvolts).
 * External power is present when a Mains or USB supply is `online`, or a
 * battery reports `status` Charging or Full. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "posix_hw.h"

#define SUPPLY_DIR "/sys/class/power_supply"
#define NAME_CAP 256

/* One attribute of a supply, as text; 0 or a negative error. */
static int read_attr(struct ota_posix *p, const char *supply, const char *attr,
                     char *buf, size_t cap)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    int err;

    if ((err = ota_posix__hw_path(p, path, sizeof path, SUPPLY_DIR "/%s/%s",
                                  supply, attr)) < 0)
        return err;
    return ota_posix__sysfs_read(path, buf, cap);
}

static int read_attr_ll(struct ota_posix *p, const char *supply,
                        const char *attr, long long *out)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    int err;

    if ((err = ota_posix__hw_path(p, path, sizeof path, SUPPLY_DIR "/%s/%s",
                                  supply, attr)) < 0)
        return err;
    return ota_posix__sysfs_read_ll(path, out);
}

static int is_external_type(const char *type)
{
    /* "USB" today; older kernels also say USB_DCP, USB_CDP, USB_C, USB_PD... */
    return strcmp(type, "Mains") == 0 || strncmp(type, "USB", 3) == 0;
}

/* A battery of the system, not of a wireless mouse (scope "Device"). */
static int is_system_battery(struct ota_posix *p, const char *name)
{
    char type[32], scope[32];

    if (read_attr(p, name, "type", type, sizeof type) < 0 ||
        strcmp(type, "Battery") != 0)
        return 0;
    return read_attr(p, name, "scope", scope, sizeof scope) < 0 ||
           strcmp(scope, "Device") != 0;
}

static DIR *open_supplies(struct ota_posix *p, char *path, size_t cap)
{
    if (ota_posix__hw_path(p, path, cap, SUPPLY_DIR) < 0)
        return NULL;
    return opendir(path);
}

/* The configured battery, or the first system battery by name. */
static int find_battery(struct ota_posix *p, char *name, size_t cap)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    struct dirent *e;
    DIR *d;

    name[0] = '\0';
    if (p->opt.battery_supply[0]) {
        if (strlen(p->opt.battery_supply) >= cap)
            return OTA_ERR_CONFIG; /* refused by ota_posix__hw_bind */
        strcpy(name, p->opt.battery_supply);
        return 0;
    }
    if (!(d = open_supplies(p, path, sizeof path))) {
        ota_posix__logf(p, OTA_LOG_ERROR, "battery: cannot list %s: %s", path,
                        strerror(errno));
        return ota_posix__hw_errno(errno);
    }
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strlen(e->d_name) < cap &&
            (!name[0] || strcmp(e->d_name, name) < 0) &&
            is_system_battery(p, e->d_name))
            strcpy(name, e->d_name);
    closedir(d);
    if (!name[0]) {
        ota_posix__logf(p, OTA_LOG_ERROR,
                        "battery: no power supply of type Battery in %s", path);
        return OTA_ERR_NOT_FOUND;
    }
    return 0;
}

static int32_t clamp_percent(long long v)
{
    return (int32_t)(v < 0 ? 0 : v > 100 ? 100 : v);
}

/* Percent from the voltage between the design limits, in microvolts. */
static int percent_from_voltage(struct ota_posix *p, const char *name,
                                int32_t *percent)
{
    long long now, min, max;

    if (read_attr_ll(p, name, "voltage_now", &now) < 0 ||
        read_attr_ll(p, name, "voltage_max_design", &max) < 0 ||
        read_attr_ll(p, name, "voltage_min_design", &min) < 0 || max <= min)
        return -1;
    *percent = clamp_percent((now - min) * 100 / (max - min));
    return 0;
}

static int read_percent(struct ota_posix *p, const char *name, int32_t *percent)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    long long capacity;
    int err;

    if (read_attr_ll(p, name, "capacity", &capacity) == 0) {
        *percent = clamp_percent(capacity);
        return 0;
    }
    if (percent_from_voltage(p, name, percent) == 0)
        return 0;
    if ((err = ota_posix__hw_path(p, path, sizeof path, SUPPLY_DIR "/%s",
                                  name)) < 0)
        return err;
    if (access(path, F_OK) != 0)
        ota_posix__logf(p, OTA_LOG_ERROR, "battery: no power supply %s: %s",
                        path, strerror(errno));
    else
        ota_posix__logf(p, OTA_LOG_ERROR,
                        "battery: %s has neither capacity nor voltage_now with "
                        "voltage_min_design and voltage_max_design",
                        path);
    return OTA_ERR_NOT_FOUND;
}

/* What one supply says of external power: 1 present, 0 absent, -1 nothing. */
static int supply_says(struct ota_posix *p, const char *name)
{
    char type[32], state[32];
    long long online;

    if (read_attr(p, name, "type", type, sizeof type) < 0)
        return -1;
    if (is_external_type(type))
        return read_attr_ll(p, name, "online", &online) == 0 ? online == 1 : -1;
    if (strcmp(type, "Battery") != 0 ||
        read_attr(p, name, "status", state, sizeof state) < 0)
        return -1;
    if (strcmp(state, "Charging") == 0 || strcmp(state, "Full") == 0)
        return 1;
    return strcmp(state, "Discharging") == 0 ? 0 : -1;
}

/* 1 as soon as one supply says so; 0 if some said no and none yes; -1 when
 * no supply tells (or there is no power_supply class at all). */
static int32_t external_power(struct ota_posix *p)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    struct dirent *e;
    int32_t result = -1;
    DIR *d;

    if (!(d = open_supplies(p, path, sizeof path)))
        return -1;
    while (result != 1 && (e = readdir(d)) != NULL) {
        int says = e->d_name[0] == '.' ? -1 : supply_says(p, e->d_name);
        if (says > result)
            result = says;
    }
    closedir(d);
    return result;
}

int ota_posix__supply_read(struct ota_posix *p, struct ota_battery *out)
{
    char name[NAME_CAP];
    int err;

    out->external_power = external_power(p);
    if (!p->opt.battery_supply)
        return 0;
    if ((err = find_battery(p, name, sizeof name)) < 0)
        return err;
    return read_percent(p, name, &out->percent);
}
