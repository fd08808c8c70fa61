/* A small static-file HTTP/1.1 server core for stackd (RFC 9112 message syntax, RFC 9110
 * semantics): GET and HEAD, persistent connections, Content-Length, 400/404/501. */
#include <fcntl.h>
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

static void
respond(uint8_t **out, size_t *out_len, int code, const char *reason, const char *type,
        const void *body, size_t body_len, int head_only, int keep_alive)
{
        char hdr[512], date[64];
        time_t now = time(NULL);
        struct tm tm;
        int n;

        gmtime_r(&now, &tm);
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        n = snprintf(hdr, sizeof(hdr),
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: stackd\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
                     code, reason, date, type, body_len, keep_alive ? "keep-alive" : "close");
        append(out, out_len, hdr, (size_t)n);
        if (!head_only && body_len)
                append(out, out_len, body, body_len);
}

static void
respond_error(uint8_t **out, size_t *out_len, int code, const char *reason, int head_only,
              int keep_alive)
{
        char body[128];
        int n = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1></body></html>\n", code,
                         reason);

        respond(out, out_len, code, reason, "text/html; charset=UTF-8", body, (size_t)n, head_only,
                keep_alive);
}

/* Parse the request line and the headers we use; 0 or -1 when malformed. */
static int
parse_request(char *head, struct http_req *r)
{
        char *line_end = strstr(head, "\r\n"), *h;
        char version[16];

        *line_end = 0;
        if (sscanf(head, "%7s %1023s %15s", r->method, r->target, version) != 3 ||
            strncmp(version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1') ||
            version[8] != 0 || r->target[0] != '/')
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

/* Map the target to a file under dir; refuses ".." so nothing outside dir is served. */
static void
serve_file(const char *dir, struct http_req *r, uint8_t **out, size_t *out_len)
{
        int head_only = !strcmp(r->method, "HEAD");
        char path[2048], *q = strchr(r->target, '?');
        struct stat st;
        uint8_t *body;
        int fd;

        if (q)
                *q = 0;
        if (strstr(r->target, "..") || !dir) {
                respond_error(out, out_len, 404, "Not Found", head_only, r->keep_alive);
                return;
        }
        snprintf(path, sizeof(path), "%s%s%s", dir, r->target,
                 r->target[strlen(r->target) - 1] == '/' ? "index.html" : "");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (size_t)st.st_size > HTTPD_MAX_FILE) {
                if (fd >= 0)
                        close(fd);
                respond_error(out, out_len, 404, "Not Found", head_only, r->keep_alive);
                return;
        }
        body = malloc((size_t)st.st_size + 1);
        if (body && read(fd, body, (size_t)st.st_size) == st.st_size)
                respond(out, out_len, 200, "OK", content_type(path), body, (size_t)st.st_size,
                        head_only, r->keep_alive);
        else
                respond_error(out, out_len, 500, "Internal Server Error", head_only, 0);
        free(body);
        close(fd);
}

int
httpd_handle(const char *dir, char *in, size_t *in_len, uint8_t **out, size_t *out_len,
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
                respond_error(out, out_len, 431, "Request Header Fields Too Large", 0, 0);
                *keep_alive = 0;
                return -1;
        }
        memcpy(head, in, head_len);
        head[head_len] = 0;
        if (parse_request(head, &r) < 0) {
                respond_error(out, out_len, 400, "Bad Request", 0, 0);
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
                respond_error(out, out_len, 501, "Not Implemented", 0, r.keep_alive);
        else
                serve_file(dir, &r, out, out_len);
        return 1;
}
