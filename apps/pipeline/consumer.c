/* consumer: adds up what the filter passes on, acking each, until a 0.
 * c-list: 0 filter, 1 console. */
#include "castle.h"

enum { FILTER = 0, CONSOLE = 1 };

int main(void) {
    castle_msg m;
    int sum = 0;
    for (;;) {
        castle_recv(&m);
        if (m.w[0] == 0) {
            break;
        }
        sum += (int)m.w[0];
        castle_send(FILTER, &m, 0);
    }
    castle_print(CONSOLE, "consumer: sum of the primes up to 20 is ");
    castle_print_int(CONSOLE, sum);
    castle_print(CONSOLE, "\n");
    return sum;
}
