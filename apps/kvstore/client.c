/* client: learns its number from the store, puts ten keys of its own, reads them back and
 * checks them, then says it is done. c-list: 0 store, 1 console. */
#include "castle.h"

enum { STORE = 0, CONSOLE = 1 };
enum { PUT = 1, GET = 2, HELLO = 3, DONE = 4 };

static unsigned call(unsigned op, unsigned key, unsigned value) {
    castle_msg m = {{op, key, value, 0}};
    castle_send(STORE, &m, 3);
    castle_recv(&m);
    return m.w[0];
}

int main(void) {
    unsigned me = call(HELLO, 0, 0);
    for (unsigned k = 0; k < 10; k++) {
        call(PUT, me * 100 + k, me * 1000 + k * k);
    }
    int good = 0;
    for (unsigned k = 0; k < 10; k++) {
        good += call(GET, me * 100 + k, 0) == me * 1000 + k * k;
    }
    call(DONE, 0, 0);
    castle_print(CONSOLE, "client ");
    castle_print_int(CONSOLE, (int)me);
    castle_print(CONSOLE, ": ");
    castle_print_int(CONSOLE, good);
    castle_print(CONSOLE, " of 10 values read back\n");
    return good;
}
