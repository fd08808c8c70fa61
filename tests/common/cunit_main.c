/* CUnit runner shared by the unit and sim suites. Every test file defines one or more
 * `void suite_<name>(void)` functions (return type on its own line); the Makefile collects
 * them into suites.inc, so adding a suite never touches this file.
 * Usage: <runner> [SUITE-NAME-SUBSTRING]  (runs matching suites only). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define X(fn) void fn(void);
#include "suites.inc"
#undef X

int
main(int argc, char **argv)
{
        const char *only = argc > 1 ? argv[1] : NULL;
        unsigned failed;

        (void)only;

        if (CU_initialize_registry() != CUE_SUCCESS)
                return 2;
#define X(fn)                                                                                      \
        if (!only || strstr(#fn, only))                                                            \
                fn();
#include "suites.inc"
#undef X
        CU_basic_set_mode(CU_BRM_VERBOSE);
        CU_basic_run_tests();
        failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
        printf("\n%u passed, %u failed\n",
               CU_get_number_of_tests_run() - CU_get_number_of_tests_failed(),
               CU_get_number_of_tests_failed());
        CU_cleanup_registry();
        return failed ? 1 : 0;
}
