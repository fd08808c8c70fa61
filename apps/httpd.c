/* A small static-file HTTP/1.1 server core for stackd (RFC 9112 message syntax, RFC 9110
 * semantics): GET and HEAD, persistent connections, Content-Length, 400/404/501, and a small
 * cache of file contents revalidated at most once a second (as nginx's open_file_cache). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apps/services.h"

#define HTTPD_MAX_FILE (64u << 20)
#define SVC_HEAD_MAX 8192
#define HTTPD_CACHE_N 8                  /* files whose contents are kept */
#define HTTPD_CACHE_MAX (256u << 10)     /* larger files are read for each request */
#define HTTPD_REVALIDATE_NS 1000000000LL /* stat a cached file again after this long */

/* One cached file: its contents and the identity they were read under. */
struct httpd_entry {
        char *path; /* NULL: free slot */
        uint8_t *body;
        size_t len;
        dev_t dev;
        ino_t ino;
        struct timespec mtim;
        long long checked_ns; /* CLOCK_MONOTONIC of the last stat that matched */
};

struct httpd {
        char *dir; /* NULL: every target is 404 */
        struct httpd_entry cache[HTTPD_CACHE_N];
        unsigned next_evict;
        time_t date_sec; /* the second date[] was formatted for (RFC 9110 5.6.7 IMF-fixdate) */
        char date[40];
};

struct http_req {
        char method[8];
        char target[1024];
        int minor;      /* HTTP/1.minor */
        int keep_alive; /* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only on request */
        long body_len;
};

static const char *
content_type(const char *path)
{
        const char *dot = strrchr(path, '.');

        if (!dot)
                return "application/octet-stream";
        if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
                return "text/html; charset=UTF-8";
        if (!strcmp(dot, ".txt"))
                return "text/plain; charset=UTF-8";
        if (!strcmp(dot, ".css"))
                return "text/css";
        if (!strcmp(dot, ".js"))
                return "text/javascript";
        if (!strcmp(dot, ".png"))
                return "image/png";
        if (!strcmp(dot, ".json"))
                return "application/json";
        return "application/octet-stream";
}

static int
append(uint8_t **out, size_t *out_len, const void *data, size_t len)
{
        uint8_t *n = realloc(*out, *out_len + len);

        if (!n)
                return -1;
        memcpy(n + *out_len, data, len);
        *out = n;
        *out_len += len;
        return 0;
}

/* The Date header (RFC 9110 6.6.1), formatted once per second rather than per response. */
static const char *
http_date(struct httpd *h)
{
        time_t now = time(NULL);
        struct tm tm;

        if (now != h->date_sec || !h->date[0]) {
                gmtime_r(&now, &tm);
                strftime(h->date, sizeof(h->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
                h->date_sec = now;
        }
        return h->date;
}

/* Copy the strings of a NULL-terminated list to dst (cap bytes, NUL-terminated); the length,
 * or cap when they do not fit. A header block is assembled this way per response: snprintf
 * with its format parsing cost more than the rest of the server together. */
static size_t
concat(char *dst, size_t cap, const char *const *parts)
{
        size_t off = 0;

        for (; *parts; parts++) {
                size_t n = strlen(*parts);
                if (n >= cap - off)
                        return cap;
                memcpy(dst + off, *parts, n);
                off += n;
        }
        dst[off] = 0;
        return off;
}

static void
respond(struct httpd *h, uint8_t **out, size_t *out_len, int code, const char *reason,
        const char *type, const void *body, size_t body_len, int head_only, int keep_alive)
{
        char hdr[512], status[4], len[24], *p = len + sizeof(len) - 1;
        size_t n = body_len;

        status[0] = (char)('0' + code / 100 % 10);
        status[1] = (char)('0' + code / 10 % 10);
        status[2] = (char)('0' + code % 10);
        status[3] = 0;
        *p = 0;
        do {
                *--p = (char)('0' + n % 10);
                n /= 10;
        } while (n);
        n = concat(hdr, sizeof(hdr),
                   (const char *const[]){
                       "HTTP/1.1 ", status, " ", reason, "\r\nDate: ", http_date(h),
                       "\r\nServer: stackd\r\nContent-Type: ", type, "\r\nContent-Length: ", p,
                       "\r\nConnection: ", keep_alive ? "keep-alive" : "close", "\r\n\r\n", NULL});
        append(out, out_len, hdr, n);
        if (!head_only && body_len)
                append(out, out_len, body, body_len);
}

static void
respond_error(struct httpd *h, uint8_t **out, size_t *out_len, int code, const char *reason,
              int head_only, int keep_alive)
{
        char body[128];
        int n = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1></body></html>\n", code,
                         reason);

        respond(h, out, out_len, code, reason, "text/html; charset=UTF-8", body, (size_t)n,
                head_only, keep_alive);
}

/* The next blank-separated word of the request line into dst (cap bytes with its NUL); -1
 * when there is none or it does not fit. */
static int
next_word(char **p, char *dst, size_t cap)
{
        size_t n;

        *p += strspn(*p, " \t");
        n = strcspn(*p, " \t");
        if (n == 0 || n >= cap)
                return -1;
        memcpy(dst, *p, n);
        dst[n] = 0;
        *p += n;
        return 0;
}

/* Parse the request line and the headers we use; 0 or -1 when malformed. */
static int
parse_request(char *head, struct http_req *r)
{
        char *line_end = strstr(head, "\r\n"), *h, *p = head;
        char version[16];

        *line_end = 0;
        if (next_word(&p, r->method, sizeof(r->method)) < 0 ||
            next_word(&p, r->target, sizeof(r->target)) < 0 ||
            next_word(&p, version, sizeof(version)) < 0 || strncmp(version, "HTTP/1.", 7) != 0 ||
            (version[7] != '0' && version[7] != '1') || version[8] != 0 || r->target[0] != '/')
                return -1;
        r->minor = version[7] - '0';
        r->keep_alive = r->minor == 1;
        r->body_len = 0;
        for (h = line_end + 2; *h; h = strstr(h, "\r\n") + 2) {
                char *colon = strchr(h, ':'), *eol = strstr(h, "\r\n");
                if (!eol || eol == h) /* the empty line ends the header section */
                        break;
                if (!colon || colon > eol)
                        return -1;
                if (!strncasecmp(h, "Connection:", 11)) {
                        if (strcasestr(h, "close") && strcasestr(h, "close") < eol)
                                r->keep_alive = 0;
                        else if (strcasestr(h, "keep-alive") && strcasestr(h, "keep-alive") < eol)
                                r->keep_alive = 1;
                } else if (!strncasecmp(h, "Content-Length:", 15)) {
                        r->body_len = strtol(colon + 1, NULL, 10);
                        if (r->body_len < 0 || r->body_len > 1 << 20)
                                return -1;
                }
        }
        return 0;
}

static long long
mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool
same_file(const struct httpd_entry *e, const struct stat *st)
{
        return e->dev == st->st_dev && e->ino == st->st_ino && e->len == (size_t)st->st_size &&
               e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

static void
entry_clear(struct httpd_entry *e)
{
        free(e->path);
        free(e->body);
        memset(e, 0, sizeof(*e));
}

/* Read a regular file of at most HTTPD_MAX_FILE bytes into *body; its identity goes to
 * *st. 0, -ENOENT (nothing to serve there) or -EIO. */
static int
load_file(const char *path, struct stat *st, uint8_t **body)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -ENOENT;

        *body = NULL;
        if (fd < 0)
                return rc;
        if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (size_t)st->st_size <= HTTPD_MAX_FILE) {
                rc = -EIO;
                *body = malloc((size_t)st->st_size + 1);
        }
        if (*body && read(fd, *body, (size_t)st->st_size) == st->st_size) {
                rc = 0;
        } else {
                free(*body);
                *body = NULL;
        }
        close(fd);
        return rc;
}

/* Keep a freshly read file (taking body and a copy of path); false if it stays uncached. */
static bool
cache_store(struct httpd *h, struct httpd_entry *e, const char *path, uint8_t *body,
            const struct stat *st)
{
        char *p;

        if ((size_t)st->st_size > HTTPD_CACHE_MAX || !(p = strdup(path)))
                return false;
        if (!e) {
                e = &h->cache[h->next_evict];
                h->next_evict = (h->next_evict + 1) % HTTPD_CACHE_N;
        }
        entry_clear(e);
        *e = (struct httpd_entry){.path = p,
                                  .body = body,
                                  .len = (size_t)st->st_size,
                                  .dev = st->st_dev,
                                  .ino = st->st_ino,
                                  .mtim = st->st_mtim,
                                  .checked_ns = mono_ns()};
        return true;
}

/* The cached contents of path, still valid: looked at within the last second, or unchanged
 * on disk since they were read (same device, inode, size and modification time). */
static struct httpd_entry *
cache_lookup(struct httpd *h, const char *path, struct httpd_entry **slot)
{
        struct httpd_entry *e = NULL;
        long long now = mono_ns();
        struct stat st;

        for (int i = 0; i < HTTPD_CACHE_N && !e; i++)
                if (h->cache[i].path && !strcmp(h->cache[i].path, path))
                        e = &h->cache[i];
        *slot = e;
        if (!e || now - e->checked_ns < HTTPD_REVALIDATE_NS)
                return e;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && same_file(e, &st)) {
                e->checked_ns = now;
                return e;
        }
        return NULL; /* changed or gone: read again, into the same slot */
}

/* Map the target to a file under dir; refuses ".." so nothing outside dir is served. */
static void
serve_file(struct httpd *h, struct http_req *r, uint8_t **out, size_t *out_len)
{
        int head_only = !strcmp(r->method, "HEAD");
        char path[2048], *q = strchr(r->target, '?');
        struct httpd_entry *e, *slot;
        struct stat st;
        uint8_t *body;
        int rc;

        if (q)
                *q = 0;
        if (strstr(r->target, "..") || !h->dir) {
                respond_error(h, out, out_len, 404, "Not Found", head_only, r->keep_alive);
                return;
        }
        if (concat(
                path, sizeof(path),
                (const char *const[]){h->dir, r->target,
                                      r->target[strlen(r->target) - 1] == '/' ? "index.html" : "",
                                      NULL}) == sizeof(path)) {
                respond_error(h, out, out_len, 404, "Not Found", head_only, r->keep_alive);
                return;
        }
        e = cache_lookup(h, path, &slot);
        if (e) {
                respond(h, out, out_len, 200, "OK", content_type(path), e->body, e->len, head_only,
                        r->keep_alive);
                return;
        }
        if (slot)
                entry_clear(slot);
        rc = load_file(path, &st, &body);
        if (rc < 0) {
                if (rc == -ENOENT)
                        respond_error(h, out, out_len, 404, "Not Found", head_only, r->keep_alive);
                else
                        respond_error(h, out, out_len, 500, "Internal Server Error", head_only, 0);
                return;
        }
        respond(h, out, out_len, 200, "OK", content_type(path), body, (size_t)st.st_size, head_only,
                r->keep_alive);
        if (!cache_store(h, slot, path, body, &st))
                free(body);
}

struct httpd *
httpd_create(const char *dir)
{
        struct httpd *h = calloc(1, sizeof(*h));

        if (h && dir && !(h->dir = strdup(dir))) {
                free(h);
                h = NULL;
        }
        return h;
}

void
httpd_destroy(struct httpd *h)
{
        if (!h)
                return;
        for (int i = 0; i < HTTPD_CACHE_N; i++)
                entry_clear(&h->cache[i]);
        free(h->dir);
        free(h);
}

int
httpd_handle(struct httpd *h, char *in, size_t *in_len, uint8_t **out, size_t *out_len,
             int *keep_alive)
{
        char *end = memmem(in, *in_len, "\r\n\r\n", 4);
        char head[SVC_HEAD_MAX];
        struct http_req r;
        size_t head_len, used;

        if (!end)
                return 0;
        head_len = (size_t)(end - in) + 4;
        if (head_len >= sizeof(head)) {
                respond_error(h, out, out_len, 431, "Request Header Fields Too Large", 0, 0);
                *keep_alive = 0;
                return -1;
        }
        memcpy(head, in, head_len);
        head[head_len] = 0;
        if (parse_request(head, &r) < 0) {
                respond_error(h, out, out_len, 400, "Bad Request", 0, 0);
                *keep_alive = 0;
                return -1;
        }
        used = head_len + (size_t)r.body_len;
        if (used > *in_len)
                return 0; /* wait for the body, which we discard */
        memmove(in, in + used, *in_len - used);
        *in_len -= used;
        *keep_alive = r.keep_alive;
        if (strcmp(r.method, "GET") && strcmp(r.method, "HEAD"))
                respond_error(h, out, out_len, 501, "Not Implemented", 0, r.keep_alive);
        else
                serve_file(h, &r, out, out_len);
        return 1;
}
