/* filter: passes the primes it receives from the producer on to the consumer (waiting for the
 * consumer's ack), then acks the producer; a 0 ends the stream and is passed on.
 * c-list: 0 consumer, 1 producer, 2 console. */
#include "castle.h"

enum { CONSUMER = 0, PRODUCER = 1, CONSOLE = 2 };

static int is_prime(unsigned n) {
    if (n < 2) {
        return 0;
    }
    for (unsigned d = 2; d * d <= n; d++) {
        if (n % d == 0) {
            return 0;
        }
    }
    return 1;
}

int main(void) {
    castle_msg m;
    int passed = 0;
    for (;;) {
        castle_recv(&m);
        unsigned v = m.w[0];
        if (v == 0) {
            castle_send(CONSUMER, &m, 1);
            break;
        }
        if (is_prime(v)) {
            castle_send(CONSUMER, &m, 1);
            castle_recv(&m); /* the consumer's ack */
            passed++;
        }
        castle_send(PRODUCER, &m, 0);
    }
    castle_print(CONSOLE, "filter: passed ");
    castle_print_int(CONSOLE, passed);
    castle_print(CONSOLE, " primes\n");
    return passed;
}
