/* Castle csmith driver: includes one csmith program (CSMITH_PROGRAM, a quoted path) with its
 * main renamed, supplies the few libc functions it needs (no libc on an enclave), and exports
 * checksum(), which runs the program and returns the CRC that csmith's main would print.
 * Compiled by testbench/src/suites/csmith.rs through scripts/c2wasm.sh with
 * C2WASM_CFLAGS="-ffreestanding -w -I testbench/csmith/include -I /usr/include/csmith
 *                -DNOT_PRINT_CHECKSUM -DCSMITH_PROGRAM=\"...\"" (csmith headers: libcsmith-dev). */
#define main csmith_main
#include CSMITH_PROGRAM
#undef main

int printf(const char *format, ...) { (void)format; return 0; }

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}

unsigned checksum(void) {
    csmith_main(0, 0);
    return crc32_context ^ 0xFFFFFFFFu;
}
