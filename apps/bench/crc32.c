/* crc32.c: bitwise CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 * run(n) fills a static buffer of len = n mod 1024 bytes from an LCG seeded with n,
 * then returns the CRC-32 of that buffer: exercises shifts, xor and 8-bit memory traffic. */

static unsigned char buf[1024];

static unsigned crc32(const unsigned char *p, unsigned len) {
    unsigned crc = 0xffffffffu;
    unsigned i, b;
    for (i = 0; i < len; i++) {
        crc ^= p[i];
        for (b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

int run(int n) {
    unsigned len = (unsigned)n % 1024u;
    unsigned x = (unsigned)n;
    unsigned i;
    for (i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    return (int)crc32(buf, len);
}
