/* Corpus replay without libFuzzer: feed every file under the given files or directories
 * (recursively, in name order) to LLVMFuzzerTestOneInput once. Built with the normal
 * compiler under ASan+UBSan so `make test` replays the corpus and every crash ever found.
 * Usage: replay_<target> PATH...   Exit status 0 when every input ran, 1 on a bad path. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1u << 20) /* libFuzzer's default -max_len is far below this */

static int replay_path(const char *path, unsigned *n);

static int
replay_file(const char *path, unsigned *n)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf;
        size_t len;

        if (!f) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                return -1;
        }
        buf = malloc(REPLAY_MAX_INPUT);
        if (!buf) {
                fclose(f);
                return -1;
        }
        len = fread(buf, 1, REPLAY_MAX_INPUT, f);
        fclose(f);
        /* Name the input before running it, so a crash report says which one it was. */
        if (getenv("REPLAY_VERBOSE"))
                fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        (*n)++;
        return 0;
}

static int
replay_dir(const char *path, unsigned *n)
{
        struct dirent **list;
        int count = scandir(path, &list, NULL, alphasort);
        int rc = 0;

        if (count < 0) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                return -1;
        }
        for (int i = 0; i < count; i++) {
                char sub[4096];
                if (list[i]->d_name[0] != '.' &&
                    snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name) < (int)sizeof(sub) &&
                    replay_path(sub, n) < 0)
                        rc = -1;
                free(list[i]);
        }
        free(list);
        return rc;
}

static int
replay_path(const char *path, unsigned *n)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                return -1;
        }
        return S_ISDIR(st.st_mode) ? replay_dir(path, n) : replay_file(path, n);
}

int
main(int argc, char **argv)
{
        unsigned n = 0;
        int rc = 0;

        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &n) < 0)
                        rc = 1;
        printf("%s: %u inputs replayed\n", argc > 0 ? argv[0] : "replay", n);
        return rc;
}
