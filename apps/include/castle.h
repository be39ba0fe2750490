/* castle.h: the capability ABI for C actors (docs/abi.md).
 *
 * Compile with scripts/c2wasm.sh (clang-16 for wasm32, no libc); `castle sim` does that for
 * the .c files a manifest names, with -I apps/include.
 *
 * Every function below is a call into the enclave core, which checks its arguments before
 * anything reaches the network. Sizes: 16 c-list slots, messages of 0..4 words, a mailbox of
 * 4 messages, 16-bit badges.
 */
#ifndef CASTLE_H
#define CASTLE_H

#define CASTLE_IMPORT(name) __attribute__((import_module("castle"), import_name(#name)))

/* Status codes of castle_send, castle_grant and castle_drop. */
enum {
    CASTLE_DELIVERED = 0, /* in the receiver's mailbox (a grant: in its c-list) */
    CASTLE_REJECTED = -1, /* the receiver's mailbox (or c-list) was full */
    CASTLE_REFUSED = -2,  /* nothing left: bad argument, empty slot or missing right */
};
/* castle_try_recv: no message waiting. */
enum { CASTLE_EMPTY = -1 };
/* Rights of a capability (castle_grant's mask). */
enum { CASTLE_SEND = 1, CASTLE_GRANT = 2 };
/* Limits. */
enum { CASTLE_SLOTS = 16, CASTLE_MAX_WORDS = 4 };

/* A message buffer: recv always may write all 4 words. */
typedef struct {
    unsigned w[CASTLE_MAX_WORDS];
} castle_msg;

/* Send `len` words at `words` through c-list slot `cap`. */
int castle_send(int cap, const void *words, int len) CASTLE_IMPORT(send);
/* Wait for a message, write its words to `buf`; returns its header (castle_badge, ...). */
int castle_recv(castle_msg *buf) CASTLE_IMPORT(recv);
/* As castle_recv when a message waits, else CASTLE_EMPTY at once. */
int castle_try_recv(castle_msg *buf) CASTLE_IMPORT(try_recv);
/* Send a copy of slot `give`, with only the `rights` it has and `rights` names, over `cap`. */
int castle_grant(int cap, int give, int rights) CASTLE_IMPORT(grant);
/* Empty slot `slot` of the own c-list. */
int castle_drop(int slot) CASTLE_IMPORT(drop);

/* Fields of a header returned by castle_recv / castle_try_recv. */
static inline int castle_badge(int header) { return header & 0xffff; }
static inline int castle_len(int header) { return (header >> 16) & 7; }
static inline int castle_is_grant(int header) { return (header >> 19) & 1; }
static inline int castle_grant_slot(int header) { return (header >> 20) & 15; }

/* Print `s` through the console capability in slot `console` (16 bytes per message). */
static inline void castle_print(int console, const char *s) {
    while (*s) {
        castle_msg m = {{0, 0, 0, 0}};
        int n = 0;
        while (n < 16 && s[n]) {
            m.w[n / 4] |= (unsigned)(unsigned char)s[n] << (8 * (n % 4));
            n++;
        }
        castle_send(console, &m, (n + 3) / 4);
        s += n;
    }
}

/* Print the decimal value of `v`. */
static inline void castle_print_int(int console, int v) {
    char buf[12];
    char *p = buf + sizeof buf - 1;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    *p = 0;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    castle_print(console, p);
}

#endif
