/* alice: writes to carol, then gives bob a send-only copy of her capability to carol (badge
 * 7). c-list: 0 bob (send, grant), 1 carol (send), 2 console. */
#include "castle.h"

enum { BOB = 0, CAROL = 1, CONSOLE = 2 };

int main(void) {
    castle_msg m = {{1, 0, 0, 0}};
    castle_send(CAROL, &m, 1);
    int status = castle_grant(BOB, CAROL, CASTLE_SEND);
    castle_print(CONSOLE, status == CASTLE_DELIVERED ? "alice: gave bob a send-only capability to carol\n"
                                                     : "alice: the grant failed\n");
    return status;
}
