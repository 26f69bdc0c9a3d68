/* A bounded, deterministic stand-in for libFuzzer, so every fuzz target also
 * runs in `make test`: each seed in tests/fuzz/corpus/NAME/ as is, then
 * mutations of the seeds (bit flips, byte changes, truncations, splices,
 * inserted JSON punctuation) from a fixed-seed generator. `make fuzz` runs
 * the same targets under libFuzzer for real. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 64
#define FUZZ_MAX_INPUT 65536

struct seeds {
    uint8_t *data[MAX_SEEDS];
    size_t size[MAX_SEEDS];
    size_t count;
};

/* The input under test, saved as smoke-crash.bin when a check aborts, so
 * that the case can be replayed (it is a seed: add it to the corpus). */
static const uint8_t *current;
static size_t current_len;

static void save_crash(int sig)
{
    FILE *f = fopen("smoke-crash.bin", "wb");

    if (f) {
        fwrite(current, 1, current_len, f);
        fclose(f);
        fputs("the failing input is in smoke-crash.bin\n", stderr);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_one(const uint8_t *data, size_t len)
{
    current = data;
    current_len = len;
    LLVMFuzzerTestOneInput(data, len);
}

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void load_seeds(const char *dir, struct seeds *s)
{
    char path[4096];
    struct dirent *e;
    DIR *d = opendir(dir);
    FILE *f;

    while (d && (e = readdir(d)) != NULL && s->count < MAX_SEEDS) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "rb")))
            continue;
        s->data[s->count] = malloc(FUZZ_MAX_INPUT);
        s->size[s->count] = fread(s->data[s->count], 1, FUZZ_MAX_INPUT, f);
        fclose(f);
        s->count++;
    }
    if (d)
        closedir(d);
}

static size_t mutate(uint8_t *buf, size_t len, const struct seeds *s, uint32_t *rng)
{
    static const char punct[] = "{}[]\":,\\0123456789.eE+-tfn \n";
    unsigned rounds = 1 + next_random(rng) % 8, i;

    for (i = 0; i < rounds; i++) {
        uint32_t r = next_random(rng);
        size_t at = len ? r % len : 0;
        switch ((r >> 24) % 6) {
        case 0: if (len) buf[at] ^= (uint8_t)(1u << (r >> 8 & 7)); break;
        case 1: if (len) buf[at] = (uint8_t)(r >> 8); break;
        case 2: len = at; break;
        case 3: if (len) buf[at] = (uint8_t)punct[(r >> 8) % (sizeof punct - 1)]; break;
        case 4: { /* splice another seed's tail in */
            const struct seeds *o = s;
            size_t k = (r >> 8) % o->count, from = o->size[k] ? (r >> 4) % o->size[k] : 0;
            size_t n = o->size[k] - from;
            if (at + n > FUZZ_MAX_INPUT)
                n = FUZZ_MAX_INPUT - at;
            memcpy(buf + at, o->data[k] + from, n);
            len = at + n;
            break;
        }
        default: /* duplicate a block */
            if (len && len * 2 <= FUZZ_MAX_INPUT) {
                memcpy(buf + len, buf, len);
                len *= 2;
            }
        }
    }
    return len;
}

int main(int argc, char **argv)
{
    struct seeds s = {{0}, {0}, 0};
    uint8_t *buf = malloc(FUZZ_MAX_INPUT);
    long iterations = argc > 2 ? atol(argv[2]) : 20000, i;
    uint32_t rng = 0x2545F491u;
    size_t k, len;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
        return 2;
    }
    load_seeds(argv[1], &s);
    if (s.count == 0) {
        fprintf(stderr, "%s: no seeds in %s\n", argv[0], argv[1]);
        return 2;
    }
    signal(SIGABRT, save_crash);
    for (k = 0; k < s.count; k++)
        run_one(s.data[k], s.size[k]);
    for (i = 0; i < iterations; i++) {
        k = next_random(&rng) % s.count;
        memcpy(buf, s.data[k], s.size[k]);
        len = mutate(buf, s.size[k], &s, &rng);
        run_one(buf, len);
    }
    printf("%s: %zu seeds, %ld mutated inputs, no crash\n", argv[0], s.count, iterations);
    for (k = 0; k < s.count; k++)
        free(s.data[k]);
    free(buf);
    return 0;
}
