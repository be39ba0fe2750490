/* store: a key-value store for three clients, told apart by the badge of the capability each
 * uses (1, 2, 3). Requests are [op, key, value]: 1 put, 2 get, 3 hello (the reply is the
 * client's number), 4 done. It answers each request through the client's reply capability
 * and stops when all three are done.
 * c-list: 0..2 the clients (reply), 3 console. */
#include "castle.h"

enum { CONSOLE = 3, KEYS = 64 };
enum { PUT = 1, GET = 2, HELLO = 3, DONE = 4 };

static unsigned keys[KEYS], values[KEYS];
static int used;

static int find(unsigned key) {
    for (int i = 0; i < used; i++) {
        if (keys[i] == key) {
            return i;
        }
    }
    return -1;
}

int main(void) {
    castle_msg m;
    int done = 0, served = 0;
    while (done < 3) {
        int header = castle_recv(&m);
        int client = castle_badge(header);
        if (client < 1 || client > 3 || castle_len(header) != 3) {
            continue; /* not a request from a client */
        }
        unsigned op = m.w[0], key = m.w[1], value = m.w[2];
        int i = find(key);
        unsigned reply = 0;
        if (op == PUT) {
            if (i < 0 && used < KEYS) {
                i = used++;
                keys[i] = key;
            }
            if (i >= 0) {
                values[i] = value;
            }
        } else if (op == GET) {
            reply = i < 0 ? 0xffffffffu : values[i];
        } else if (op == HELLO) {
            reply = (unsigned)client;
        } else if (op == DONE) {
            done++;
        }
        served++;
        m.w[0] = reply;
        castle_send(client - 1, &m, 1);
    }
    castle_print(CONSOLE, "store: served ");
    castle_print_int(CONSOLE, served);
    castle_print(CONSOLE, " requests, ");
    castle_print_int(CONSOLE, used);
    castle_print(CONSOLE, " keys\n");
    return served;
}
