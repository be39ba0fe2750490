/* carol: waits for alice's grant, writes bob a note through it, and tries to pass it on with
 * the grant right, which it does not have. c-list: 0 console; the grant lands in slot 1. */
#include "castle.h"

enum { CONSOLE = 0 };

int main(void) {
    castle_msg m;
    int header = castle_recv(&m);
    int bob = castle_grant_slot(header);
    m.w[0] = 2;
    m.w[1] = 42;
    int sent = castle_send(bob, &m, 2);
    int again = castle_grant(bob, bob, CASTLE_SEND | CASTLE_GRANT);
    castle_print(CONSOLE, again == CASTLE_REFUSED
                              ? "carol: wrote to bob; passing the capability on is refused\n"
                              : "carol: passed the capability on?!\n");
    return sent;
}
