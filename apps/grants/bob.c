/* bob: receives alice's grant and uses it to write to carol; cannot grant through it (it has
 * no grant right), and passing it to dave with both rights asked for still gives dave a
 * send-only capability. c-list: 0 dave (send, grant), 1 console; the grant lands in slot 2. */
#include "castle.h"

enum { DAVE = 0, CONSOLE = 1 };

int main(void) {
    castle_msg m;
    int header = castle_recv(&m);
    if (!castle_is_grant(header)) {
        castle_print(CONSOLE, "bob: expected a grant\n");
        return -1;
    }
    int carol = castle_grant_slot(header);
    castle_print(CONSOLE, "bob: got a capability in slot ");
    castle_print_int(CONSOLE, carol);
    castle_print(CONSOLE, "\n");
    m.w[0] = 2;
    int sent = castle_send(carol, &m, 1);
    int amplified = castle_grant(carol, carol, CASTLE_SEND | CASTLE_GRANT);
    castle_print(CONSOLE, amplified == CASTLE_REFUSED ? "bob: granting through it is refused\n"
                                                      : "bob: granting through it worked?!\n");
    int passed = castle_grant(DAVE, carol, CASTLE_SEND | CASTLE_GRANT);
    return sent == CASTLE_DELIVERED && amplified == CASTLE_REFUSED && passed == CASTLE_DELIVERED;
}
