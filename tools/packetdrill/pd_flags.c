/* --so_flags for libstack-packetdrill: comma-separated key=value pairs (and bare `trace`).
 * Defaults match packetdrill's own IPv4 defaults (local 192.168.0.1/16, gateway .0.2). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/packetdrill/pd.h"

#define PD_FLAGS_MAX 512

static int
pd_parse_ip(const char *v, uint32_t *out)
{
        struct in_addr a;

        if (inet_pton(AF_INET, v, &a) != 1)
                return -EINVAL;
        *out = ntohl(a.s_addr);
        return 0;
}

static int
pd_parse_num(const char *v, unsigned long long min, unsigned long long max, unsigned long long *out)
{
        char *end;
        unsigned long long n;

        if (!*v || *v == '-')
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || *end || n < min || n > max)
                return -EINVAL;
        *out = n;
        return 0;
}

/* One key=value; returns 0 or -EINVAL for an unknown key or a bad value. */
static int
pd_parse_one(char *kv, struct pd_config *cfg)
{
        char *v = strchr(kv, '=');
        unsigned long long n;

        if (strcmp(kv, "trace") == 0) {
                cfg->trace = true;
                return 0;
        }
        if (!v)
                return -EINVAL;
        *v++ = 0;
        if (strcmp(kv, "local") == 0)
                return pd_parse_ip(v, &cfg->local);
        if (strcmp(kv, "gw") == 0)
                return pd_parse_ip(v, &cfg->gw);
        if (strcmp(kv, "prefix") == 0 && pd_parse_num(v, 1, 32, &n) == 0)
                cfg->prefix_len = (uint8_t)n;
        else if (strcmp(kv, "mtu") == 0 && pd_parse_num(v, 68, 65535, &n) == 0)
                cfg->mtu = (uint16_t)n;
        else if (strcmp(kv, "seed") == 0 && pd_parse_num(v, 1, UINT64_MAX, &n) == 0)
                cfg->seed = n;
        else if (strcmp(kv, "msl_ms") == 0 && pd_parse_num(v, 1, 3600000, &n) == 0)
                cfg->msl_ms = (unsigned)n;
        else if (strcmp(kv, "tick") == 0 && pd_parse_num(v, 0, 1000000, &n) == 0)
                cfg->tick_us = n;
        else if (strcmp(kv, "sniff_wait_ms") == 0 && pd_parse_num(v, 0, 86400000, &n) == 0)
                cfg->sniff_wait_ms = (unsigned)n;
        else
                return -EINVAL;
        return 0;
}

int
pd_parse_flags(const char *flags, struct pd_config *cfg)
{
        char buf[PD_FLAGS_MAX], *save = NULL;

        memset(cfg, 0, sizeof(*cfg));
        cfg->local = 0xc0a80001u; /* 192.168.0.1 */
        cfg->gw = 0xc0a80002u;    /* 192.168.0.2 */
        cfg->prefix_len = 16;
        cfg->mtu = 1500;
        cfg->seed = 1;
        cfg->tick_us = 1;
        cfg->sniff_wait_ms = PD_DEFAULT_SNIFF_WAIT_MS;
        if (!flags)
                return 0;
        if (strlen(flags) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, flags);
        for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
                if (pd_parse_one(kv, cfg) < 0)
                        return -EINVAL;
        return 0;
}
