/* Castle csmith harness: no libc, assertions compiled out. */
#define assert(x) ((void)0)
