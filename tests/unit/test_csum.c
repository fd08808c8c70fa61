/* RFC 1071 checksum: the worked example of RFC 1071 section 3 and an odd-length buffer. */
#include <CUnit/CUnit.h>

#include "stack/wire/csum.h"

static void
rfc1071_3_example_sum(void)
{
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	/* RFC 1071 3: the sum of these bytes is ddf2, so the checksum is ~ddf2 = 220d. */
	CU_ASSERT_EQUAL(csum(b, sizeof(b)), 0x220d);
}

static void
rfc1071_odd_length_pads_with_zero(void)
{
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
	CU_ASSERT_EQUAL(csum(odd, 3), csum(even, 4));
}

static void
rfc1071_verify_gives_zero(void)
{
	/* A real IPv4 header (ping 10.0.0.1 -> 10.0.0.2) with its checksum verifies to 0. */
	const uint8_t ip[] = {0x45, 0x00, 0x00, 0x54, 0x9f, 0x3c, 0x40, 0x00, 0x40, 0x01,
			      0x87, 0x6a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02};
	CU_ASSERT_EQUAL(csum(ip, sizeof(ip)), 0);
}

void
suite_csum(void)
{
	CU_pSuite su = CU_add_suite("csum", NULL, NULL);
	CU_add_test(su, "rfc1071_3_example_sum", rfc1071_3_example_sum);
	CU_add_test(su, "rfc1071_odd_length_pads_with_zero", rfc1071_odd_length_pads_with_zero);
	CU_add_test(su, "rfc1071_verify_gives_zero", rfc1071_verify_gives_zero);
}
