/* alice: pings bob three times, then gives carol a send-only copy of her capability to bob.
 * c-list: 0 bob (send), 1 carol (send, grant), 2 console. */
#include "castle.h"

enum { BOB = 0, CAROL = 1, CONSOLE = 2 };

int main(void) {
    castle_msg m;
    int sum = 0;
    for (int i = 1; i <= 3; i++) {
        m.w[0] = 1;
        m.w[1] = (unsigned)(i * 10);
        castle_send(BOB, &m, 2);
        castle_recv(&m);
        sum += (int)m.w[0];
    }
    castle_print(CONSOLE, "alice: bob answered 3 pings, sum ");
    castle_print_int(CONSOLE, sum);
    castle_print(CONSOLE, "\n");
    int granted = castle_grant(CAROL, BOB, CASTLE_SEND);
    castle_print(CONSOLE, granted == CASTLE_DELIVERED
                              ? "alice: gave carol a send-only capability to bob\n"
                              : "alice: the grant failed\n");
    return sum;
}
