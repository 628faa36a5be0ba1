/* metrics.h — the server's Prometheus counters (GET /metrics, text format
 * 0.0.4): requests by route and status, tokens, images, rejected requests,
 * queue depth and busy slots, and a latency histogram. Process-wide. */
#ifndef EXAONE_SERVER_METRICS_H
#define EXAONE_SERVER_METRICS_H

#include <stddef.h>

void metrics_request(const char *route, int status, double seconds);
void metrics_tokens(long prompt, long completion);
void metrics_images(long n);
/* Renders the exposition text into a malloc'd string (queue numbers given). */
char *metrics_render(int queued, int running, int slots);

#endif
