#include "timetext.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t local_time(int64_t t, int32_t offset_min)
{
    return t + (int64_t)offset_min * 60;
}

int32_t ota_local_second_of_day(int64_t t, int32_t offset_min)
{
    int64_t local = local_time(t, offset_min);

    return (int32_t)(local - floor_div(local, OTA_DAY_SEC) * OTA_DAY_SEC);
}

static void add_2digits(struct ota_strbuf *sb, int64_t v)
{
    ota_sb_addc(sb, (char)('0' + v / 10 % 10));
    ota_sb_addc(sb, (char)('0' + v % 10));
}

void ota_sb_add_clock(struct ota_strbuf *sb, int32_t minute_of_day)
{
    add_2digits(sb, minute_of_day / 60);
    ota_sb_addc(sb, ':');
    add_2digits(sb, minute_of_day % 60);
}

/* Year, month and day of a day count since 1970-01-01 in the proleptic
 * Gregorian calendar (H. Hinnant's days_from_civil, inverted). */
static void civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static void add_offset(struct ota_strbuf *sb, int32_t offset_min)
{
    int32_t magnitude = offset_min < 0 ? -offset_min : offset_min;

    ota_sb_add(sb, " UTC");
    if (offset_min == 0)
        return;
    ota_sb_addc(sb, offset_min < 0 ? '-' : '+');
    ota_sb_add_clock(sb, magnitude % (24 * 60));
}

void ota_sb_add_time(struct ota_strbuf *sb, int64_t t, int32_t offset_min)
{
    int64_t local = local_time(t, offset_min);
    int64_t days = floor_div(local, OTA_DAY_SEC);
    int64_t y, m, d;

    civil_from_days(days, &y, &m, &d);
    ota_sb_add_i64(sb, y);
    ota_sb_addc(sb, '-');
    add_2digits(sb, m);
    ota_sb_addc(sb, '-');
    add_2digits(sb, d);
    ota_sb_addc(sb, ' ');
    ota_sb_add_clock(sb, (int32_t)((local - days * OTA_DAY_SEC) / 60));
    add_offset(sb, offset_min);
}

static void add_unit(struct ota_strbuf *sb, uint64_t v, char unit, int pad)
{
    if (pad)
        add_2digits(sb, (int64_t)v);
    else
        ota_sb_add_u64(sb, v);
    ota_sb_addc(sb, unit);
}

void ota_sb_add_duration(struct ota_strbuf *sb, uint64_t seconds)
{
    if (seconds < 60) {
        add_unit(sb, seconds, 's', 0);
    } else if (seconds < 3600) {
        add_unit(sb, seconds / 60, 'm', 0);
        add_unit(sb, seconds % 60, 's', 1);
    } else if (seconds < OTA_DAY_SEC) {
        add_unit(sb, seconds / 3600, 'h', 0);
        add_unit(sb, seconds % 3600 / 60, 'm', 1);
    } else {
        add_unit(sb, seconds / OTA_DAY_SEC, 'd', 0);
        add_unit(sb, seconds % OTA_DAY_SEC / 3600, 'h', 1);
    }
}
